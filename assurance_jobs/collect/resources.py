"""Collectors of the existing resources that run as IAM roles (docs/privesc.md, "Inputs"): metadata only.

Why it looks like this:
* The escalation analysis needs to know which resources exist and which role each runs as — a Lambda function's
  `Role`, a stack's `RoleARN`, an instance's instance profile — and nothing else. Several of these responses also
  carry what must never be stored: a function's environment variables, a CodeBuild project's environment and
  source credentials, a stack's parameters and outputs, a Glue endpoint's arguments. So every page is cut down to
  an allow-list of fields (`Spec`) before it is kept: a field AWS adds tomorrow is dropped, never stored.
* Each source is one paginated listing, sometimes followed by one call per page or per item for the role
  (`codebuild:BatchGetProjects`, `sagemaker:DescribeNotebookInstance`). A failure of that follow-up call is
  kept on the item (`RoleArnError`) and makes the status `partial`: a resource whose role is unknown is never
  taken as one that runs as no role.
* Like every collector, these never raise on an AWS error; the pages that arrived are kept (`partial`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.collect.aws import _failure, _run, _with_pages_content
from assurance_jobs.source import AwsCollector, AwsSource, CollectFailure, CollectResult, MakeClient

Spec = Mapping[str, Any]
"""The fields to keep: `True` keeps a field whole, a nested spec keeps those fields of an object (of each object
of a list)."""
PAGE_TOKENS: Spec = {"NextToken": True, "nextToken": True, "NextMarker": True, "Marker": True}


def kept(value: Any, spec: Any) -> Any:
    """`value` cut down to `spec` (applied to each element of a list)."""
    if spec is True:
        return value
    if isinstance(value, list):
        return [kept(item, spec) for item in value]
    if not isinstance(value, dict) or not isinstance(spec, Mapping):
        return None
    return {key: kept(value[key], sub) for key, sub in spec.items() if key in value}


@dataclasses.dataclass(frozen=True)
class Listing:
    """One paginated read: botocore's operation name, the fields kept, the page size (None: the API's own)."""

    operation: str
    spec: Spec
    page_size: int | None = None
    parameters: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def pages(self, client: Any) -> Iterable[dict[str, Any]]:
        config = {"PageSize": self.page_size} if self.page_size else {}
        return client.get_paginator(self.operation).paginate(**self.parameters, PaginationConfig=config)


def _read(make_client: MakeClient, listing: Listing) -> CollectResult:
    """Every page of `listing`, each cut down to its spec (and the pagination tokens)."""
    result = _run(lambda: listing.pages(make_client()))
    spec = {**PAGE_TOKENS, **listing.spec}
    return dataclasses.replace(result, pages=[kept(page, spec) for page in result.pages])


def listing_collector(listing: Listing) -> AwsCollector:
    """The collector of a source that one paginated listing fully answers (functions, stacks, instances…)."""

    def collect(make_client: MakeClient, entry: AwsSource) -> CollectResult:
        return _with_pages_content(_read(make_client, listing))

    collect.__doc__ = f"Every page of {listing.operation}, cut down to the fields the analysis reads."
    return collect


def _enriched(result: CollectResult, enrich: Callable[[dict[str, Any]], CollectFailure | None]) -> CollectResult:
    """The listing's pages after `enrich` added to each page what a follow-up call returned; the first follow-up
    failure makes the result `partial` (the items keep their error, the pages are kept)."""
    failure = None
    for page in result.pages:
        failure = enrich(page) or failure
    if result.failure is None and failure is not None:
        result = dataclasses.replace(result, failure=failure)
    return _with_pages_content(result)


def _fields(*names: str) -> Spec:
    return dict.fromkeys(names, True)


LAMBDA_FUNCTIONS = Listing(
    "list_functions",
    {"Functions": _fields("FunctionName", "FunctionArn", "Role", "Runtime", "PackageType", "LastModified")},
    page_size=50,
)
CLOUDFORMATION_STACKS = Listing(
    "describe_stacks",
    {"Stacks": _fields("StackId", "StackName", "StackStatus", "RoleARN", "CreationTime", "LastUpdatedTime")},
)
CLOUDFORMATION_STACK_SETS = Listing(
    "list_stack_sets", {"Summaries": _fields("StackSetId", "StackSetName", "Status")}, parameters={"Status": "ACTIVE"}
)
EC2_INSTANCES = Listing(
    "describe_instances",
    {
        "Reservations": {
            "Instances": {
                "InstanceId": True,
                "State": _fields("Name"),
                "IamInstanceProfile": _fields("Arn", "Id"),
                "LaunchTime": True,
            }
        }
    },
    page_size=1000,
)
SSM_MANAGED_INSTANCES = Listing(
    "describe_instance_information",
    {"InstanceInformationList": _fields("InstanceId", "ResourceType", "IamRole", "PingStatus")},
    page_size=50,
)
GLUE_DEV_ENDPOINTS = Listing("get_dev_endpoints", {"DevEndpoints": _fields("EndpointName", "RoleArn", "Status")})
GLUE_JOBS = Listing("list_jobs", {"JobNames": True})

collect_lambda_functions = listing_collector(LAMBDA_FUNCTIONS)
collect_cloudformation_stacks = listing_collector(CLOUDFORMATION_STACKS)
collect_cloudformation_stack_sets = listing_collector(CLOUDFORMATION_STACK_SETS)
collect_ec2_instances = listing_collector(EC2_INSTANCES)
collect_ssm_managed_instances = listing_collector(SSM_MANAGED_INSTANCES)
collect_glue_dev_endpoints = listing_collector(GLUE_DEV_ENDPOINTS)
collect_glue_jobs = listing_collector(GLUE_JOBS)

CODEBUILD_PROJECTS = Listing("list_projects", {"projects": True})
CODEBUILD_PROJECT: Spec = {"name": True, "arn": True, "serviceRole": True}


def collect_codebuild_projects(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """codebuild:ListProjects pages (names, at most 100 a page), each page's names replaced by
    codebuild:BatchGetProjects' answer for them (name, ARN, service role — never the environment or source)."""

    def enrich(page: dict[str, Any]) -> CollectFailure | None:
        names = [name for name in page.get("projects") or [] if isinstance(name, str)]
        if not names:
            return None
        try:
            found = make_client().batch_get_projects(names=names)
        except (ClientError, BotoCoreError) as error:
            page["projects"] = [{"name": name, "RoleArnError": _failure(error).code} for name in names]
            return _failure(error)
        page["projects"] = kept(found.get("projects") or [], CODEBUILD_PROJECT)
        return None

    return _enriched(_read(make_client, CODEBUILD_PROJECTS), enrich)


SAGEMAKER_NOTEBOOKS = Listing(
    "list_notebook_instances",
    {"NotebookInstances": {"NotebookInstanceName": True, "NotebookInstanceArn": True, "NotebookInstanceStatus": True}},
    page_size=100,
)


def collect_sagemaker_notebook_instances(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """sagemaker:ListNotebookInstances pages, each notebook gaining the `RoleArn` that
    sagemaker:DescribeNotebookInstance gives (one call per notebook; nothing else of that answer is kept)."""

    def enrich(page: dict[str, Any]) -> CollectFailure | None:
        failed = None
        for notebook in page.get("NotebookInstances") or []:
            try:
                described = make_client().describe_notebook_instance(
                    NotebookInstanceName=notebook["NotebookInstanceName"]
                )
            except (ClientError, BotoCoreError) as error:
                failed = failed or _failure(error)
                notebook["RoleArnError"] = _failure(error).code
                continue
            notebook["RoleArn"] = described.get("RoleArn")
        return failed

    return _enriched(_read(make_client, SAGEMAKER_NOTEBOOKS), enrich)


ECS_CLUSTERS = Listing("list_clusters", {"clusterArns": True}, page_size=100)


def collect_ecs_clusters(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """ecs:ListClusters pages, each page gaining `containerInstances`: per cluster, its container instance ARNs
    (ecs:ListContainerInstances, every page) — the EC2 capacity a task can be started on — or the error code."""

    def enrich(page: dict[str, Any]) -> CollectFailure | None:
        failed, page["containerInstances"] = None, []
        for cluster in page.get("clusterArns") or []:
            listing = Listing("list_container_instances", {"containerInstanceArns": True}, 100, {"cluster": cluster})
            result = _read(make_client, listing)
            arns = [arn for part in result.pages for arn in part.get("containerInstanceArns") or []]
            found: dict[str, Any] = {"cluster": cluster, "containerInstanceArns": arns}
            if result.failure is not None:
                failed, found["Error"] = failed or result.failure, result.failure.code
            page["containerInstances"].append(found)
        return failed

    return _enriched(_read(make_client, ECS_CLUSTERS), enrich)
