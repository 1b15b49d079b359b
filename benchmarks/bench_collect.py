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

Agents (`--agents N --targets T`, issue 20): N Amazon Bedrock agents with T action groups each (one `live` alias, so
two versions are read: DRAFT through the test alias and version 1) and N AgentCore runtimes, each with its own
gateway of T targets, created through the emulated APIs in one region (moto in process plus
demo/agent_platform.py, which pages every list by `maxResults`). The four agent sources are collected for that
account and region and the requests per API are printed against the bound: one call per page of each list plus one
per item that needs a Get (or a per-item list / tags call).

Run: python benchmarks/bench_collect.py [--sizes 100,1000,5000] [--agents 1000 --targets 10] [--only-agents]
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

from assurance_jobs.collect.agents import page_size
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


# ------------------------------------------------------------------------------------------------ agents

AGENT_SOURCES = ("bedrock_agents", "agentcore_runtimes", "agentcore_gateways", "agentcore_identities")
AGENT_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/agent-exec"


def seed_agents(n: int, targets: int) -> None:
    """N Bedrock agents with `targets` action groups and a `live` alias; N runtimes, each with a gateway of `targets`
    MCP targets; two credential providers and a workload identity."""
    bedrock = boto3.client("bedrock-agent", region_name=REGION)
    control = boto3.client("bedrock-agentcore-control", region_name=REGION)
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:tools"
    tools = json.dumps([{"name": "run", "inputSchema": {"type": "object"}}])
    for index in range(n):
        agent = bedrock.create_agent(agentName=f"agent-{index:05d}", agentResourceRoleArn=AGENT_ROLE)["agent"]
        for group in range(targets):
            bedrock.create_agent_action_group(
                agentId=agent["agentId"], agentVersion="DRAFT", actionGroupName=f"group-{group:02d}",
                actionGroupExecutor={"lambda": function},
                functionSchema={"functions": [{"name": "run"}]},
            )  # fmt: skip
        bedrock.create_agent_alias(agentId=agent["agentId"], agentAliasName="live")
        artifact = {"containerConfiguration": {"containerUri": f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/a:1"}}
        control.create_agent_runtime(
            agentRuntimeName=f"runtime_{index:05d}", agentRuntimeArtifact=artifact, roleArn=AGENT_ROLE,
            networkConfiguration={"networkMode": "PUBLIC"},
        )  # fmt: skip
        gateway = control.create_gateway(
            name=f"gw-{index:05d}", roleArn=AGENT_ROLE, protocolType="MCP", authorizerType="AWS_IAM"
        )
        for target in range(targets):
            server = {"endpoint": f"https://mcp{target}.example.com/mcp", "mcpToolSchema": {"inlinePayload": tools}}
            control.create_gateway_target(
                gatewayIdentifier=gateway["gatewayId"], name=f"target-{target:02d}",
                targetConfiguration={"mcp": {"mcpServer": server}},
                credentialProviderConfigurations=[{"credentialProviderType": "GATEWAY_IAM_ROLE"}],
            )  # fmt: skip
    control.create_api_key_credential_provider(name="bench-key", apiKey="not-a-real-key")
    control.create_workload_identity(name="bench")


def _pages(items: int, size: int | None) -> int:
    return max(1, -(-items // size)) if size else 1


def agent_bound(n: int, targets: int) -> dict[str, int]:
    """Per API, the requests the collection may make: one per page of each list, one per item needing a call."""
    bedrock = boto3.client("bedrock-agent", region_name=REGION)
    control = boto3.client("bedrock-agentcore-control", region_name=REGION)
    versions = 2  # DRAFT (the test alias) and version 1 (`live`)

    def pages(client: Any, operation: str, items: int) -> int:
        return _pages(items, page_size(client, operation))

    return {
        "bedrock-agent:ListAgents": pages(bedrock, "ListAgents", n),
        "bedrock-agent:GetAgent": n,
        "bedrock-agent:ListAgentAliases": n * pages(bedrock, "ListAgentAliases", 2),
        "bedrock-agent:ListAgentActionGroups": n * versions * pages(bedrock, "ListAgentActionGroups", targets),
        "bedrock-agent:GetAgentActionGroup": n * versions * targets,
        "bedrock-agent:ListAgentKnowledgeBases": n * versions,
        "bedrock-agent:ListTagsForResource": n,
        "bedrock-agentcore-control:ListAgentRuntimes": pages(control, "ListAgentRuntimes", n),
        "bedrock-agentcore-control:GetAgentRuntime": n,
        "bedrock-agentcore-control:ListAgentRuntimeEndpoints": n,
        "bedrock-agentcore-control:ListMemories": 1,
        "bedrock-agentcore-control:ListGateways": pages(control, "ListGateways", n),
        "bedrock-agentcore-control:GetGateway": n,
        "bedrock-agentcore-control:ListGatewayTargets": n * pages(control, "ListGatewayTargets", targets),
        "bedrock-agentcore-control:GetGatewayTarget": n * targets,
        "bedrock-agentcore-control:ListTagsForResource": 2 * n,  # runtimes and gateways
        "bedrock-agentcore-control:ListWorkloadIdentities": 1,
        "bedrock-agentcore-control:ListOauth2CredentialProviders": 1,
        "bedrock-agentcore-control:ListApiKeyCredentialProviders": 1,
    }


def measure_agents(n: int, targets: int) -> None:
    from moto import mock_aws

    from assurance_jobs.demo.agent_platform import agent_platform_emulation

    with mock_aws(), agent_platform_emulation():
        started = time.perf_counter()
        seed_agents(n, targets)
        seeded = time.perf_counter() - started
        session = boto3.Session(region_name=REGION)
        counter = RequestCounter().attach(session)
        sources = [s for s in registry.aws_sources() if s.name in (*AGENT_SOURCES, "sts_caller_identity")]
        account = AccountConfig(name="bench", regions=[REGION], collect_agents=True)
        started = time.perf_counter()
        blobs, statuses, _ = collect_account(session, account, sources, max_attempts=5)
        seconds = time.perf_counter() - started
        bound = agent_bound(n, targets)
    print(
        f"\nagents: N={n} Bedrock agents with {targets} action groups, N runtimes with a gateway of {targets} targets"
    )
    print(f"(seeded in {seeded:.1f} s; collected in process in {seconds:.1f} s; one account, one region)")
    print(f"{'API':58}{'requests':>10}{'bound':>10}")
    for api in sorted(set(bound) | {a for a in counter.counts if not a.startswith("sts:")}):
        print(f"{api:58}{counter.counts.get(api, 0):>10}{bound.get(api, 0):>10}")
    made = sum(count for api, count in counter.counts.items() if not api.startswith("sts:"))
    within = all(counter.counts.get(api, 0) <= limit for api, limit in bound.items()) and set(
        a for a in counter.counts if not a.startswith("sts:")
    ) <= set(bound)
    print(f"{'total':58}{made:>10}{sum(bound.values()):>10}   within the bound: {'yes' if within else 'NO'}")
    bad = [f"{s.source}:{s.status}" for s in statuses if s.status != "ok"]
    size = sum(len(blob.content) for blob in blobs if blob.source in AGENT_SOURCES)
    print(f"snapshot bytes of the agent sources: {size:,}" + (f"; not ok: {', '.join(bad)}" if bad else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="comma-separated identity counts")
    parser.add_argument("--agents", type=int, default=1000, help="agents (and runtimes) to discover")
    parser.add_argument("--targets", type=int, default=10, help="action groups per agent, targets per gateway")
    parser.add_argument("--only-agents", action="store_true", help="measure the agent sources alone")
    arguments = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    if arguments.only_agents:
        measure_agents(arguments.agents, arguments.targets)
        return
    sizes = [int(size) for size in arguments.sizes.split(",")]
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
    for name in ("AWS_ENDPOINT_URL",):
        os.environ.pop(name, None)  # the agent measurement runs moto in process
    measure_agents(arguments.agents, arguments.targets)


if __name__ == "__main__":
    main()
