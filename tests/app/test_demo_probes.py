"""The demo's runtime probes: NHI-PRB-001 fails on the planted ledger API and passes on the honest orders API."""

from __future__ import annotations

import json

from conftest_demo import DemoRun, demo_run  # noqa: F401


def _probe_results(run: DemoRun) -> dict[tuple[str, str], str]:
    results = json.loads((run.day / "findings.json").read_text(encoding="utf-8"))["rule_results"]
    return {(r["rule_id"], r["account_id"]): r["status"] for r in results if r["account_id"].startswith("probe:")}


def test_expired_token_accepted_by_the_planted_api_fails(demo_run: DemoRun) -> None:  # noqa: F811
    assert _probe_results(demo_run)[("NHI-PRB-001", "probe:ledger-api")] == "FAIL"


def test_expired_token_refused_by_the_honest_api_passes(demo_run: DemoRun) -> None:  # noqa: F811
    assert _probe_results(demo_run)[("NHI-PRB-001", "probe:orders-api")] == "PASS"


def test_orders_token_accepted_by_the_ledger_fails_the_audience_rule(demo_run: DemoRun) -> None:  # noqa: F811
    results = _probe_results(demo_run)
    assert results[("NHI-PRB-003", "probe:orders-api")] == "FAIL"
    assert results[("NHI-PRB-003", "probe:ledger-api")] == "PASS"


def test_probe_page_shows_a_timeline_per_probe(demo_run: DemoRun) -> None:  # noqa: F811
    page = (demo_run.day / "probes.html").read_text(encoding="utf-8")
    assert page.count('<svg class="timeline"') == 2
    assert "Runtime probes</a>" in (demo_run.day / "index.html").read_text(encoding="utf-8")


def test_demo_prints_the_probe_wait(demo_run: DemoRun) -> None:  # noqa: F811
    line = next(line for line in demo_run.stdout.splitlines() if line.strip().startswith("probes:"))
    seconds = float(line.rsplit("(", 1)[1].split(" s)")[0])
    assert seconds < 30
