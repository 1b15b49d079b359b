"""The agent-platform collectors read Bedrock Agents and AgentCore on moto (and botocore Stubber for exact pages),
keep names, ARNs, types and times only, page every list, and record every failure instead of raising."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from agent_fixtures import API_KEY, CANARIES, QUERY_KEY, REGION, ROLE, VAULT, seed
from botocore.config import Config
from botocore.stub import Stubber
from collect_fixtures import http_response, on_call, on_send_first, parsed_error, parsed_ok
from moto import mock_aws

from assurance_jobs.collect import agents as collectors
from assurance_jobs.collect.aws import collect_account
from assurance_jobs.collect.requests import RequestCounter
from assurance_jobs.config import AccountConfig
from assurance_jobs.demo.agent_platform import agent_platform_emulation
from assurance_jobs.source import CollectResult
from assurance_jobs.sources import (
    agentcore_gateways,
    agentcore_identities,
    agentcore_runtimes,
    bedrock_agents,
    registry,
)

T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SOURCES = (bedrock_agents.SOURCE, agentcore_runtimes.SOURCE, agentcore_gateways.SOURCE, agentcore_identities.SOURCE)
ACCOUNT = AccountConfig(name="agents", regions=[REGION], collect_agents=True)


@pytest.fixture
def platform() -> Iterator[Any]:
    with mock_aws(), agent_platform_emulation():
        yield seed()


def collected(entry: Any, client: Any = None) -> CollectResult:
    made = client or boto3.client(entry.service, region_name=REGION)
    return entry.collect(lambda: made, entry)


def pages(result: CollectResult) -> list[dict[str, Any]]:
    assert result.content is not None
    return json.loads(result.content)["pages"]


def only(items: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(items) == 1, items
    return items[0]


def test_a_bedrock_agent_is_read_with_its_role_routed_versions_tools_and_knowledge_bases(platform: Any) -> None:
    agent = only(pages(collected(bedrock_agents.SOURCE))[0]["agentSummaries"])
    assert agent["agent"]["agentResourceRoleArn"] == ROLE
    assert [v["agentVersion"] for v in agent["versions"]] == ["1", "DRAFT"]
    draft = agent["versions"][1]
    groups = {g["actionGroupName"]: g for g in draft["actionGroups"]}
    assert groups["orders"]["apiSchema"] == {"operationNames": ["POST /refunds", "getOrder"]}
    assert groups["orders"]["actionGroupExecutor"] == {
        "lambda": f"arn:aws:lambda:{REGION}:123456789012:function:orders"
    }
    assert groups["confirm"]["functionSchema"] == {"functions": [{"name": "ask_user"}]}
    assert [kb["knowledgeBaseId"] for kb in draft["knowledgeBases"]] == ["KB12345678"]
    assert agent["tags"] == {"owner": "ops@example.com"}


def test_a_runtime_keeps_its_environment_variable_names_but_never_their_values(platform: Any) -> None:
    runtime = only(
        next(p for p in pages(collected(agentcore_runtimes.SOURCE)) if "agentRuntimes" in p)["agentRuntimes"]
    )
    assert runtime["runtime"]["roleArn"] == ROLE
    assert runtime["runtime"]["environmentVariableNames"] == ["SERVICE_TOKEN"]
    assert "environmentVariables" not in runtime["runtime"]


def test_a_gateway_target_is_read_with_its_tools_and_outbound_credential_and_no_query_string(platform: Any) -> None:
    gateway = only(pages(collected(agentcore_gateways.SOURCE))[0]["items"])
    target = only(gateway["targets"])
    assert target["targetConfiguration"] == {
        "mcp": {"mcpServer": {"endpoint": "https://mcp.example.com/mcp", "toolSchema": {"toolNames": ["search"]}}}
    }
    provider = target["credentialProviderConfigurations"][0]["credentialProvider"]["apiKeyCredentialProvider"]
    assert provider["providerArn"] == f"{VAULT}/apikeycredentialprovider/orders-key"
    assert QUERY_KEY not in json.dumps(target)


def test_credential_providers_come_from_their_lists_alone_and_never_a_secret(platform: Any) -> None:
    session = boto3.Session(region_name=REGION)
    counter = RequestCounter().attach(session)
    result = collected(agentcore_identities.SOURCE, session.client("bedrock-agentcore-control"))
    listed = {p["operation"]: p for p in pages(result)}
    assert [p["name"] for p in listed["ListApiKeyCredentialProviders"]["credentialProviders"]] == ["orders-key"]
    assert [p["credentialProviderVendor"] for p in listed["ListOauth2CredentialProviders"]["credentialProviders"]] == [
        "GithubOauth2"
    ]
    assert set(counter.counts) == {
        "bedrock-agentcore-control:ListWorkloadIdentities",
        "bedrock-agentcore-control:ListOauth2CredentialProviders",
        "bedrock-agentcore-control:ListApiKeyCredentialProviders",
    }


def test_no_free_text_or_secret_given_to_the_platform_reaches_the_stored_bytes(platform: Any) -> None:
    content = b"".join(collected(entry).content or b"" for entry in SOURCES)
    assert content and [canary for canary in CANARIES if canary.encode() in content] == []


def test_every_list_is_read_one_call_per_page(platform: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    control = boto3.client("bedrock-agentcore-control", region_name=REGION)
    for name in ("a-gw", "b-gw"):
        control.create_gateway(name=name, roleArn=ROLE, protocolType="MCP", authorizerType="AWS_IAM")
    monkeypatch.setattr(collectors, "page_size", lambda client, operation: 1)
    session = boto3.Session(region_name=REGION)
    counter = RequestCounter().attach(session)
    result = collected(agentcore_gateways.SOURCE, session.client("bedrock-agentcore-control"))
    assert len(pages(result)) == 3  # three gateways, one per page
    assert counter.counts["bedrock-agentcore-control:ListGateways"] == 3
    assert counter.counts["bedrock-agentcore-control:GetGateway"] == 3


def test_pages_are_followed_with_the_real_response_shapes() -> None:
    client = boto3.client("bedrock-agentcore-control", region_name=REGION)
    first = {"name": "github", "credentialProviderVendor": "GithubOauth2", "createdTime": T, "lastUpdatedTime": T,
             "credentialProviderArn": f"{VAULT}/oauth2credentialprovider/github"}  # fmt: skip
    second = {**first, "name": "slack", "credentialProviderVendor": "SlackOauth2",
              "credentialProviderArn": f"{VAULT}/oauth2credentialprovider/slack"}  # fmt: skip
    with Stubber(client) as stub:
        stub.add_response("list_workload_identities", {"workloadIdentities": []}, {"maxResults": 20})
        stub.add_response(
            "list_oauth2_credential_providers", {"credentialProviders": [first], "nextToken": "p2"}, {"maxResults": 20}
        )
        stub.add_response(
            "list_oauth2_credential_providers", {"credentialProviders": [second]}, {"maxResults": 20, "nextToken": "p2"}
        )
        stub.add_response("list_api_key_credential_providers", {"credentialProviders": []}, {"maxResults": 100})
        result = collected(agentcore_identities.SOURCE, client)
        stub.assert_no_pending_responses()
    names = [p["name"] for page in pages(result) for p in page.get("credentialProviders", [])]
    assert (names, result.failure) == (["github", "slack"], None)


# ------------------------------------------------------------------------------------------ failures


def statuses(session: boto3.Session) -> dict[str, Any]:
    _, found, _ = collect_account(session, ACCOUNT, registry.aws_sources(), max_attempts=2)
    return {s.source: s for s in found if s.source in {e.name for e in SOURCES}}


def test_a_denied_listing_is_an_error_of_that_source_alone(platform: Any) -> None:
    session = boto3.Session(region_name=REGION)
    on_call(session, "bedrock-agent", "ListAgents", lambda **_: parsed_error("AccessDeniedException"))
    found = statuses(session)
    assert (found["bedrock_agents"].status, found["bedrock_agents"].error_code) == ("error", "AccessDeniedException")
    assert {name: s.status for name, s in found.items() if name != "bedrock_agents"} == {
        "agentcore_runtimes": "ok",
        "agentcore_gateways": "ok",
        "agentcore_identities": "ok",
    }


def test_a_denied_get_marks_its_item_and_makes_the_source_partial(platform: Any) -> None:
    session = boto3.Session(region_name=REGION)
    on_call(session, "bedrock-agentcore-control", "GetGatewayTarget", lambda **_: parsed_error("AccessDeniedException"))
    client = session.client("bedrock-agentcore-control")
    result = collected(agentcore_gateways.SOURCE, client)
    target = only(only(pages(result)[0]["items"])["targets"])
    assert target["errors"] == {"GetGatewayTarget": "AccessDeniedException"}
    assert "targetConfiguration" not in target
    assert (result.failure.code if result.failure else None, len(result.pages)) == ("AccessDeniedException", 1)


def test_throttling_that_outlasts_the_retries_is_an_error(platform: Any) -> None:
    session = boto3.Session(region_name=REGION)
    body = json.dumps({"__type": "ThrottlingException", "message": "slow down"}).encode()
    throttle = http_response(400, body, {"Content-Type": "application/json", "x-amzn-ErrorType": "ThrottlingException"})
    on_send_first(session, "bedrock-agentcore-control", "ListAgentRuntimes", lambda **_: throttle)
    found = statuses(session)["agentcore_runtimes"]
    assert (found.status, found.error_code) == ("partial", "ThrottlingException")  # the memories list still read


def test_a_listing_cut_short_after_its_first_page_is_partial(platform: Any) -> None:
    session = boto3.Session(region_name=REGION)
    listed = {"gatewayId": platform.gateway_id, "name": "orders-gw", "status": "READY"}
    first_page = parsed_ok({"items": [listed], "nextToken": "2"})
    answers = [first_page, parsed_error("InternalServerException", 500)]
    on_call(session, "bedrock-agentcore-control", "ListGateways", lambda **_: answers.pop(0) if answers else None)
    found = statuses(session)["agentcore_gateways"]
    assert (found.status, found.error_code, found.pages) == ("partial", "InternalServerException", 1)


def test_a_client_that_cannot_be_made_is_an_error_not_an_exception() -> None:
    def unmakeable() -> Any:
        raise collectors.BotoCoreError()

    result = bedrock_agents.SOURCE.collect(unmakeable, bedrock_agents.SOURCE)
    assert (result.pages, result.failure.code if result.failure else None) == ([], "BotoCoreError")


def test_an_api_key_never_leaves_the_emulated_vault(platform: Any) -> None:
    control = boto3.client(
        "bedrock-agentcore-control", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )
    answer = control.get_api_key_credential_provider(name="orders-key")
    assert API_KEY not in json.dumps(answer, default=str)
    assert answer["apiKeySecretArn"]["secretArn"].startswith("arn:aws:secretsmanager:")
