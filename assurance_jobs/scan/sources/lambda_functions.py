"""`lambda_functions`: the Lambda functions per region and the execution role each runs as (`Role`)."""

from __future__ import annotations

from typing import Any

from assurance_jobs.scan.privesc_inputs import ListedResource, ResourceListing
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.scan.sources.resource_listing import Place, listing, text
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "lambda_functions"
KINDS = ("lambda_function",)


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ResourceListing | None:
    return listing(snapshot, account_id, SOURCE, KINDS, ctx, _functions)


def _functions(page: dict[str, Any], place: Place) -> list[ListedResource]:
    return [
        ListedResource("lambda_function", arn, text(function.get("Role")))
        for function in dicts(page.get("Functions"))
        if (arn := text(function.get("FunctionArn")))
    ]
