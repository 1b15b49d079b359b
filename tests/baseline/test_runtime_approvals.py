"""What the baseline approves at runtime (baseline/inventory_join.py): JIT grants judged at the time of each call,
agents approved under `agents:` judged without an identity entry, registry entries as sessions or path-less roles."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd

from assurance_jobs.baseline.inventory_join import runtime_approvals
from assurance_jobs.baseline.model import parse_baseline
from assurance_jobs.baseline.registry import RegistryAgent, RegistrySource
from assurance_jobs.scan.inventory import Inventory
from assurance_jobs.scan.runtime_calls import call_verdict

ACCOUNT = "123456789012"
RELEASE = f"arn:aws:iam::{ACCOUNT}:role/release-automation"
BOT = f"arn:aws:iam::{ACCOUNT}:role/agents/support-bot"  # a role with a path
JIT_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/jit-stack-deploy"
OPENS = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SNAPSHOT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # the grant's window closed long before the snapshot
POLICY_COLUMNS = ["account_id", "principal_arn", "attachment", "policy_name", "policy_arn", "via_group", "document",
                  "parse_error"]  # fmt: skip
STACK = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "cloudformation:CreateStack", "Resource": "*"}],
    }
)


def _inventory(*policies: dict) -> Inventory:
    identities = pd.DataFrame(
        [
            {"account_id": ACCOUNT, "arn": arn, "kind": "role", "name": arn.rsplit("/", 1)[1], "tags": "{}"}
            for arn in (RELEASE, BOT)
        ]
    )
    return Inventory(identities, pd.DataFrame(), pd.DataFrame(policies, columns=POLICY_COLUMNS), pd.DataFrame())


def _jit_attached() -> dict:
    return {"account_id": ACCOUNT, "principal_arn": RELEASE, "attachment": "managed", "policy_name": "jit-stack-deploy",
            "policy_arn": JIT_POLICY, "via_group": None, "document": STACK, "parse_error": None}  # fmt: skip


BASELINE = parse_baseline(
    {
        "identities": [{"arn": RELEASE, "approved_actions": []}],
        "jit_grants": [
            {
                "identity_arn": RELEASE,
                "elevated_policy": JIT_POLICY,
                "window_start": OPENS.isoformat(),
                "window_end": (OPENS + timedelta(hours=2)).isoformat(),
            }
        ],
        "agents": {"support-bot": ["bedrock:InvokeModel", "tickets:read"]},
    }
)


def _stack_call(at: datetime, today: Inventory, previous: Inventory | None = None) -> str:
    approvals = runtime_approvals(today, BASELINE, None, SNAPSHOT, previous)[RELEASE]
    return call_verdict("cloudformation.amazonaws.com", "CreateStack", approvals, at, at)


def test_a_call_inside_the_jit_window_is_approved_though_the_snapshot_is_taken_after_it() -> None:
    assert _stack_call(OPENS + timedelta(minutes=30), _inventory(_jit_attached())) == "within"


def test_the_same_call_after_the_window_is_outside_the_scope_even_while_the_policy_is_attached() -> None:
    assert _stack_call(OPENS + timedelta(hours=5), _inventory(_jit_attached())) == "outside"


def test_a_call_inside_the_window_is_approved_after_the_policy_was_detached() -> None:
    yesterday = _inventory(_jit_attached())
    assert _stack_call(OPENS + timedelta(minutes=30), _inventory(), yesterday) == "within"


def test_a_row_of_calls_reaching_past_the_window_is_not_approved_by_it() -> None:
    approvals = runtime_approvals(_inventory(_jit_attached()), BASELINE, None, SNAPSHOT)[RELEASE]
    inside, after = OPENS + timedelta(minutes=30), OPENS + timedelta(hours=3)
    assert call_verdict("cloudformation.amazonaws.com", "CreateStack", approvals, inside, after) == "outside"


def _registry(runtime_identity: str) -> RegistrySource:
    agent = RegistryAgent(id="support-bot", runtime_identity_arn=runtime_identity, scopes_granted=("tickets:read",))
    return RegistrySource([agent], "agent_registry.json", "0" * 64)


SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/support-bot/ticket-4711"


def test_an_agent_approved_under_agents_is_judged_without_an_identity_entry() -> None:
    approvals = runtime_approvals(_inventory(), BASELINE, _registry(BOT), SNAPSHOT)[BOT]
    assert call_verdict("bedrock.amazonaws.com", "Converse", approvals, OPENS, OPENS) == "within"
    assert call_verdict("lambda.amazonaws.com", "Invoke", approvals, OPENS, OPENS) == "outside"


def test_a_registry_entry_given_as_a_session_resolves_to_the_role_with_its_path() -> None:
    approvals = runtime_approvals(_inventory(), BASELINE, _registry(SESSION), SNAPSHOT)
    assert (
        approvals[BOT].action_mask
        and call_verdict("bedrock.amazonaws.com", "InvokeModel", approvals[BOT], OPENS, OPENS) == "within"
    )


def test_a_registry_entry_given_as_the_role_without_its_path_resolves_to_it() -> None:
    pathless = f"arn:aws:iam::{ACCOUNT}:role/support-bot"
    assert runtime_approvals(_inventory(), BASELINE, _registry(pathless), SNAPSHOT)[BOT].action_mask


def test_an_identity_neither_entered_nor_an_approved_agent_is_not_governed() -> None:
    approvals = runtime_approvals(_inventory(), BASELINE, None, SNAPSHOT)[BOT]
    assert approvals.action_mask is None and not approvals.governs_runtime
