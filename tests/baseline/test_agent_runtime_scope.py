"""At runtime an agent's role is held to what its discovered tools imply (NHI-RT-003 and NHI-AG-007 read the same
approvals), and each agent carries its role's calls outside that scope."""

from __future__ import annotations

from datetime import UTC, datetime

from assurance_jobs.baseline.agents import with_agent_runtime_facts
from assurance_jobs.baseline.inventory_join import runtime_approvals
from assurance_jobs.baseline.model import parse_baseline
from assurance_jobs.evaluate import synthetic
from assurance_jobs.scan import actions
from assurance_jobs.scan.agents import frame_of
from assurance_jobs.scan.inventory import Inventory, empty_table
from assurance_jobs.schema import (
    AGENT_COLUMNS,
    COLLECTION_STATUS_COLUMNS,
    CREDENTIAL_COLUMNS,
    POLICY_COLUMNS,
)

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/agent-exec"
AGENT = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:runtime/helper-abcdefghij"
GATEWAY = f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:gateway/tools-abcdefghij"
TAKEN_AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def inventory(**identity_facts: object) -> Inventory:
    agents = [
        {
            "account_id": ACCOUNT,
            "agent_id": AGENT,
            "arn": ROLE,
            "kind": "ai_agent",
            "tool_actions": "bedrock:InvokeModel,bedrock-agentcore:InvokeGateway",
        },
        {
            "account_id": ACCOUNT,
            "agent_id": GATEWAY,
            "arn": ROLE,
            "kind": "agent_gateway",
            "tool_actions": "",
        },
    ]
    return Inventory(
        identities=synthetic.identities(
            [synthetic.identity("agent-exec", account=ACCOUNT, tags="{}", **identity_facts)]
        ),
        credentials=empty_table(CREDENTIAL_COLUMNS),
        policies=empty_table(POLICY_COLUMNS),
        collection_status=empty_table(COLLECTION_STATUS_COLUMNS),
        agents=frame_of(agents, AGENT_COLUMNS),
    )


def test_an_agent_role_the_baseline_does_not_govern_is_held_to_its_tools() -> None:
    approvals = runtime_approvals(inventory(), parse_baseline({}), None, TAKEN_AT)
    wanted = actions.expand_mask("bedrock:InvokeModel") | actions.expand_mask("bedrock-agentcore:InvokeGateway")
    assert approvals[ROLE].action_mask == wanted


def test_each_agent_carries_its_roles_calls_outside_its_scope_and_a_gateway_does_not() -> None:
    facts = {"rt_calls_outside_scope": "iam:PutRolePolicy ×2", "rt_calls_outside_scope_count": 2,
             "rt_source_file": "cloudtrail_objects.us-east-1.json", "rt_source_sha256": "b" * 64}  # fmt: skip
    agents = with_agent_runtime_facts(inventory(**facts)).agents.set_index("agent_id")
    assert agents.loc[AGENT, "rt_calls_outside_scope_count"] == 2
    assert agents.loc[AGENT, "rt_source_file"] == "cloudtrail_objects.us-east-1.json"
    assert agents["rt_calls_outside_scope_count"].isna().loc[GATEWAY]
