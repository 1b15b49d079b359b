"""An NHI-PRB-001 finding's severity follows how long after expiry the token still worked, by the ladder kept in
the suite (expectations/probes.json), not in code: refused soon after the leeway is high, accepted five minutes
or more after expiry — or still accepted when the probe stopped looking — is critical."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from probe_fixtures import judge

from assurance_jobs.evaluate.probes import evaluate_probes, ladder_severities
from assurance_jobs.evaluate.suites import DEFAULT_FOLDER, SuiteError, load_suites
from assurance_jobs.probes.record import ProbeEvent, ProbeRecord
from assurance_jobs.scan.probe_table import probe_table

AT = "2026-11-25T06:30:00.000+00:00"


def record(target: str, *replays: tuple[str, float], leeway: float = 60.0) -> ProbeRecord:
    """A probe whose expiry replays (outcome, seconds after expiry) are given."""
    return ProbeRecord(
        target=target,
        kind="oauth2",
        principal="svc",
        resource=f"https://{target}.example.com/",
        started_at=AT,
        leeway_seconds=leeway,
        stated_lifetime_seconds=900.0,
        max_lifetime_seconds=3600.0,
        events=[replay(outcome, after) for outcome, after in replays],
    )


def replay(outcome: str, after: float) -> ProbeEvent:
    status = 200 if outcome == "accepted" else 401
    return ProbeEvent("expired_replay", AT, 900 + after, outcome, status, None, None, after)  # type: ignore[arg-type]


RECORDS = {
    "within-leeway": record("within-leeway", ("accepted", 5), ("rejected", 65)),
    "briefly-beyond": record("briefly-beyond", ("accepted", 5), ("accepted", 65), ("rejected", 365)),
    "long-beyond": record("long-beyond", ("accepted", 5), ("accepted", 65), ("accepted", 365), ("rejected", 900)),
    "never-stopped": record("never-stopped", ("accepted", 5), ("accepted", 65), ("accepted", 365)),
    "not-looked-long": record("not-looked-long", ("accepted", 5), ("accepted", 65)),
}


def test_acceptance_within_the_leeway_is_no_finding() -> None:
    verdicts, severities = judge(RECORDS)
    assert verdicts[("NHI-PRB-001", "within-leeway")] == "PASS"
    assert ("NHI-PRB-001", "within-leeway") not in severities


def test_refused_soon_after_the_leeway_is_high() -> None:
    assert judge(RECORDS)[1][("NHI-PRB-001", "briefly-beyond")] == "high"


def test_accepted_five_minutes_after_expiry_is_critical() -> None:
    assert judge(RECORDS)[1][("NHI-PRB-001", "long-beyond")] == "critical"


def test_still_accepted_at_the_last_replay_is_critical() -> None:
    assert judge(RECORDS)[1][("NHI-PRB-001", "never-stopped")] == "critical"


def test_still_accepted_is_critical_however_briefly_the_probe_looked() -> None:
    assert judge(RECORDS)[1][("NHI-PRB-001", "not-looked-long")] == "critical"


def test_the_rule_result_carries_the_same_severity_as_the_finding() -> None:
    table = probe_table([(r, f"{r.target}/token_probes.json", "0" * 64) for r in RECORDS.values()], [], "run")
    results = evaluate_probes(table, load_suites(), probe_run_id="run", partition_date="2026-11-25").rule_results
    row = results[(results["rule_id"] == "NHI-PRB-001") & (results["account_id"] == "probe:briefly-beyond")]
    assert row["severity"].tolist() == ["high"]


def test_the_thresholds_are_read_from_the_suite(tmp_path: Path) -> None:
    folder = tmp_path / "expectations"
    shutil.copytree(DEFAULT_FOLDER, folder)
    suite = json.loads((folder / "probes.json").read_text())
    suite["expectations"][0]["meta"]["severity_ladder"]["steps"][1]["at_least_seconds"] = 60
    (folder / "probes.json").write_text(json.dumps(suite))
    (rule,) = [r for s in load_suites(folder) for r in s.rules if r.rule_id == "NHI-PRB-001"]
    table = probe_table([(RECORDS["briefly-beyond"], "f", "0" * 64)], [], "run")
    assert ladder_severities(rule, table) == ["critical"]


def test_a_malformed_ladder_is_a_suite_error_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "expectations"
    shutil.copytree(DEFAULT_FOLDER, folder)
    suite = json.loads((folder / "probes.json").read_text())
    suite["expectations"][0]["meta"]["severity_ladder"]["steps"] = [{"at_least_seconds": 0, "severity": "severe"}]
    (folder / "probes.json").write_text(json.dumps(suite))
    (rule,) = [r for s in load_suites(folder) for r in s.rules if r.rule_id == "NHI-PRB-001"]
    table = probe_table([(RECORDS["briefly-beyond"], "f", "0" * 64)], [], "run")
    with pytest.raises(SuiteError, match=r"probes\.json: NHI-PRB-001: meta\.severity_ladder step"):
        ladder_severities(rule, table)
