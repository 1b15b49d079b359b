"""Benchmark: HTTP requests and wall time of one account's collection as the estate grows.

Seeds N identities (about 60 % users with access keys, 40 % roles) plus N/10 secrets straight into moto's
in-process backends (seeding 5,000 principals over HTTP would take longer than the collection being measured),
serves them from a ThreadedMotoServer on 127.0.0.1, points AWS_ENDPOINT_URL at it and runs collect_account
through the real HTTP stack. Prints requests per API, total requests and wall seconds for each N.

The resources that run as roles (`collect_resources`, on by default) are seeded at a realistic size for the
estate, per 1,000 identities: 200 Lambda functions, 50 CloudFormation stacks, 20 CodeBuild projects, 100 EC2
instances with an instance profile, 10 SageMaker notebooks, 2 Glue development endpoints, 30 Glue jobs and 5 ECS
clusters (through the API: they are few). Their requests, pages and seconds are printed apart, so the cost of the
default can be read off: ten list requests per region plus one per 100 CodeBuild projects, per notebook and per
ECS cluster, plus pages (ListFunctions returns 50 functions a page).

Caveats, printed too: moto never truncates GetAccountAuthorizationDetails, so it always answers in one page
(real IAM pages at MaxItems=1000, i.e. about N/1000 + 1 requests); and the wall time includes one credential
report poll delay (moto answers the first GenerateCredentialReport with STARTED). moto lacks
ssm:DescribeInstanceInformation: the demo's patch answers it (no managed node), as for the tests.

Run: python benchmarks/bench_collect.py [--sizes 100,1000,5000]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import socket
import time
import urllib.request
import zipfile
from typing import Any

import boto3
from moto.iam.models import iam_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.server import ThreadedMotoServer

from assurance_jobs.collect.aws import collect_account, new_session
from assurance_jobs.collect.requests import RequestCounter
from assurance_jobs.config import AccountConfig
from assurance_jobs.demo.fidelity import moto_ssm_inventory
from assurance_jobs.snapshot.model import CollectionStatus
from assurance_jobs.sources import registry

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]})
RESOURCE_SOURCES = frozenset(e.name for e in registry.aws_sources() if e.enabled_by == "collect_resources")
RESOURCE_APIS = frozenset(
    action for e in registry.aws_sources() if e.name in RESOURCE_SOURCES for action in e.iam_actions
)
PER_THOUSAND = {
    "lambda functions": 200,
    "stacks": 50,
    "codebuild projects": 20,
    "ec2 instances": 100,
    "sagemaker notebooks": 10,
    "glue dev endpoints": 2,
    "glue jobs": 30,
    "ecs clusters": 5,
}
WORKLOAD_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com", "glue.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def reset(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30).close()


def seed(n: int) -> dict[str, int]:
    """Create the estate directly in moto's backends (same process as the server)."""
    iam = iam_backends[ACCOUNT_ID]["aws"]
    policy = iam.create_policy("", "/", POLICY, "read-buckets", [])
    users = n * 6 // 10
    for index in range(users):
        name = f"svc-user-{index:05d}"
        iam.create_user(REGION, name, tags=[{"Key": "owner", "Value": "team@example.com"}])
        iam.create_access_key(name)
        if index % 3 == 0:
            iam.attach_user_policy(policy.arn, name)
    for index in range(n - users):
        name = f"svc-role-{index:05d}"
        iam.create_role(name, TRUST, "/", None, "", [], "3600")
        if index % 2 == 0:
            iam.attach_role_policy(policy.arn, name)
    secrets = secretsmanager_backends[ACCOUNT_ID][REGION]
    for index in range(n // 10):
        secrets.create_secret(f"app/secret-{index:05d}", "not-a-real-value", None, None, None, None, None, [], False)
    return {"users": users, "roles": n - users, "secrets": n // 10}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def seed_resources(n: int) -> dict[str, int]:
    """The resources of a realistic estate of `n` identities (PER_THOUSAND), through the API of the server."""
    count = {kind: max(1, per * n // 1000) for kind, per in PER_THOUSAND.items()}
    session = boto3.Session(region_name=REGION)
    iam = session.client("iam")
    role = iam.create_role(RoleName="bench-workload", AssumeRolePolicyDocument=WORKLOAD_TRUST)["Role"]["Arn"]
    profile = iam.create_instance_profile(InstanceProfileName="bench-workload")["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName="bench-workload", RoleName="bench-workload")
    functions, package = session.client("lambda"), _zip()
    for index in range(count["lambda functions"]):
        functions.create_function(
            FunctionName=f"fn-{index:05d}", Runtime="python3.12", Role=role, Handler="h.h", Code={"ZipFile": package}
        )
    stacks = session.client("cloudformation")
    template = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
    for index in range(count["stacks"]):
        stacks.create_stack(StackName=f"stack-{index:05d}", TemplateBody=template, RoleARN=role)
    builds = session.client("codebuild")
    for index in range(count["codebuild projects"]):
        builds.create_project(
            name=f"build-{index:05d}",
            source={"type": "S3", "location": "bucket/source.zip"},
            artifacts={"type": "NO_ARTIFACTS"},
            environment={
                "type": "LINUX_CONTAINER",
                "image": "aws/codebuild/standard:7.0",
                "computeType": "BUILD_GENERAL1_SMALL",
            },
            serviceRole=role,
        )
    ec2 = session.client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.run_instances(
        ImageId=image,
        MinCount=count["ec2 instances"],
        MaxCount=count["ec2 instances"],
        IamInstanceProfile={"Arn": profile},
    )
    notebooks = session.client("sagemaker")
    for index in range(count["sagemaker notebooks"]):
        notebooks.create_notebook_instance(
            NotebookInstanceName=f"nb-{index:05d}", InstanceType="ml.t3.medium", RoleArn=role
        )
    glue = session.client("glue")
    for index in range(count["glue dev endpoints"]):
        glue.create_dev_endpoint(EndpointName=f"dev-{index:05d}", RoleArn=role)
    for index in range(count["glue jobs"]):
        glue.create_job(
            Name=f"job-{index:05d}", Role=role, Command={"Name": "glueetl", "ScriptLocation": "s3://b/j.py"}
        )
    clusters = session.client("ecs")
    for index in range(count["ecs clusters"]):
        clusters.create_cluster(clusterName=f"cluster-{index:05d}")
    return count


def measure(n: int, endpoint: str) -> dict[str, Any]:
    reset(endpoint)
    estate = seed(n)
    resources = seed_resources(n)
    session = new_session(region_name=REGION)  # as the CLI makes them: service models loaded once per process
    counter = RequestCounter().attach(session)
    finished: list[tuple[float, CollectionStatus]] = []
    started = time.perf_counter()
    blobs, statuses, account_id = collect_account(
        session,
        AccountConfig(name="bench", regions=[REGION]),
        registry.aws_sources(),
        max_attempts=5,
        on_status=lambda status: finished.append((time.perf_counter(), status)),
    )
    seconds = time.perf_counter() - started
    marks = [started, *(moment for moment, _ in finished)]
    source_seconds = {status.source: marks[i + 1] - marks[i] for i, (_, status) in enumerate(finished)}
    not_ok = [f"{s.source}:{s.status}" for s in statuses if s.status != "ok"]
    details = next(s for s in statuses if s.source == "iam_authorization_details")
    size = sum(len(blob.content) for blob in blobs)
    return {
        "n": n,
        **estate,
        "resources": resources,
        "resource_requests": sum(c for api, c in counter.counts.items() if api in RESOURCE_APIS),
        "resource_pages": sum(s.pages for s in statuses if s.source in RESOURCE_SOURCES),
        "resource_seconds": sum(t for source, t in source_seconds.items() if source in RESOURCE_SOURCES),
        "resource_bytes": sum(len(b.content) for b in blobs if b.source in RESOURCE_SOURCES),
        "counts": dict(counter.counts),
        "total": counter.total,
        "seconds": seconds,
        "authz_pages": details.pages,
        "bytes": size,
        "not_ok": not_ok,
        "account": account_id,
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    apis = sorted({api for row in rows for api in row["counts"]})
    print(f"{'':42}" + "".join(f"{'N=' + str(row['n']):>16}" for row in rows))
    estates = "".join(f"{row['users']}/{row['roles']}/{row['secrets']}".rjust(16) for row in rows)
    print(f"{'users / roles / secrets':42}{estates}")
    for api in apis:
        print(f"{api:42}" + "".join(f"{row['counts'].get(api, 0):>16}" for row in rows))
    for kind in PER_THOUSAND:
        print(f"{'  seeded ' + kind:42}" + "".join(f"{row['resources'][kind]:>16}" for row in rows))
    for label, key, fmt in (
        ("resource sources: HTTP requests", "resource_requests", "{:>16}"),
        ("resource sources: pages", "resource_pages", "{:>16}"),
        ("resource sources: snapshot bytes", "resource_bytes", "{:>16,}"),
        ("resource sources: wall seconds", "resource_seconds", "{:>16.2f}"),
        ("total HTTP requests", "total", "{:>16}"),
        ("authorization-details pages (moto: 1)", "authz_pages", "{:>16}"),
        ("snapshot bytes", "bytes", "{:>16,}"),
        ("wall seconds", "seconds", "{:>16.2f}"),
    ):
        print(f"{label:42}" + "".join(fmt.format(row[key]) for row in rows))
    for row in rows:
        if row["not_ok"]:
            print(f"N={row['n']}: sources not ok: {', '.join(row['not_ok'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="comma-separated identity counts")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
    )
    os.environ.pop("AWS_PROFILE", None)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request access log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        with moto_ssm_inventory():
            rows = []
            for n in sizes:
                rows.append(measure(n, endpoint))
                print(f"measured N={n} in {rows[-1]['seconds']:.2f} s", flush=True)
        print()
        print_table(rows)
        print("\nmoto never truncates authorization details (1 page at any N); real IAM pages at MaxItems=1000.")
        print("wall seconds include client set-up (service models) and one 0.5 s credential-report poll delay")
        print("(moto answers the first GenerateCredentialReport with STARTED).")
        print("moto answers lambda:ListFunctions and codebuild:ListProjects in one page at any size; AWS pages them")
        print("(50 functions, 100 project names a page): add about N/250 + 2 x N/5000 requests for a real account.")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
