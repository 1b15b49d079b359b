"""`assurance-jobs probe` prints each target's verdicts and exits as `run` does: 0 when every probe rule was
judged, 3 when one is INCOMPLETE, 1 when the run failed, 2 for a configuration error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from probe_fixtures import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, oauth2_target

from assurance_jobs.app.cli import main
from assurance_jobs.app.runner import PartitionRun
from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running

UNTESTED = [
    {"rule_id": rule, "justification": "no second resource server nor revocation here", "approver": "ciso"}
    for rule in ("NHI-PRB-003", "NHI-PRB-004")
]


def _probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, **extra: object) -> tuple[int, str]:
    """Run the command against an honest and a planted resource of a local issuer; its exit code and stdout."""
    issuer = LocalIssuer(lifetime_seconds=2, clients={CLIENT_ID: CLIENT_SECRET})
    honest, planted = ResourceServer(issuer, "orders-api"), ResourceServer(issuer, "ledger-api", verify_exp=False)
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    with running(issuer, honest, planted):
        probes = {
            "expiry_margin_seconds": 0.5,
            "late_replay_seconds": 0.5,
            "oauth2": [
                oauth2_target("orders", issuer.token_endpoint, honest.url, audience="orders-api"),
                oauth2_target("ledger", issuer.token_endpoint, planted.url, audience="ledger-api"),
            ],
        }
        config = tmp_path / "assurance.yaml"
        config.write_text(json.dumps({"storage_root": str(tmp_path / "data"), "probes": probes, **extra}))
        code = main(["probe", "--config", str(config)])
    return code, capsys.readouterr().out


def _line(output: str, target: str) -> str:
    return next(line for line in output.splitlines() if line.split() and line.split()[0] == target)


def test_verdicts_are_printed_per_target_and_an_untested_rule_exits_3(tmp_path, monkeypatch, capsys) -> None:
    code, output = _probe(tmp_path, monkeypatch, capsys)
    assert "NHI-PRB-001 FAIL (critical)" in _line(output, "ledger")
    assert "NHI-PRB-001 PASS" in _line(output, "orders")
    untested = [line.split(maxsplit=2)[2] for line in output.splitlines() if line.strip().startswith("(no target)")]
    assert any(line.startswith("NHI-PRB-004 INCOMPLETE: no probe target enables a revocation") for line in untested)
    assert code == 3


def test_every_probe_rule_judged_exits_0(tmp_path, monkeypatch, capsys) -> None:
    code, output = _probe(tmp_path, monkeypatch, capsys, disabled_rules=UNTESTED)
    assert "INCOMPLETE" not in output
    assert code == 0


def test_a_failed_probe_run_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    failed = PartitionRun(False, "run-1", "2026-11-25", None, ["probe_results: boom"])  # type: ignore[arg-type]
    monkeypatch.setattr("assurance_jobs.app.runner.materialize_probes", lambda options: failed)
    config = tmp_path / "assurance.yaml"
    target = oauth2_target("orders", "http://127.0.0.1:9/token", "http://127.0.0.1:9/")
    config.write_text(json.dumps({"storage_root": str(tmp_path / "data"), "probes": {"oauth2": [target]}}))
    assert main(["probe", "--config", str(config)]) == 1
    assert "probe run run-1 failed" in capsys.readouterr().err


def test_a_bad_probe_target_is_one_line_and_exits_2(tmp_path: Path, capsys) -> None:
    config = tmp_path / "assurance.yaml"
    target = {**oauth2_target("orders", "http://127.0.0.1:9/token", "http://127.0.0.1:9/"), "leeway_seconds": -5}
    config.write_text(json.dumps({"storage_root": str(tmp_path / "data"), "probes": {"oauth2": [target]}}))
    assert main(["probe", "--config", str(config)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "probes.oauth2.0.leeway_seconds" in error
