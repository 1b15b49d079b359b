"""`sagemaker_notebook_instances`: the SageMaker notebook instances per region and the execution role each runs
as (`RoleArn`, from DescribeNotebookInstance)."""

from __future__ import annotations

from typing import Any

from assurance_jobs.scan.privesc_inputs import ListedResource, ResourceListing
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.scan.sources.resource_listing import Place, listing, text
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "sagemaker_notebook_instances"
KINDS = ("sagemaker_notebook",)


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ResourceListing | None:
    return listing(snapshot, account_id, SOURCE, KINDS, ctx, _notebooks)


def _notebooks(page: dict[str, Any], place: Place) -> list[ListedResource]:
    return [
        ListedResource("sagemaker_notebook", arn, text(notebook.get("RoleArn")))
        for notebook in dicts(page.get("NotebookInstances"))
        if (arn := text(notebook.get("NotebookInstanceArn")))
    ]
