"""An agent's tool scope, its credentials and its edge into the principal graph, from platform records (pure)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd

from assurance_jobs.config import HumanMarker
from assurance_jobs.scan.agent_platform import (
    ActionGroup,
    AgentPlatform,
    BedrockAgent,
    CredentialProvider,
    Gateway,
    InboundAuth,
    Origin,
    OutboundCredential,
    Runtime,
    Target,
)
from assurance_jobs.scan.agents import agent_tables, inbound_class
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.schema import COLLECTION_STATUS_COLUMNS, POLICY_COLUMNS

ACCOUNT = "111122223333"
TAKEN_AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
ORIGIN = Origin(ACCOUNT, "us-east-1", f"{ACCOUNT}/agentcore_gateways.us-east-1.json", "a" * 64)
RUNTIME_ROLE = f"arn:aws:iam::{ACCOUNT}:role/runtime-exec"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/other-exec"
GATEWAY_ARN = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:gateway/tools-abcdefghij"
RUNTIME_ARN = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:runtime/helper-abcdefghij"
KEY = f"arn:aws:acps:us-east-1:{ACCOUNT}:token-vault/default/apikeycredentialprovider/search"
CLIENT = f"arn:aws:acps:us-east-1:{ACCOUNT}:token-vault/default/oauth2credentialprovider/github"


def ctx() -> Context:
    return Context(TAKEN_AT, ["owner"], HumanMarker(), None)


def policies(*grants: tuple[str, list[str], str]) -> pd.DataFrame:
    rows = [
        {
            "account_id": ACCOUNT,
            "principal_arn": arn,
            "attachment": "inline",
            "policy_name": "p",
            "document": json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}
            ),
        }
        for arn, actions, resource in grants
    ]
    return pd.DataFrame(rows, columns=list(POLICY_COLUMNS))


def target(name: str = "search", tools: tuple[str, ...] = ("find",), *credentials: OutboundCredential) -> Target:
    return Target(
        name.upper()[:10], name, "mcpServer", "https://mcp.example.com", tools, bool(tools), credentials, "READY"
    )


def gateway(inbound: InboundAuth, *targets: Target, arn: str = GATEWAY_ARN, name: str = "tools") -> Gateway:
    return Gateway(ORIGIN, arn, arn.rpartition("/")[2], name, None, "READY", OTHER_ROLE, inbound, targets, {}, None)


IAM = InboundAuth("AWS_IAM")


def runtime(role: str = RUNTIME_ARN, inbound: InboundAuth = IAM, **changes: object) -> Runtime:
    found = Runtime(ORIGIN, role, "helper-abcdefghij", "helper", "READY", RUNTIME_ROLE, "PUBLIC", inbound,
                    None, (), (), {"owner": "ops@example.com"}, None)  # fmt: skip
    return replace(found, **changes)  # type: ignore[arg-type]


def tables(platform: AgentPlatform, grants: pd.DataFrame | None = None, statuses: list[dict] | None = None):
    status = pd.DataFrame(statuses or [], columns=list(COLLECTION_STATUS_COLUMNS))
    return agent_tables(platform, grants if grants is not None else policies(), status, ctx())


def tools_of(result, agent: str = RUNTIME_ARN) -> list[str]:
    return sorted(result.tools[result.tools["agent_id"] == agent]["tool"])


def agent_row(result, agent: str = RUNTIME_ARN) -> dict:
    return result.agents.set_index("agent_id").loc[agent].to_dict()


def test_anyone_may_call_a_gateway_without_an_authorizer() -> None:
    found = tables(AgentPlatform(runtimes=(runtime(),), gateways=(gateway(InboundAuth("NONE"), target()),)))
    assert tools_of(found) == ["gateway/tools/search/find"]


def test_an_iam_gateway_is_reached_only_by_a_role_that_may_invoke_it() -> None:
    platform = AgentPlatform(runtimes=(runtime(),), gateways=(gateway(InboundAuth("AWS_IAM"), target()),))
    allowed = policies((RUNTIME_ROLE, ["bedrock-agentcore:InvokeGateway"], GATEWAY_ARN))
    elsewhere = policies((RUNTIME_ROLE, ["bedrock-agentcore:InvokeGateway"], f"{GATEWAY_ARN}-other"))
    assert (tools_of(tables(platform, allowed)), tools_of(tables(platform, elsewhere))) == (
        ["gateway/tools/search/find"],
        [],
    )


def test_a_jwt_gateway_limited_to_workloads_admits_the_runtimes_it_names() -> None:
    limited = InboundAuth("CUSTOM_JWT", "https://idp.example/.well-known/openid-configuration", audiences=("gw",),
                          hosting_environments=(RUNTIME_ARN,))  # fmt: skip
    other = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:runtime/other-abcdefghij"
    platform = AgentPlatform(runtimes=(runtime(), runtime(other)), gateways=(gateway(limited, target()),))
    found = tables(platform)
    assert (tools_of(found), tools_of(found, other)) == (["gateway/tools/search/find"], [])


def test_an_unlimited_jwt_gateway_is_reached_by_a_runtime_that_can_fetch_oauth_tokens() -> None:
    open_jwt = InboundAuth("CUSTOM_JWT", "https://idp.example/.well-known/openid-configuration", clients=("c1",))
    platform = AgentPlatform(runtimes=(runtime(),), gateways=(gateway(open_jwt, target()),))
    tokens = policies((RUNTIME_ROLE, ["bedrock-agentcore:GetResourceOauth2Token"], "*"))
    assert (tools_of(tables(platform, tokens)), tools_of(tables(platform))) == (["gateway/tools/search/find"], [])


def test_a_target_without_listed_tools_is_one_tool_and_each_listed_tool_is_its_own() -> None:
    platform = AgentPlatform(
        runtimes=(runtime(),), gateways=(gateway(InboundAuth("NONE"), target("crm", ()), target("search", ("a", "b"))),)
    )
    assert tools_of(tables(platform)) == ["gateway/tools/crm", "gateway/tools/search/a", "gateway/tools/search/b"]


def test_a_bedrock_agents_tools_are_its_enabled_action_groups_and_their_operations() -> None:
    groups = (
        ActionGroup("1", "G1", "orders", True, "arn:aws:lambda:us-east-1:1:function:o", "", ("getOrder",), True),
        ActionGroup("DRAFT", "G2", "files", True, "RETURN_CONTROL", "", (), False, "s3://schemas/files.json"),
        ActionGroup("DRAFT", "G3", "legacy", False, "arn:aws:lambda:us-east-1:1:function:l", "", ("drop",), True),
    )
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:agent/AGENT12345"
    agent = BedrockAgent(ORIGIN, "AGENT12345", arn, "assistant", "PREPARED", RUNTIME_ROLE, "model", None,
                         ("1", "DRAFT"), groups, ("KB1",), ("live",), {}, None)  # fmt: skip
    found = tables(AgentPlatform(bedrock_agents=(agent,)))
    assert tools_of(found, arn) == ["action-group/files", "action-group/orders/getOrder"]
    assert "bedrock:Retrieve" in agent_row(found, arn)["tool_actions"]


def test_an_agent_runs_as_its_role_in_the_principal_graph() -> None:
    (link,) = tables(AgentPlatform(runtimes=(runtime(),))).links
    assert (link["source_id"], link["target_id"], link["label"]) == (
        RUNTIME_ARN,
        RUNTIME_ROLE,
        "runs as role/runtime-exec",
    )


def test_a_credential_provider_is_owned_by_the_one_agent_whose_tools_use_it() -> None:
    key = OutboundCredential("API_KEY", KEY)
    provider = CredentialProvider(ORIGIN, KEY, "search", "api_key", None, TAKEN_AT, TAKEN_AT)
    other = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:runtime/other-abcdefghij"
    one = tables(AgentPlatform(runtimes=(runtime(),), gateways=one_gateway(key), credential_providers=(provider,)))
    both = (runtime(), runtime(other))
    two = tables(AgentPlatform(runtimes=both, gateways=one_gateway(key), credential_providers=(provider,)))
    assert [(c["owner_arn"], c["used_by_count"]) for c in one.credentials] == [(RUNTIME_ARN, 1)]
    assert [(c["owner_arn"], c["used_by_count"]) for c in two.credentials] == [(None, 2)]


def one_gateway(credential: OutboundCredential) -> tuple[Gateway, ...]:
    return (gateway(InboundAuth("NONE"), target("s", ("x",), credential)),)


def test_a_gateway_lists_its_targets_that_call_with_a_static_api_key() -> None:
    api_key = target("search", ("x",), OutboundCredential("API_KEY", KEY))
    oauth = target("crm", ("y",), OutboundCredential("OAUTH", CLIENT))
    found = tables(AgentPlatform(gateways=(gateway(InboundAuth("AWS_IAM"), api_key, oauth),)))
    row = agent_row(found, GATEWAY_ARN)
    assert (row["api_key_targets"], row["api_key_target_count"]) == ("search (search)", 1)


def test_inbound_authorizers_are_classed_in_one_word() -> None:
    issuer = "https://idp.example/.well-known/openid-configuration"
    assert [
        inbound_class(InboundAuth("AWS_IAM")),
        inbound_class(InboundAuth("NONE")),
        inbound_class(InboundAuth("CUSTOM_JWT")),
        inbound_class(InboundAuth("CUSTOM_JWT", issuer)),
        inbound_class(InboundAuth("CUSTOM_JWT", issuer, audiences=("gw",))),
        inbound_class(InboundAuth("")),
    ] == ["iam", "none", "jwt_any_issuer", "jwt_any_audience", "jwt_restricted", "unknown"]


def test_a_runtime_whose_gateways_could_not_all_be_read_has_an_evidence_gap() -> None:
    failed = {"account_id": ACCOUNT, "source": "agentcore_gateways", "api": "x", "region": "eu-west-1",
              "status": "error", "error_code": "AccessDeniedException", "message": "", "pages": 0}  # fmt: skip
    clean, gap = (
        tables(AgentPlatform(runtimes=(runtime(),))),
        tables(AgentPlatform(runtimes=(runtime(),)), statuses=[failed]),
    )
    assert (agent_row(clean)["evidence_gap_count"], agent_row(gap)["evidence_gap_count"]) == (0, 1)


def test_an_agent_whose_role_is_not_in_the_inventory_is_marked_unknown() -> None:
    known = tables(AgentPlatform(runtimes=(runtime(),)), policies((RUNTIME_ROLE, ["bedrock:InvokeModel"], "*")))
    unknown = tables(AgentPlatform(runtimes=(runtime(),)))
    assert (agent_row(known)["role_unknown_count"], agent_row(unknown)["role_unknown_count"]) == (0, 1)
