"""The agents suite (NHI-AG-001..007) on an estate seeded through the emulated APIs: every rule fails the agent,
gateway or credential planted for it and passes its look-alike, and a denied, throttled or truncated agent listing
makes exactly the agent rules of that account and region INCOMPLETE — nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
from agent_fixtures import api_key_credential, policy, role
from collect_fixtures import http_response, on_call, on_send_first, parsed_error, parsed_ok
from moto import mock_aws

from assurance_jobs.collect.aws import collect_account
from assurance_jobs.config import AccountConfig, AssuranceConfig, parse_config
from assurance_jobs.demo.agent_platform import agent_platform_emulation
from assurance_jobs.evaluate import EvaluationInputs, evaluate, load_suites, synthetic
from assurance_jobs.evaluate.engine import Evaluation
from assurance_jobs.evaluate.results import required_sources
from assurance_jobs.scan.agents import frame_of
from assurance_jobs.schema import AGENT_COLUMNS
from assurance_jobs.snapshot.store import LocalStorage, read_snapshot, write_snapshot
from assurance_jobs.sources import registry
from assurance_jobs.steps.inventory import build_partition_inventory

ACCOUNT = "123456789012"
HOME, OTHER = "us-east-1", "eu-west-1"
DAY = date(2026, 12, 1)
SUITES = load_suites()
ACCOUNT_CONFIG = AccountConfig(name="agents", regions=[HOME, OTHER], collect_agents=True)
APPROVALS = {
    "approved": ["gateway/clean/*"],
    "unapproved": ["gateway/clean/*"],
    "sharer": ["gateway/keyed/*"],
}
Scope = tuple[str, str, str | None]


@dataclass(frozen=True)
class Planted:
    """What `seed_pairs` created in one region: runtime, gateway and provider ARNs by their role in the test."""

    runtimes: dict[str, str]
    gateways: dict[str, str]
    providers: dict[str, str]


def _runtime(control: Any, name: str, role_arn: str, tags: dict[str, str]) -> str:
    artifact = {"containerConfiguration": {"containerUri": f"{ACCOUNT}.dkr.ecr.{HOME}.amazonaws.com/{name}:1"}}
    network = {"networkMode": "PUBLIC"}
    created = control.create_agent_runtime(
        agentRuntimeName=name, agentRuntimeArtifact=artifact, roleArn=role_arn, networkConfiguration=network, tags=tags
    )
    return str(created["agentRuntimeArn"])


def _gateway(control: Any, name: str, authorizer: str, targets: dict[str, dict[str, Any]]) -> str:
    gateway_role = f"arn:aws:iam::{ACCOUNT}:role/gateway"
    gateway = control.create_gateway(name=name, roleArn=gateway_role, protocolType="MCP", authorizerType=authorizer)
    schema = json.dumps([{"name": "run", "inputSchema": {"type": "object"}}])
    for target, credential in targets.items():
        server = {"endpoint": f"https://{target}.example.com/mcp", "mcpToolSchema": {"inlinePayload": schema}}
        control.create_gateway_target(
            gatewayIdentifier=gateway["gatewayId"],
            name=target,
            targetConfiguration={"mcp": {"mcpServer": server}},
            credentialProviderConfigurations=[credential],
        )
    return str(gateway["gatewayArn"])


def _oauth(provider: str) -> dict[str, Any]:
    chosen = {"oauthCredentialProvider": {"providerArn": provider, "scopes": ["read"]}}
    return {"credentialProviderType": "OAUTH", "credentialProvider": chosen}


def _invoke(*gateways: str) -> str:
    return policy((["bedrock:InvokeModel"], "*"), (["bedrock-agentcore:InvokeGateway"], list(gateways)))  # type: ignore[arg-type]


def seed_pairs(region: str) -> Planted:
    """A failing and a passing instance of NHI-AG-001..006 in one region (the test of each rule names them)."""
    control = boto3.client("bedrock-agentcore-control", region_name=region)
    key = control.create_api_key_credential_provider(name="shared-key", apiKey="not-a-real-key")
    client = control.create_oauth2_credential_provider(
        name="own-client",
        credentialProviderVendor="GithubOauth2",
        oauth2ProviderConfigInput={"githubOauth2ProviderConfig": {"clientId": "Iv1.x", "clientSecret": "not-real"}},
    )
    providers = {"key": key["credentialProviderArn"], "client": client["credentialProviderArn"]}
    gateways = {
        "keyed": _gateway(control, "keyed", "AWS_IAM", {"search": api_key_credential(providers["key"])}),
        "clean": _gateway(control, "clean", "AWS_IAM", {"crm": _oauth(providers["client"])}),
        "opened": _gateway(control, "opened", "NONE", {}),
    }
    owner = {"owner": "ops@example.com"}
    plain = role(f"agent-plain-{region}", _invoke(gateways["clean"]))
    wide = role(f"agent-wide-{region}", _invoke(gateways["keyed"]))
    admin = role(f"agent-admin-{region}", policy((["iam:*"], "*")))  # can make itself administrator
    runtimes = {
        "approved": _runtime(control, "approved", plain, owner),
        "unapproved": _runtime(control, "unapproved", wide, owner),
        "sharer": _runtime(control, "sharer", wide, {}),
        "admin": _runtime(control, "admin", admin, owner),
    }
    return Planted(runtimes, gateways, providers)


def configured(tmp: Path) -> AssuranceConfig:
    baseline = tmp / "baseline"
    baseline.mkdir(exist_ok=True)
    (baseline / "agents.yaml").write_text(json.dumps({"agents": APPROVALS}))
    feed = tmp / "feed.csv"
    feed.write_text("email,status,termination_date\nops@example.com,active,\n")
    return parse_config(
        {
            "storage_root": str(tmp / "data"),
            "output_dir": str(tmp / "out"),
            "accounts": [ACCOUNT_CONFIG.model_dump()],
            "baseline_dir": str(baseline),
            "directory_feed": {"path": str(feed)},
        }
    )


def judged(session: boto3.Session, tmp: Path) -> Evaluation:
    """Collect the account (every source), snapshot it, build the inventory and evaluate every suite."""
    config = configured(tmp)
    blobs, statuses, account = collect_account(session, ACCOUNT_CONFIG, registry.aws_sources(), max_attempts=2)
    storage = LocalStorage(tmp / "data")
    taken = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    manifest = write_snapshot(storage, DAY, taken, blobs, statuses, [account], duration_seconds=1.0)
    inventory = build_partition_inventory(config, read_snapshot(storage, DAY, manifest.snapshot_id)).inventory
    tables = {"identities": inventory.identities, "credentials": inventory.credentials, "agents": inventory.agents}
    present = frozenset({"baseline", "directory_feed"})
    return evaluate(EvaluationInputs(tables, inventory.collection_status, SUITES, "s", DAY, present))


@pytest.fixture(scope="module")
def estate() -> Iterator[dict[str, Planted]]:
    with mock_aws(), agent_platform_emulation():
        yield {region: seed_pairs(region) for region in (HOME, OTHER)}


@pytest.fixture(scope="module")
def clean(estate: dict[str, Planted], tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    return judged(boto3.Session(region_name=HOME), tmp_path_factory.mktemp("clean"))


def failed(evaluation: Evaluation, rule_id: str, region: str = HOME) -> set[str]:
    rows = evaluation.findings[(evaluation.findings["rule_id"] == rule_id) & (evaluation.findings["region"] == region)]
    return set(rows["resource_arn"])


def verdict(evaluation: Evaluation, rule_id: str, region: str = HOME) -> tuple[str, int]:
    results = evaluation.rule_results
    row = results[(results["rule_id"] == rule_id) & (results["region"] == region)].iloc[0]
    return str(row["status"]), int(row["evaluated"])


def test_a_tool_outside_the_approved_set_fails_only_its_agent(estate: dict[str, Planted], clean: Evaluation) -> None:
    assert failed(clean, "NHI-AG-001") == {estate[HOME].runtimes["unapproved"]}
    assert verdict(clean, "NHI-AG-001") == ("FAIL", 4)


def test_a_gateway_anyone_may_call_fails_and_an_iam_one_passes(estate: dict[str, Planted], clean: Evaluation) -> None:
    assert failed(clean, "NHI-AG-002") == {estate[HOME].gateways["opened"]}
    assert verdict(clean, "NHI-AG-002") == ("FAIL", 3)


def test_a_target_calling_with_a_static_api_key_fails_its_gateway(
    estate: dict[str, Planted], clean: Evaluation
) -> None:
    assert failed(clean, "NHI-AG-003") == {estate[HOME].gateways["keyed"]}


def test_a_credential_provider_used_by_two_agents_fails_and_one_used_by_one_passes(
    estate: dict[str, Planted], clean: Evaluation
) -> None:
    assert failed(clean, "NHI-AG-004") == {estate[HOME].providers["key"]}
    assert verdict(clean, "NHI-AG-004") == ("FAIL", 2)


def test_an_agent_whose_role_can_escalate_fails_and_one_running_as_a_plain_role_passes(
    estate: dict[str, Planted], clean: Evaluation
) -> None:
    assert failed(clean, "NHI-AG-005") == {estate[HOME].runtimes["admin"]}


def test_an_agent_without_an_owner_fails_and_one_with_a_present_owner_passes(
    estate: dict[str, Planted], clean: Evaluation
) -> None:
    assert failed(clean, "NHI-AG-006") == {estate[HOME].runtimes["sharer"]}


def test_runtime_calls_outside_the_tool_scope_fail_and_calls_inside_it_pass() -> None:
    rows = [
        {
            "account_id": ACCOUNT,
            "agent_id": name,
            "kind": "ai_agent",
            "region": HOME,
            "arn": f"role/{name}",
            "rt_calls_outside_scope": calls,
            "rt_calls_outside_scope_count": count,
            "evidence_gap_count": 0,
        }
        for name, calls, count in (("steered", "iam:PutRolePolicy ×1", 1), ("quiet", "", 0))
    ]
    statuses = synthetic.all_ok(ACCOUNT, regions=(HOME,)) + synthetic.trail_ok(ACCOUNT, regions=(HOME,))
    statuses += [
        synthetic.status(s, ACCOUNT, HOME) for s in ("bedrock_agents", "agentcore_runtimes", "agentcore_gateways")
    ]
    tables = {
        "identities": synthetic.identities([]),
        "credentials": synthetic.credentials([]),
        "agents": frame_of(rows, AGENT_COLUMNS),
    }
    inputs = EvaluationInputs(tables, synthetic.collection_status(statuses), SUITES, "s", DAY, frozenset({"baseline"}))
    evaluation = evaluate(inputs)
    assert failed(evaluation, "NHI-AG-007") == {"steered"}
    assert verdict(evaluation, "NHI-AG-007") == ("FAIL", 2)


def test_without_a_feed_an_unowned_agent_still_fails_and_an_owned_one_is_not_judged() -> None:
    rows = [
        {"account_id": ACCOUNT, "agent_id": name, "kind": "ai_agent", "region": HOME, "owner_status": status}
        for name, status in (("orphan", "no_owner"), ("owned", "not_checked"))
    ]
    statuses = synthetic.all_ok(ACCOUNT, regions=(HOME,))
    statuses += [synthetic.status(s, ACCOUNT, HOME) for s in ("bedrock_agents", "agentcore_runtimes")]
    tables = {
        "identities": synthetic.identities([]),
        "credentials": synthetic.credentials([]),
        "agents": frame_of(rows, AGENT_COLUMNS),
    }
    evaluation = evaluate(EvaluationInputs(tables, synthetic.collection_status(statuses), SUITES, "s", DAY))
    assert failed(evaluation, "NHI-AG-006") == {"orphan"}
    assert verdict(evaluation, "NHI-AG-006") == ("INCOMPLETE", 1)


# ------------------------------------------------------------------------------------------ incomplete


def incomplete(evaluation: Evaluation) -> set[Scope]:
    rows = evaluation.rule_results[evaluation.rule_results["status"] == "INCOMPLETE"]
    return {(r.rule_id, r.account_id, r.region) for r in rows.itertuples()}


def in_other(operation_url: dict[str, Any]) -> bool:
    return OTHER in str(operation_url.get("url", ""))


def denied(session: boto3.Session, service: str, operation: str) -> None:
    def handler(params: dict[str, Any], **_: Any) -> Any:
        return parsed_error("AccessDeniedException") if in_other(params) else None

    on_call(session, service, operation, handler)


def throttled(session: boto3.Session, service: str, operation: str) -> None:
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()

    def handler(request: Any, **_: Any) -> Any:
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": "ThrottlingException"}
        return http_response(400, body, headers) if OTHER in request.url else None

    on_send_first(session, service, operation, handler)


def truncated(session: boto3.Session, service: str, operation: str) -> None:
    answers: list[Any] = [parsed_ok({"items": [], "nextToken": "page-2"}), parsed_error("AccessDeniedException")]

    def handler(params: dict[str, Any], **_: Any) -> Any:
        return answers.pop(0) if in_other(params) and answers else None

    on_call(session, service, operation, handler)


def _other(*rules: str) -> set[Scope]:
    return {(f"NHI-AG-00{n}", ACCOUNT, OTHER) for n in rules}


CORE = "bedrock-agentcore-control"
FAULTS: dict[str, tuple[Callable[[boto3.Session, str, str], None], str, str, set[Scope]]] = {
    "bedrock agents denied": (denied, "bedrock-agent", "ListAgents", _other("1", "5", "6")),
    "runtimes denied": (denied, CORE, "ListAgentRuntimes", _other("1", "4", "5", "6")),
    "identities denied": (denied, CORE, "ListApiKeyCredentialProviders", _other("4")),
    "runtimes throttled": (throttled, CORE, "ListAgentRuntimes", _other("1", "4", "5", "6")),
    # A runtime may call any region's gateway: its tool scope in the home region is unknown too (evidence gap).
    "gateways truncated": (
        truncated,
        CORE,
        "ListGateways",
        _other("1", "2", "3", "4") | {("NHI-AG-001", ACCOUNT, HOME)},
    ),
}


@pytest.mark.parametrize("case", FAULTS, ids=list(FAULTS))
def test_a_failed_agent_listing_makes_exactly_the_agent_rules_of_its_region_incomplete(
    case: str, estate: dict[str, Planted], clean: Evaluation, tmp_path: Path
) -> None:
    fault, service, operation, expected = FAULTS[case]
    session = boto3.Session(region_name=HOME)
    fault(session, service, operation)
    assert incomplete(judged(session, tmp_path)) - incomplete(clean) == expected


def test_the_clean_day_is_incomplete_only_where_no_trail_was_read(clean: Evaluation) -> None:
    agent_scopes = {scope for scope in incomplete(clean) if scope[0].startswith("NHI-AG")}
    assert agent_scopes == {("NHI-AG-007", ACCOUNT, HOME), ("NHI-AG-007", ACCOUNT, OTHER)}


def test_identity_rules_do_not_wait_for_the_agent_platforms() -> None:
    by_id = {rule.rule_id: rule for suite in SUITES for rule in suite.rules}
    agent_sources = {"bedrock_agents", "agentcore_runtimes", "agentcore_gateways", "agentcore_identities"}
    waiting = sorted(
        r for r, rule in by_id.items() if not r.startswith("NHI-AG") and agent_sources & set(required_sources(rule))
    )
    assert waiting == []


def test_findings_of_agents_carry_their_region(clean: Evaluation) -> None:
    findings = clean.findings[clean.findings["rule_id"].str.startswith("NHI-AG")]
    assert set(findings["region"]) == {HOME, OTHER}
    assert not pd.isna(findings["identity_arn"]).all()
