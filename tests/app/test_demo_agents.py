"""The demo's agent fleet, discovered on both emulated platforms, judged and shown: the research agent's unapproved
MCP target, static API key and escalating role are reported on their resources, the compliant agents are not, the
"AI agents" page draws them, and no credential handed to AgentCore Identity reaches any file, log or report."""

from __future__ import annotations

import json
from pathlib import Path

from conftest_demo import DemoRun, demo_run  # noqa: F401  (the shared fixture)

from assurance_jobs.demo.agents import PARTNER_API_KEY, PARTNER_CLIENT_SECRET


def test_every_planted_agent_defect_is_reported_on_its_resource(demo_run: DemoRun) -> None:  # noqa: F811
    reported = {(f["rule_id"], f["resource_arn"]) for f in demo_run.findings()}
    assert demo_run.fleet.ledger - reported == set()


def test_no_agent_rule_flags_the_compliant_agents(demo_run: DemoRun) -> None:  # noqa: F811
    flagged = {f["resource_arn"] for f in demo_run.findings() if f["rule_id"].startswith("NHI-AG")}
    assert flagged & set(demo_run.fleet.compliant) == set()


def test_the_agent_rules_are_judged_in_both_regions(demo_run: DemoRun) -> None:  # noqa: F811
    results = json.loads((demo_run.day / "findings.json").read_text(encoding="utf-8"))["rule_results"]
    verdicts = {(r["rule_id"], r["region"]): r["status"] for r in results if r["rule_id"].startswith("NHI-AG")}
    assert verdicts[("NHI-AG-001", "us-east-1")] == "PASS" and verdicts[("NHI-AG-001", "eu-west-1")] == "FAIL"
    assert "INCOMPLETE" not in verdicts.values()


def test_the_ai_agents_page_shows_the_fleet_and_the_research_agents_tool_graph(demo_run: DemoRun) -> None:  # noqa: F811
    index = (demo_run.day / "agents.html").read_text(encoding="utf-8")
    for name in ("helpdesk-assistant", "orders-agent", "research-agent", "partner-tools", "orders-gateway"):
        assert name in index
    research = (demo_run.day / "agents" / "123456789012-eu-west-1-runtime-research-agent.html").read_text("utf-8")
    assert "<svg" in research and "NOT APPROVED" in research and "partner-search-key" in research


def _files(*roots: Path) -> list[Path]:
    return [path for root in roots for path in root.rglob("*") if path.is_file()]


def test_no_api_key_or_client_secret_reaches_any_file_log_or_report(demo_run: DemoRun) -> None:  # noqa: F811
    canaries = (PARTNER_API_KEY.encode(), PARTNER_CLIENT_SECRET.encode())
    files = _files(demo_run.out, demo_run.dagster_home)
    assert any(path.name == "agentcore_identities.eu-west-1.json" for path in files)
    leaks = [str(path) for path in files for canary in canaries if canary in path.read_bytes()]
    assert leaks == []
    assert not any(canary.decode() in demo_run.stdout for canary in canaries)
