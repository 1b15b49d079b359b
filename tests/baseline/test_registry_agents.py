"""The AI agent registry: parsing the export, storing it in the snapshot, and judging scopes against the baseline."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from assurance_jobs.baseline.approvals import agent_facts
from assurance_jobs.baseline.model import parse_baseline
from assurance_jobs.baseline.registry import AGENT_REGISTRY, RegistryError, parse_registry, registry_blob

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/agents/agent-support-bot"

YAML_EXPORT = f"""
agents:
  - id: support-bot
    runtime_identity_arn: "{ROLE}"
    scopes_granted: [tickets:read, kb:search]
    scopes_requested: []
    platform_field_we_ignore: 42
""".encode()


def agent(granted: list[str], requested: list[str] | None = None, arn: str = ROLE) -> bytes:
    entry = {"id": "support-bot", "runtime_identity_arn": arn, "scopes_granted": granted,
             "scopes_requested": requested or []}  # fmt: skip
    return json.dumps([entry]).encode()


IDENTITIES = pd.DataFrame(
    [{"account_id": ACCOUNT, "arn": ROLE, "kind": "role", "name": "agent-support-bot", "owner": "ml@example.com"}]
)
APPROVED = parse_baseline({"agents": {"support-bot": ["tickets:read", "kb:*"]}})


def scopes_row(raw: bytes, baseline=APPROVED) -> dict:
    return agent_facts(parse_registry(raw), IDENTITIES, baseline).iloc[0].to_dict()


# ------------------------------------------------------------------------------------------------ parsing


def test_yaml_export_parses_and_ignores_fields_we_do_not_judge() -> None:
    (parsed,) = parse_registry(YAML_EXPORT)
    assert (parsed.id, parsed.runtime_identity_arn, parsed.scopes_granted) == (
        "support-bot",
        ROLE,
        ("tickets:read", "kb:search"),
    )


def test_json_list_export_parses() -> None:
    assert [a.id for a in parse_registry(agent(["tickets:read"]))] == ["support-bot"]


def test_missing_runtime_identity_names_entry_and_field() -> None:
    with pytest.raises(RegistryError, match=r"agents\[0\] 'bot': field 'runtime_identity_arn': Field required"):
        parse_registry(b'{"agents": [{"id": "bot"}]}')


def test_duplicated_agent_ids_are_rejected() -> None:
    twice = json.dumps([{"id": "bot", "runtime_identity_arn": ROLE}] * 2).encode()
    with pytest.raises(RegistryError, match="agent ids appear more than once: bot"):
        parse_registry(twice)


def test_registry_blob_stores_the_export_byte_for_byte_under_its_source_name() -> None:
    blob = registry_blob(ACCOUNT, YAML_EXPORT)
    assert (blob.source, blob.content, blob.relative_path) == (
        AGENT_REGISTRY,
        YAML_EXPORT,
        f"{ACCOUNT}/agent_registry.yaml",
    )


def test_registry_blob_of_a_json_export_gets_a_json_extension() -> None:
    assert registry_blob(ACCOUNT, agent([])).extension == "json"


def test_registry_blob_refuses_an_export_no_rule_could_read() -> None:
    with pytest.raises(RegistryError, match="expected a list of agents"):
        registry_blob(ACCOUNT, b"just a string")


# ------------------------------------------------------------------------------------------------ scopes


def test_agent_within_its_approved_scopes_passes() -> None:
    assert scopes_row(agent(["tickets:read", "kb:search"]))["unapproved_scope_count"] == 0


def test_agent_granted_a_scope_beyond_approved_fails() -> None:
    row = scopes_row(agent(["tickets:read", "tickets:close"]))
    assert (row["unapproved_scopes"], row["unapproved_scope_count"]) == ("tickets:close", 1)


def test_agent_requesting_a_scope_beyond_approved_fails() -> None:
    row = scopes_row(agent(["tickets:read"], requested=["billing:refund"]))
    assert (row["unapproved_scopes"], row["unapproved_scope_count"]) == ("billing:refund", 1)


def test_agent_absent_from_the_baseline_has_no_approved_scopes() -> None:
    row = scopes_row(agent(["tickets:read"]), baseline=parse_baseline({}))
    assert (row["in_baseline"], row["unapproved_scopes"]) == (False, "tickets:read")


def test_agent_is_joined_to_the_iam_role_it_runs_as() -> None:
    row = scopes_row(agent([]))
    assert (row["identity_found"], row["identity_kind"], row["owner"]) == (True, "role", "ml@example.com")


def test_assumed_role_session_arn_joins_to_the_role_whatever_its_path() -> None:
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/agent-support-bot/run-42"
    row = scopes_row(agent([], arn=session))
    assert (row["identity_found"], row["arn"]) == (True, ROLE)


def test_agent_whose_identity_is_not_in_the_inventory_is_kept_and_marked() -> None:
    row = scopes_row(agent([], arn=f"arn:aws:iam::{ACCOUNT}:role/gone"))
    assert (row["identity_found"], row["arn"]) == (False, f"arn:aws:iam::{ACCOUNT}:role/gone")
