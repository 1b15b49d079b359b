"""Discovered agents are held to the baseline's `agents:` entries (by registry id, name, ARN or tag), and merged with
the hand-written registry: the platform wins for facts, the baseline for approval; conflicts are said out loud."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from assurance_jobs.baseline.agents import (
    discovered_scope_masks,
    inventory_with_agent_facts,
    tool_approved,
)
from assurance_jobs.baseline.approvals import agent_facts
from assurance_jobs.baseline.model import BaselineError, merge_baselines, parse_baseline
from assurance_jobs.baseline.registry import RegistryError, RegistrySource, parse_registry
from assurance_jobs.scan import actions
from assurance_jobs.scan.agents import frame_of
from assurance_jobs.scan.inventory import Inventory, empty_table
from assurance_jobs.schema import (
    AGENT_COLUMNS,
    AGENT_TOOL_COLUMNS,
    COLLECTION_STATUS_COLUMNS,
    CREDENTIAL_COLUMNS,
    IDENTITY_COLUMNS,
    POLICY_COLUMNS,
)

ACCOUNT = "111122223333"
TAKEN_AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
AGENT = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:runtime/helper-abcdefghij"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/helper-exec"


def baseline(agents: dict[str, Any]) -> Any:
    return parse_baseline({"agents": agents})


def test_the_first_form_approves_the_agent_its_key_names() -> None:
    approved = baseline({"support-bot": ["tickets:read"]})
    assert (approved.agent_approvals(["support-bot"]), approved.agent_approvals(["other"])) == (["tickets:read"], None)


def test_a_mapping_entry_selects_by_arn_name_or_tag() -> None:
    approved = baseline(
        {
            "by arn": {"arn": "arn:aws:bedrock-agentcore:*:runtime/helper-*", "approved_tools": ["gateway/a/*"]},
            "by name": {"name": "help*", "approved_tools": ["gateway/b/*"]},
            "by tag": {"tag": {"key": "team", "value": "research"}, "approved_tools": ["gateway/c/*"]},
        }
    )
    assert approved.agent_approvals([], arn=AGENT, name="helper", tags={"team": "research"}) == [
        "gateway/a/*",
        "gateway/b/*",
        "gateway/c/*",
    ]
    assert approved.agent_approvals([], arn=AGENT, name="other", tags={}) == ["gateway/a/*"]


def test_a_mapping_entry_without_selectors_approves_the_agent_its_key_names() -> None:
    approved = baseline({"helper": {"approved_tools": ["gateway/orders/*"]}})
    assert approved.agent_approvals(["helper"]) == ["gateway/orders/*"]


def test_a_misspelt_field_of_an_agent_entry_is_named() -> None:
    with pytest.raises(BaselineError, match=r"agents\['helper'\]: field 'aproved_tools'"):
        baseline({"helper": {"aproved_tools": []}})


def test_an_agent_approved_in_two_files_is_ambiguous_whatever_the_form() -> None:
    first, second = baseline({"helper": ["x"]}), baseline({"helper": {"approved_tools": ["y"]}})
    with pytest.raises(BaselineError, match=r"b.yaml: agents\['helper'\]: already approved in a.yaml"):
        merge_baselines([("a.yaml", first), ("b.yaml", second)])


def test_approving_a_target_or_gateway_approves_its_tools() -> None:
    assert tool_approved("gateway/orders/api/find", ["gateway/orders/api"])
    assert tool_approved("gateway/orders/api/find", ["gateway/orders/*"])
    assert not tool_approved("gateway/orders/web/fetch", ["gateway/orders/api/*"])


# ------------------------------------------------------------------------------------------ registry merge


def registry(text: str) -> RegistrySource:
    return RegistrySource(parse_registry(text.encode()), "registry.yaml", "0" * 64)


def discovered(owner: str | None = None, role: str = ROLE) -> pd.DataFrame:
    row = {"account_id": ACCOUNT, "agent_id": AGENT, "arn": role, "kind": "ai_agent", "platform": "agentcore",
           "region": "us-east-1", "name": "helper", "owner": owner, "tags": "{}", "role_unknown_count": 0}  # fmt: skip
    return frame_of([row], AGENT_COLUMNS)


def tools(*names: str) -> pd.DataFrame:
    rows = [{"account_id": ACCOUNT, "region": "us-east-1", "agent_id": AGENT, "tool": name} for name in names]
    return frame_of(rows, AGENT_TOOL_COLUMNS)


TABLES = {
    "identities": IDENTITY_COLUMNS,
    "credentials": CREDENTIAL_COLUMNS,
    "policies": POLICY_COLUMNS,
    "collection_status": COLLECTION_STATUS_COLUMNS,
}


def judged(
    source: RegistrySource | None, found: pd.DataFrame, approved: Any = None, tool_names: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    empty = {name: empty_table(columns) for name, columns in TABLES.items()}
    registered = agent_facts(source.agents if source else [], empty["identities"], approved or parse_baseline({}))
    inventory = Inventory(**empty, agents=registered)
    joined, warnings = inventory_with_agent_facts(
        inventory, found, tools(*tool_names), approved, source, None, TAKEN_AT
    )
    return joined.agents, joined.agent_tools, warnings


def row_of(agents: pd.DataFrame, agent_id: str = AGENT) -> dict[str, Any]:
    return agents.set_index("agent_id").loc[agent_id].to_dict()


ENTRY = f"""agents:
  - id: helper-bot
    platform_arn: {AGENT}
    runtime_identity_arn: {ROLE}
    owner: ops@example.com
"""


def test_a_registry_entry_naming_a_discovered_agent_merges_into_it() -> None:
    agents, _, warnings = judged(registry(ENTRY), discovered())
    row = row_of(agents)
    assert (list(agents["kind"]), row["registry_id"], row["owner"], warnings) == (
        ["ai_agent"],
        "helper-bot",
        "ops@example.com",
        [],
    )


def test_the_platform_wins_when_registry_and_platform_disagree_on_the_role() -> None:
    agents, _, warnings = judged(registry(ENTRY), discovered(role=f"arn:aws:iam::{ACCOUNT}:role/other-exec"))
    assert row_of(agents)["arn"] == f"arn:aws:iam::{ACCOUNT}:role/other-exec"
    assert "runtime identity: registry" in row_of(agents)["registry_conflicts"]
    assert warnings == [f"agent registry 'helper-bot' and {AGENT} disagree on {row_of(agents)['registry_conflicts']}"]


def test_the_platform_owner_tag_wins_over_the_registry_owner() -> None:
    agents, _, warnings = judged(registry(ENTRY), discovered(owner="dev@example.com"))
    assert row_of(agents)["owner"] == "dev@example.com"
    assert len(warnings) == 1 and "owner: registry ops@example.com, platform tag dev@example.com" in warnings[0]


def test_an_entry_naming_an_agent_the_platform_did_not_list_stays_a_registry_row() -> None:
    agents, _, warnings = judged(registry(ENTRY), discovered().iloc[0:0])
    row = row_of(agents, "helper-bot")
    assert (row["kind"], row["registry_conflicts"]) == (
        "registered_agent",
        f"platform agent {AGENT} was not discovered",
    )
    assert warnings == [f"agent registry 'helper-bot': platform agent {AGENT} was not discovered"]


def test_two_registry_entries_cannot_claim_one_platform_agent() -> None:
    twice = ENTRY + f"  - id: other-bot\n    platform_arn: {AGENT}\n    runtime_identity_arn: {ROLE}\n"
    with pytest.raises(RegistryError, match="platform_arn names the same agent in two entries"):
        parse_registry(twice.encode())


def test_the_baseline_approves_a_merged_agent_under_its_registry_id() -> None:
    approved = baseline({"helper-bot": ["gateway/orders/*"]})
    agents, tool_rows, _ = judged(registry(ENTRY), discovered(), approved, ("gateway/orders/api/find", "gateway/web/x"))
    row = row_of(agents)
    assert (row["in_baseline"], row["unapproved_tools"], row["unapproved_tool_count"]) == (True, "gateway/web/x", 1)
    assert list(tool_rows["approved"]) == [True, False]


def test_an_agent_no_entry_selects_has_no_approved_tool() -> None:
    agents, _, _ = judged(None, discovered(), baseline({}), ("gateway/orders/api/find",))
    assert (row_of(agents)["in_baseline"], row_of(agents)["unapproved_tool_count"]) == (False, 1)


def test_without_a_baseline_nothing_is_judged() -> None:
    agents, tool_rows, _ = judged(None, discovered(), None, ("gateway/orders/api/find",))
    assert pd.isna(row_of(agents)["unapproved_tool_count"]) and pd.isna(tool_rows["approved"].iloc[0])


def test_the_tool_scope_of_an_agent_becomes_the_iam_actions_of_its_role() -> None:
    agents = discovered().assign(tool_actions="bedrock:InvokeModel,bedrock-agentcore:InvokeGateway")
    mask = discovered_scope_masks(agents)[ROLE]
    assert mask == actions.expand_mask("bedrock:InvokeModel") | actions.expand_mask("bedrock-agentcore:InvokeGateway")
