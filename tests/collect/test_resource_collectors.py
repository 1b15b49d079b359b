"""The resource sources (functions, stacks, projects, instances, notebooks, Glue, ECS): each listing keeps the role a
resource runs as and nothing secret, and every way AWS fails ends as a recorded status, never an exception.

Faults go in through botocore's event hooks in front of moto (collect_fixtures), so the collectors and botocore's
retries run unmodified. moto lacks ssm:DescribeInstanceInformation (answered as AWS would by the conftest patch:
no managed node); its one real-shape listing is stubbed (test_ssm_nodes_are_listed_as_aws_returns_them).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.retries import bucket, standard
from botocore.stub import Stubber
from collect_fixtures import Script, http_response, on_call, on_send_first, parsed_error, parsed_ok, query_error
from moto import mock_aws

from assurance_jobs.collect.aws import _status, client_config
from assurance_jobs.config import HumanMarker
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.snapshot.model import CollectionStatus, Manifest, ManifestFile, Snapshot, SourceBlob
from assurance_jobs.source import AwsSource, CollectResult
from assurance_jobs.sources import registry

REGION = "eu-west-1"
ACCOUNT = "123456789012"
CANARY = "CANARY-NEVER-STORED-91c2"
RESOURCE_SOURCES = tuple(e for e in registry.aws_sources() if e.enabled_by == "collect_resources")
TAKEN_AT = datetime(2026, 12, 6, 6, tzinfo=UTC)


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


SERVICES = ["lambda", "ec2", "codebuild", "sagemaker", "glue", "cloudformation"]
WORKLOAD = f"arn:aws:iam::{ACCOUNT}:role/workload"
PROFILE = f"arn:aws:iam::{ACCOUNT}:instance-profile/web"


def seed_resources(session: boto3.Session) -> dict[str, str]:
    """One resource of every listed kind, each running as role/workload, each holding the canary where AWS would
    return it if asked (environment, parameters, build variables, user data, arguments). Kind -> its ARN."""
    iam = session.client("iam")
    principals = {"Service": [f"{service}.amazonaws.com" for service in SERVICES]}
    iam.create_role(
        RoleName="workload",
        AssumeRolePolicyDocument=_document({"Effect": "Allow", "Principal": principals, "Action": "sts:AssumeRole"}),
    )
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="workload")
    client = lambda service: session.client(service, region_name=REGION)  # noqa: E731
    function = client("lambda").create_function(
        FunctionName="nightly-report",
        Runtime="python3.12",
        Role=WORKLOAD,
        Handler="handler.handler",
        Code={"ZipFile": _code()},
        Environment={"Variables": {"API_TOKEN": CANARY}},
    )["FunctionArn"]
    template = {
        "Parameters": {"DbPassword": {"Type": "String"}},
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"Echo": {"Value": {"Ref": "DbPassword"}}},
    }
    stack = client("cloudformation").create_stack(
        StackName="billing-stack",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "DbPassword", "ParameterValue": CANARY}],
        RoleARN=WORKLOAD,
    )["StackId"]
    stack_set = client("cloudformation").create_stack_set(
        StackSetName="baseline", TemplateBody=json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
    )["StackSetId"]
    environment = {
        "type": "LINUX_CONTAINER",
        "image": "aws/codebuild/standard:7.0",
        "computeType": "BUILD_GENERAL1_SMALL",
        "environmentVariables": [{"name": "DEPLOY_TOKEN", "value": CANARY, "type": "PLAINTEXT"}],
    }
    project = client("codebuild").create_project(
        name="release-build",
        source={"type": "S3", "location": "artifacts/source.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment=environment,
        serviceRole=WORKLOAD,
    )["project"]["arn"]
    ec2 = client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, IamInstanceProfile={"Arn": PROFILE}, UserData=CANARY
    )["Instances"][0]["InstanceId"]
    notebook = client("sagemaker").create_notebook_instance(
        NotebookInstanceName="research", InstanceType="ml.t3.medium", RoleArn=WORKLOAD
    )["NotebookInstanceArn"]
    glue = client("glue")
    glue.create_dev_endpoint(EndpointName="etl-dev", RoleArn=WORKLOAD, Arguments={"--token": CANARY})
    glue.create_job(
        Name="nightly-etl",
        Role=WORKLOAD,
        Command={"Name": "glueetl", "ScriptLocation": "s3://scripts/etl.py"},
        DefaultArguments={"--token": CANARY},
    )
    cluster = client("ecs").create_cluster(clusterName="workers")["cluster"]["clusterArn"]
    return {
        "lambda_function": function,
        "cloudformation_stack": stack,
        "cloudformation_stack_set": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stackset/{stack_set}",
        "codebuild_project": project,
        "ec2_instance": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance}",
        "sagemaker_notebook": notebook,
        "glue_dev_endpoint": f"arn:aws:glue:{REGION}:{ACCOUNT}:devEndpoint/etl-dev",
        "glue_job": f"arn:aws:glue:{REGION}:{ACCOUNT}:job/nightly-etl",
        "ecs_cluster": cluster,
    }


@pytest.fixture(autouse=True)
def instant_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's real retry decisions, without the seconds of backoff they would sleep."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(bucket.TokenBucket, "_sleep_amount", lambda self, amount: 0)


@pytest.fixture(scope="module")
def seeded() -> Iterator[dict[str, str]]:
    with mock_aws():
        yield seed_resources(boto3.Session(region_name=REGION))


@pytest.fixture
def session(seeded: dict[str, str]) -> boto3.Session:
    """A fresh session per test, so each test's injected event handlers stay its own."""
    return boto3.Session(region_name=REGION)


def collect(session: boto3.Session, entry: AwsSource) -> CollectResult:
    """One source in one region, as the account collector runs it (botocore's adaptive retries, 3 attempts)."""
    clients: dict[str, Any] = {}

    def make_client() -> Any:
        if entry.service not in clients:
            clients[entry.service] = session.client(entry.service, region_name=REGION, config=client_config(3))
        return clients[entry.service]

    return entry.collect(make_client, entry)


def snapshot_of(blobs: list[SourceBlob], statuses: list[CollectionStatus]) -> Snapshot:
    files = [
        ManifestFile(b.relative_path, b.account_id, b.source, b.region, hashlib.sha256(b.content).hexdigest(), 1)
        for b in blobs
    ]
    manifest = Manifest("snap", TAKEN_AT.date(), TAKEN_AT, "test", 0.0, [ACCOUNT], files, statuses)
    return Snapshot(manifest, "memory", {b.relative_path: b.content for b in blobs})


def parsed(entry: AwsSource, result: CollectResult) -> Any:
    """The source's parser over a snapshot holding this result (file and status) for one account and region."""
    status = _status(ACCOUNT, entry.name, entry.api, REGION, result)
    blobs = [SourceBlob(ACCOUNT, entry.name, result.content, REGION)] if result.content is not None else []
    snapshot = snapshot_of(blobs, [status])
    assert entry.parse is not None
    return entry.parse(snapshot, ACCOUNT, Context(TAKEN_AT, [], HumanMarker(), None))


@pytest.mark.parametrize("entry", RESOURCE_SOURCES, ids=lambda entry: entry.name)
def test_a_listing_keeps_each_resource_with_its_role_and_nothing_secret(
    session: boto3.Session, seeded: dict[str, str], entry: AwsSource
) -> None:
    result = collect(session, entry)
    assert (result.failure, result.truncated_without_marker) == (None, False)
    assert result.content is not None and CANARY.encode() not in result.content
    listing = parsed(entry, result)
    assert listing.incomplete == ""
    found = {(r.kind, r.arn, r.role_arn, r.instance_profile_arn) for r in listing.resources}
    expected = {
        (
            kind,
            arn,
            None if kind in ("ec2_instance", "cloudformation_stack_set", "glue_job", "ecs_cluster") else WORKLOAD,
        )
        for kind, arn in seeded.items()
        if kind in listing.kinds
    }
    assert {found_item[:3] for found_item in found} == expected
    if entry.name == "ec2_instances":  # its role comes through the instance profile
        assert {item[3] for item in found} == {PROFILE}


@dataclass(frozen=True)
class Fault:
    """How one API of a source fails: its protocol decides what an error looks like on the wire."""

    service: str  # botocore's event name for the service
    operation: str
    protocol: str  # "json" | "query" | "ec2"
    token: str  # the pagination token the API answers with
    items: str  # the list a page carries

    def wire_error(self, code: str, status: int) -> Any:
        if self.protocol == "query":
            return query_error(code, status)
        if self.protocol == "ec2":
            body = (
                f"<Response><Errors><Error><Code>{code}</Code><Message>injected</Message></Error></Errors></Response>"
            )
            return http_response(status, body.encode(), {"Content-Type": "text/xml"})
        body = json.dumps({"__type": code, "message": "injected"}).encode()
        return http_response(status, body, {"Content-Type": "application/x-amz-json-1.1"})

    def throttling_code(self) -> str:
        return {"query": "Throttling", "ec2": "RequestLimitExceeded"}.get(self.protocol, "ThrottlingException")


FAULTS = {
    "lambda_functions": Fault("lambda", "ListFunctions", "json", "NextMarker", "Functions"),
    "cloudformation_stacks": Fault("cloudformation", "DescribeStacks", "query", "NextToken", "Stacks"),
    "cloudformation_stack_sets": Fault("cloudformation", "ListStackSets", "query", "NextToken", "Summaries"),
    "codebuild_projects": Fault("codebuild", "ListProjects", "json", "nextToken", "projects"),
    "ec2_instances": Fault("ec2", "DescribeInstances", "ec2", "NextToken", "Reservations"),
    "ssm_managed_instances": Fault(
        "ssm", "DescribeInstanceInformation", "json", "NextToken", "InstanceInformationList"
    ),
    "sagemaker_notebook_instances": Fault(
        "sagemaker", "ListNotebookInstances", "json", "NextToken", "NotebookInstances"
    ),
    "glue_dev_endpoints": Fault("glue", "GetDevEndpoints", "json", "NextToken", "DevEndpoints"),
    "glue_jobs": Fault("glue", "ListJobs", "json", "NextToken", "JobNames"),
    "ecs_clusters": Fault("ecs", "ListClusters", "json", "nextToken", "clusterArns"),
}


def test_every_resource_source_has_a_fault_specification() -> None:
    assert set(FAULTS) == {entry.name for entry in RESOURCE_SOURCES}


@pytest.mark.parametrize("entry", RESOURCE_SOURCES, ids=lambda entry: entry.name)
def test_a_denied_listing_is_an_error_with_the_code_and_no_resources(session: boto3.Session, entry: AwsSource) -> None:
    fault = FAULTS[entry.name]
    on_call(session, fault.service, fault.operation, lambda **_: parsed_error("AccessDeniedException"))
    result = collect(session, entry)
    status = _status(ACCOUNT, entry.name, entry.api, REGION, result)
    assert (status.status, status.error_code, result.content) == ("error", "AccessDeniedException", None)
    listing = parsed(entry, result)
    assert (listing.resources, listing.incomplete) == ((), f"{entry.api} AccessDeniedException in {REGION}")


@pytest.mark.parametrize("entry", RESOURCE_SOURCES, ids=lambda entry: entry.name)
def test_throttling_that_outlasts_the_retries_is_an_error(session: boto3.Session, entry: AwsSource) -> None:
    fault = FAULTS[entry.name]
    attempts: list[str] = []

    def throttle(**_: Any) -> Any:
        attempts.append(fault.operation)
        return fault.wire_error(fault.throttling_code(), 400)

    on_send_first(session, fault.service, fault.operation, throttle)
    status = _status(ACCOUNT, entry.name, entry.api, REGION, collect(session, entry))
    assert (status.status, status.error_code, len(attempts)) == ("error", fault.throttling_code(), 3)


@pytest.mark.parametrize("entry", RESOURCE_SOURCES, ids=lambda entry: entry.name)
def test_a_listing_cut_short_after_a_page_is_partial_and_keeps_that_page(
    session: boto3.Session, entry: AwsSource
) -> None:
    fault = FAULTS[entry.name]
    first = parsed_ok({fault.items: [], fault.token: "more"})
    on_call(session, fault.service, fault.operation, Script([first, parsed_error("InternalFailure", 500)]))
    result = collect(session, entry)
    status = _status(ACCOUNT, entry.name, entry.api, REGION, result)
    assert (status.status, status.error_code, status.pages) == ("partial", "InternalFailure", 1)
    assert parsed(entry, result).incomplete == f"{entry.api} InternalFailure in {REGION}"


@pytest.mark.parametrize("entry", RESOURCE_SOURCES, ids=lambda entry: entry.name)
def test_a_token_that_repeats_is_partial_not_an_endless_loop(session: boto3.Session, entry: AwsSource) -> None:
    fault = FAULTS[entry.name]
    on_call(session, fault.service, fault.operation, lambda **_: parsed_ok({fault.items: [], fault.token: "same"}))
    status = _status(ACCOUNT, entry.name, entry.api, REGION, collect(session, entry))
    assert (status.status, status.error_code) == ("partial", "PaginationError")


def test_a_project_whose_details_are_denied_keeps_its_name_and_makes_the_listing_partial(
    session: boto3.Session,
) -> None:
    entry = registry.source("codebuild_projects")
    on_call(session, "codebuild", "BatchGetProjects", lambda **_: parsed_error("AccessDeniedException"))
    result = collect(session, entry)
    assert result.failure is not None and result.failure.code == "AccessDeniedException"
    listing = parsed(entry, result)
    assert [(r.arn, r.role_arn) for r in listing.resources] == [
        (f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/release-build", None)
    ]
    assert listing.incomplete == f"codebuild:ListProjects AccessDeniedException in {REGION}"


def test_a_notebook_whose_role_is_denied_is_kept_without_one_and_the_listing_partial(
    session: boto3.Session, seeded: dict[str, str]
) -> None:
    entry = registry.source("sagemaker_notebook_instances")
    on_call(session, "sagemaker", "DescribeNotebookInstance", lambda **_: parsed_error("AccessDeniedException"))
    result = collect(session, entry)
    assert json.loads(result.content or b"{}")["pages"][0]["NotebookInstances"][0]["RoleArnError"] == (
        "AccessDeniedException"
    )
    listing = parsed(entry, result)
    assert ([(r.arn, r.role_arn) for r in listing.resources], bool(listing.incomplete)) == (
        [(seeded["sagemaker_notebook"], None)],
        True,
    )


def test_a_cluster_whose_container_instances_cannot_be_listed_makes_the_listing_partial(
    session: boto3.Session, seeded: dict[str, str]
) -> None:
    entry = registry.source("ecs_clusters")
    on_call(session, "ecs", "ListContainerInstances", lambda **_: parsed_error("AccessDeniedException"))
    result = collect(session, entry)
    page = json.loads(result.content or b"{}")["pages"][0]
    assert page["containerInstances"] == [
        {"cluster": seeded["ecs_cluster"], "containerInstanceArns": [], "Error": "AccessDeniedException"}
    ]
    assert parsed(entry, result).incomplete == f"ecs:ListClusters AccessDeniedException in {REGION}"


def test_ssm_nodes_are_listed_as_aws_returns_them() -> None:
    """moto lacks this API: a Stubber answers in its real shape (an EC2 node and a hybrid activation's node)."""
    entry = registry.source("ssm_managed_instances")
    client = boto3.client("ssm", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    nodes = [
        {"InstanceId": "i-0a1b2c3d4e5f67890", "PingStatus": "Online", "ResourceType": "EC2Instance"},
        {
            "InstanceId": "mi-0123456789abcdef0",
            "PingStatus": "Online",
            "ResourceType": "ManagedInstance",
            "IamRole": "service-role/SSMHybridRole",
            "ComputerName": "db-host-01.corp.example",
        },
    ]
    with Stubber(client) as stub:
        stub.add_response("describe_instance_information", {"InstanceInformationList": nodes})
        result = entry.collect(lambda: client, entry)
    assert result.content is not None and b"db-host-01" not in result.content  # only the fields the analysis reads
    listing = parsed(entry, result)
    assert [(r.arn, r.role_arn, r.instance_id) for r in listing.resources] == [
        (f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0a1b2c3d4e5f67890", None, "i-0a1b2c3d4e5f67890"),
        (
            f"arn:aws:ssm:{REGION}:{ACCOUNT}:managed-instance/mi-0123456789abcdef0",
            f"arn:aws:iam::{ACCOUNT}:role/service-role/SSMHybridRole",
            None,
        ),
    ]


def test_a_source_without_a_status_for_the_account_was_not_collected() -> None:
    entry = registry.source("lambda_functions")
    assert entry.parse is not None
    snapshot = snapshot_of([], [])
    assert entry.parse(snapshot, ACCOUNT, Context(TAKEN_AT, [], HumanMarker(), None)) is None


def test_a_terminated_instance_is_not_a_resource() -> None:
    entry = registry.source("ec2_instances")
    instance = {"InstanceId": "i-0dead", "State": {"Name": "terminated"}, "IamInstanceProfile": {"Arn": PROFILE}}
    result = CollectResult(
        [{}], content=json.dumps({"pages": [{"Reservations": [{"Instances": [instance]}]}]}).encode()
    )
    assert parsed(entry, result).resources == ()
