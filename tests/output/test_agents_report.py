"""The "AI agents" page and each agent's page with its tool graph: every agent, tool and credential is listed with
its verdict, and every value from the platform — names end up inside inline SVG too — is escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from assurance_jobs.output.agents import page_file, tool_graph
from assurance_jobs.output.html import render_report
from assurance_jobs.output.status import evidence_gaps
from assurance_jobs.output.synthetic import ACCOUNT, finding, make_bundle
from assurance_jobs.scan.agents import frame_of
from assurance_jobs.schema import AGENT_COLUMNS, AGENT_TOOL_COLUMNS

SCRIPT = "<script>alert(1)</script>"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/agent-exec"
RUNTIME = f"arn:aws:bedrock-agentcore:eu-west-1:{ACCOUNT}:runtime/helper-abcdefghij"
GATEWAY = f"arn:aws:bedrock-agentcore:eu-west-1:{ACCOUNT}:gateway/tools-abcdefghij"
KEY = f"arn:aws:acps:eu-west-1:{ACCOUNT}:token-vault/default/apikeycredentialprovider/search-key"
AGENT = {
    "account_id": ACCOUNT,
    "agent_id": RUNTIME,
    "arn": ROLE,
    "kind": "ai_agent",
    "platform": "agentcore",
    "region": "eu-west-1",
    "name": f"helper{SCRIPT}",
    "owner": "ops@example.com",
    "owner_status": "active",
    "privesc_escalates": True,
    "privesc_path": f"runtime/helper{SCRIPT} → runs as role/agent-exec → iam:PutRolePolicy → admin",
    "role_unknown_count": 0,
}
TOOLS = [
    {
        "agent_id": RUNTIME,
        "tool": f"gateway/tools/{SCRIPT}/find",
        "gateway_name": "tools",
        "gateway_arn": GATEWAY,
        "target_name": SCRIPT,
        "target_type": "mcpServer",
        "endpoint": "https://mcp.example.com",
        "approved": False,
        "credential_arn": KEY,
        "credential_type": "API_KEY",
        "reachable_via": "no inbound authorizer",
    },
    {
        "agent_id": RUNTIME,
        "tool": "gateway/tools/crm/list",
        "gateway_name": "tools",
        "gateway_arn": GATEWAY,
        "target_name": "crm",
        "target_type": "lambda",
        "approved": True,
        "reachable_via": "no inbound authorizer",
    },
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("agents-report")
    bundle = make_bundle(
        findings=[finding("NHI-AG-001", RUNTIME, ROLE, observed=f"gateway/tools/{SCRIPT}/find", region="eu-west-1")],
        credentials=[{"credential_id": KEY, "kind": "api_key", "owner_arn": RUNTIME, "used_by": RUNTIME}],
        agents=frame_of([AGENT], AGENT_COLUMNS),
        agent_tools=frame_of(TOOLS, AGENT_TOOL_COLUMNS),
    )
    render_report(bundle, out)
    return out


def page(report: Path) -> str:
    return (report / page_file(AGENT)).read_text(encoding="utf-8")


def test_the_index_lists_the_agent_with_its_role_tools_and_findings(report: Path) -> None:
    index = (report / "agents.html").read_text(encoding="utf-8")
    assert page_file(AGENT) in index and ROLE in index
    assert "Bedrock AgentCore" in index and "AgentCore runtime" in index


def test_the_agent_page_lists_each_tool_with_its_verdict_and_credential(report: Path) -> None:
    html = page(report)
    assert "NOT APPROVED" in html and "approved" in html
    assert KEY in html and "static API key" in html
    assert "NHI-AG-001" in html


def test_the_tool_graph_and_the_escalation_path_are_inline_svg(report: Path) -> None:
    html = page(report)
    assert html.count("<svg") == 2
    assert "iam:PutRolePolicy" in html and "admin" in html


def test_every_platform_value_is_escaped_even_inside_the_svg(report: Path) -> None:
    for path in (report / "agents.html", report / page_file(AGENT)):
        html = path.read_text(encoding="utf-8")
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_agent_pages_load_nothing_from_the_network(report: Path) -> None:
    html = page(report)
    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []
    assert 'xmlns="http://www.w3.org/2000/svg"' in html  # a namespace name, never fetched


def test_a_target_with_an_unapproved_tool_is_drawn_red_and_an_api_key_amber() -> None:
    graph = tool_graph(AGENT, TOOLS)
    tones = {box.label.split(" (")[0]: box.tone for box in graph["boxes"]}
    assert (tones[SCRIPT], tones["crm"], tones["API key search-key"]) == ("bad", "ok", "key")


def test_a_day_without_agent_discovery_says_so(tmp_path: Path) -> None:
    render_report(make_bundle(), tmp_path)
    assert "No agent discovery in this inventory" in (tmp_path / "agents.html").read_text(encoding="utf-8")


def test_agent_rules_without_discovery_are_one_not_configured_line_naming_the_setting() -> None:
    missing = "agentcore_gateways,agentcore_runtimes,bedrock_agents"
    results = pd.DataFrame(
        [
            {"rule_id": "NHI-AG-001", "account_id": ACCOUNT, "region": None, "status": "INCOMPLETE",
             "missing_sources": missing, "reason": None},
            {"rule_id": "NHI-AG-002", "account_id": ACCOUNT, "region": None, "status": "INCOMPLETE",
             "missing_sources": "agentcore_gateways", "reason": None},
        ]
    )  # fmt: skip
    (entry,) = evidence_gaps(results, [])["not_configured"]
    assert "collect_agents" in entry["why"] and entry["rules"] == ["NHI-AG-001", "NHI-AG-002"]
