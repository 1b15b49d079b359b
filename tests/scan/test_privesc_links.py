"""Nodes other analyses bring into the escalation graph (an AI agent, a Kubernetes subject) get their path and
count in the blast radius of what they reach, through `principal_links` rows."""

from __future__ import annotations

import json

import pandas as pd

from assurance_jobs.scan.principal_permissions import principal_facts
from assurance_jobs.schema import PRINCIPAL_LINK_COLUMNS

ACCOUNT = "111122223333"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/agent-exec"
PLAIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/agent-readonly"
AGENT = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:agent/AGENT12345"


def _identities(*arns: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"account_id": ACCOUNT, "arn": list(arns), "kind": "role", "name": [a.rsplit("/", 1)[-1] for a in arns]}
    )


def _policies() -> pd.DataFrame:
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    read = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    rows = [(ADMIN_ROLE, admin), (PLAIN_ROLE, read)]
    return pd.DataFrame(
        [
            {
                "account_id": ACCOUNT,
                "principal_arn": arn,
                "attachment": "inline",
                "policy_name": "p",
                "policy_arn": None,
                "via_group": None,
                "document": json.dumps(document),
                "parse_error": None,
            }
            for arn, document in rows
        ]
    )


def _link(target: str) -> pd.DataFrame:
    row = {
        "account_id": ACCOUNT,
        "source_id": AGENT,
        "source_kind": "ai_agent",
        "source_name": "agent/support-bot",
        "target_id": target,
        "label": f"runs as {target.rsplit(':', 1)[-1]}",
        "conditional": False,
        "source_file": f"{ACCOUNT}/bedrock_agents.us-east-1.json",
        "source_sha256": "0" * 64,
    }
    return pd.DataFrame([row]).astype(PRINCIPAL_LINK_COLUMNS)


def test_an_agent_running_as_an_administrator_role_escalates_through_it() -> None:
    facts = principal_facts(_policies(), _identities(ADMIN_ROLE, PLAIN_ROLE), [], links=_link(ADMIN_ROLE))
    (reach,) = facts.linked_reach.to_dict("records")
    assert reach["node_id"] == AGENT
    assert reach["privesc_escalates"] is True
    assert reach["privesc_path"] == "agent/support-bot → runs as role/agent-exec → admin"


def test_an_agent_running_as_a_read_only_role_does_not_escalate() -> None:
    facts = principal_facts(_policies(), _identities(ADMIN_ROLE, PLAIN_ROLE), [], links=_link(PLAIN_ROLE))
    (reach,) = facts.linked_reach.to_dict("records")
    assert (reach["privesc_escalates"], reach["privesc_path"]) == (False, "")


def test_the_role_counts_the_agent_in_its_blast_radius() -> None:
    facts = principal_facts(_policies(), _identities(ADMIN_ROLE, PLAIN_ROLE), [], links=_link(PLAIN_ROLE))
    role = facts.identities.set_index("arn").loc[PLAIN_ROLE]
    assert (role["privesc_reachable_by"], role["privesc_reachable_by_count"]) == (AGENT, 1)


def test_without_links_no_node_is_added() -> None:
    facts = principal_facts(_policies(), _identities(ADMIN_ROLE), [])
    assert facts.linked_reach.empty
