"""The agent-platform parsers read the reduced pages as stored: an item whose details could not be read keeps the
failed calls and unknown facts, never empty ones; an unreadable file is a warning, never an exception."""

from __future__ import annotations

import json

from fixtures.inventory.snapshot_builder import ACCOUNT, TAKEN_AT, blob, build_snapshot

from assurance_jobs.config import HumanMarker
from assurance_jobs.scan.sources import agentcore_gateways, agentcore_identities, bedrock_agents
from assurance_jobs.scan.sources.common import Context

REGION = "eu-west-1"


def ctx() -> Context:
    return Context(TAKEN_AT, ["owner"], HumanMarker(), None)


def stored(source: str, *pages: dict) -> bytes:
    return json.dumps({"pages": list(pages)}).encode()


def test_an_agent_whose_get_failed_has_no_role_and_says_which_call_failed() -> None:
    page = {"operation": "ListAgents", "agentSummaries": [{"agentId": "AGENT12345", "agentName": "helper",
            "errors": {"GetAgent": "AccessDeniedException"}, "versions": [], "aliases": []}]}  # fmt: skip
    snapshot = build_snapshot([blob(bedrock_agents.SOURCE, stored("x", page), REGION)])
    (agent,) = bedrock_agents.parse(snapshot, ACCOUNT, ctx()).bedrock_agents
    assert (agent.role_arn, agent.errors) == (None, ("GetAgent: AccessDeniedException",))
    assert agent.arn == f"arn:aws:bedrock:{REGION}:{ACCOUNT}:agent/AGENT12345"


def test_an_action_group_with_its_schema_in_s3_is_one_tool_of_unknown_operations() -> None:
    group = {"actionGroupId": "G1", "actionGroupName": "files", "actionGroupState": "ENABLED",
             "actionGroupExecutor": {"lambda": "arn:aws:lambda:eu-west-1:1:function:f"},
             "apiSchema": {"s3": {"s3BucketName": "schemas", "s3ObjectKey": "files.json"}}}  # fmt: skip
    page = {"operation": "ListAgents", "agentSummaries": [{"agentId": "A1", "versions": [
        {"agentVersion": "DRAFT", "actionGroups": [group]}]}]}  # fmt: skip
    snapshot = build_snapshot([blob(bedrock_agents.SOURCE, stored("x", page), REGION)])
    (parsed,) = bedrock_agents.parse(snapshot, ACCOUNT, ctx()).bedrock_agents[0].action_groups
    assert (parsed.operations, parsed.operations_known, parsed.schema_location) == (
        (),
        False,
        "s3://schemas/files.json",
    )


def test_a_target_whose_get_failed_has_unknown_tools() -> None:
    target = {"targetId": "T1", "name": "search", "errors": {"GetGatewayTarget": "ThrottlingException"}}
    page = {"operation": "ListGateways", "items": [{"gatewayId": "gw-1", "name": "gw", "targets": [target]}]}
    snapshot = build_snapshot([blob(agentcore_gateways.SOURCE, stored("x", page), REGION)])
    (gateway,) = agentcore_gateways.parse(snapshot, ACCOUNT, ctx()).gateways
    (parsed,) = gateway.targets
    assert (parsed.kind, parsed.tools_known, parsed.errors) == ("", False, ("GetGatewayTarget: ThrottlingException",))
    assert gateway.inbound.type == ""  # GetGateway's authorizer is unknown too: "unknown", never "none"


def test_credential_providers_of_both_kinds_are_read_from_their_lists() -> None:
    github = {
        "name": "gh",
        "credentialProviderArn": "arn:x:oauth2credentialprovider/gh",
        "credentialProviderVendor": "GithubOauth2",
        "createdTime": "2026-11-01T00:00:00+00:00",
        "lastUpdatedTime": "2026-11-02T00:00:00+00:00",
    }
    key = {"name": "k", "credentialProviderArn": "arn:x:apikeycredentialprovider/k"}
    pages = (
        {"operation": "ListOauth2CredentialProviders", "credentialProviders": [github]},
        {"operation": "ListApiKeyCredentialProviders", "credentialProviders": [key]},
    )
    snapshot = build_snapshot([blob(agentcore_identities.SOURCE, stored("x", *pages), REGION)])
    providers = agentcore_identities.parse(snapshot, ACCOUNT, ctx()).credential_providers
    assert [(p.name, p.kind, p.vendor) for p in providers] == [
        ("gh", "oauth2_client", "GithubOauth2"),
        ("k", "api_key", None),
    ]


def test_an_unreadable_file_is_a_warning_and_no_records() -> None:
    context = ctx()
    snapshot = build_snapshot([blob(agentcore_gateways.SOURCE, b"not json", REGION)])
    assert agentcore_gateways.parse(snapshot, ACCOUNT, context) is None
    assert context.warnings and "unreadable snapshot file" in context.warnings[0]


def test_an_account_without_the_source_has_nothing_to_say() -> None:
    snapshot = build_snapshot([blob(agentcore_identities.SOURCE, stored("x"), REGION)])
    assert bedrock_agents.parse(snapshot, ACCOUNT, ctx()) is None
