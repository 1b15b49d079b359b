"""`assurance-jobs run` exit codes: 0 complete, 3 evidence incomplete, 1 a step failed (with no stale summary),
and a second run on the same embedded instance refused with one line naming the first."""

from __future__ import annotations

import fcntl
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import yaml
from moto import mock_aws

from assurance_jobs.app.cli import main
from assurance_jobs.app.exit_codes import EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK
from assurance_jobs.app.runner import LOCK_FILE
from assurance_jobs.evaluate.suites import DEFAULT_FOLDER

TRUST = {
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    with mock_aws():
        iam = boto3.client("iam")
        iam.create_user(UserName="svc-deploy", Tags=[{"Key": "owner", "Value": "ops@example.com"}])
        iam.create_access_key(UserName="svc-deploy")
        iam.create_role(RoleName="app-lambda", AssumeRolePolicyDocument=json.dumps(TRUST))
        yield tmp_path


def write_config(folder: Path, **settings: object) -> Path:
    path = folder / "assurance.yaml"
    body = {
        "storage_root": str(folder / "data"),
        "output_dir": str(folder / "out"),
        "accounts": [{"name": "test", "regions": ["us-east-1"]}],
        **settings,
    }
    path.write_text(yaml.safe_dump(body))
    return path


def only_suites(folder: Path, *names: str) -> str:
    """A rules folder with some of the shipped suites (ones that need no baseline, feed or history)."""
    rules = folder / "rules"
    rules.mkdir()
    for name in names:
        shutil.copy(DEFAULT_FOLDER / f"{name}.json", rules / f"{name}.json")
    return str(rules)


def test_a_day_with_every_scope_complete_exits_0(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(workdir, expectations_dir=only_suites(workdir, "rotation", "expiry"))
    assert main(["run", "--config", str(config)]) == EXIT_OK
    assert "evidence     complete" in capsys.readouterr().out


def test_a_day_with_an_incomplete_scope_exits_3(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(workdir, expectations_dir=only_suites(workdir, "offboarding"))  # no directory feed
    assert main(["run", "--config", str(config)]) == EXIT_INCOMPLETE
    assert "1 INCOMPLETE" in capsys.readouterr().out


def test_a_day_whose_probe_rules_reached_no_probe_exits_3(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(workdir, expectations_dir=only_suites(workdir, "rotation", "probes"))  # no probes: section
    assert main(["run", "--config", str(config)]) == EXIT_INCOMPLETE
    out = capsys.readouterr().out
    assert "4 INCOMPLETE" in out
    assert (
        "  not given    no probe targets are configured (a probes: section, docs/probes.md): "
        "NHI-PRB-001, NHI-PRB-002, NHI-PRB-003, NHI-PRB-004 INCOMPLETE"
    ) in out.splitlines()


def test_findings_json_records_a_rule_that_reached_nothing_as_incomplete_with_its_reason(workdir: Path) -> None:
    config = write_config(workdir, expectations_dir=only_suites(workdir, "probes"))
    main(["run", "--config", str(config)])
    (exported,) = (workdir / "out").glob("*/findings.json")
    results = {row["rule_id"]: row for row in json.loads(exported.read_text())["rule_results"]}
    assert results["NHI-PRB-004"]["status"] == "INCOMPLETE"
    assert results["NHI-PRB-004"]["account_id"] == "probe:*"
    assert results["NHI-PRB-004"]["reason"].startswith("no probe targets are configured")


PROBE_RULES_DISABLED = [
    {"rule_id": rule_id, "justification": "no OAuth2 issuer or STS probe target in this estate", "approver": "ciso"}
    for rule_id in ("NHI-PRB-001", "NHI-PRB-002", "NHI-PRB-003", "NHI-PRB-004")
]


def test_probe_rules_disabled_with_a_justification_let_the_day_exit_0_and_are_listed(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = only_suites(workdir, "rotation", "probes")
    config = write_config(workdir, expectations_dir=rules, disabled_rules=PROBE_RULES_DISABLED)
    assert main(["run", "--config", str(config)]) == EXIT_OK
    assert (
        "  disabled     NHI-PRB-001 not evaluated: no OAuth2 issuer or STS probe target in this estate "
        "(approved by ciso)"
    ) in capsys.readouterr().out.splitlines()


def test_disabled_rules_are_absent_from_rule_results_and_listed_in_findings_json_and_the_report(workdir: Path) -> None:
    rules = only_suites(workdir, "rotation", "probes")
    main(["run", "--config", str(write_config(workdir, expectations_dir=rules, disabled_rules=PROBE_RULES_DISABLED))])
    (exported,) = (workdir / "out").glob("*/findings.json")
    body = json.loads(exported.read_text())
    assert not any(row["rule_id"].startswith("NHI-PRB") for row in body["rule_results"])
    assert [entry["rule_id"] for entry in body["disabled_rules"]] == [r["rule_id"] for r in PROBE_RULES_DISABLED]
    summary_page = (exported.parent / "index.html").read_text()
    assert 'id="disabled-rules"' in summary_page and "no OAuth2 issuer or STS probe target" in summary_page


def test_a_disabled_rule_that_no_suite_has_is_a_one_line_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = [{"rule_id": "NHI-PRB-009", "justification": "no such probe in this estate", "approver": "ciso"}]
    config = write_config(workdir, disabled_rules=typo)
    assert main(["run", "--config", str(config)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "disabled_rules.0.rule_id: NHI-PRB-009 is not a rule of the loaded suites" in line


def test_a_failed_step_exits_1_without_a_summary_of_older_results(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(workdir, expectations_dir=only_suites(workdir, "rotation"))
    assert main(["run", "--config", str(config)]) == EXIT_OK
    capsys.readouterr()
    shutil.rmtree(workdir / "out")
    (workdir / "out").write_text("a file where the report folder should be")
    assert main(["run", "--config", str(config), "--evaluate-only"]) == EXIT_FAILED
    captured = capsys.readouterr()
    assert captured.out.strip() == ""  # neither the stored rules of the earlier run nor exports not written
    assert captured.err.strip().splitlines()[-1].startswith("assurance-jobs: run ")
    assert "Traceback" not in captured.err


def test_a_second_run_on_a_busy_embedded_instance_is_refused_naming_the_first(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(workdir, expectations_dir=only_suites(workdir, "rotation"))
    home = workdir / "dagster_home"
    home.mkdir()
    with (home / LOCK_FILE).open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write('{"pid": 4242, "partition": "2026-11-25", "started": "2026-11-25T06:00:00+00:00"}')
        held.flush()
        assert main(["run", "--config", str(config)]) == EXIT_FAILED
    assert capsys.readouterr().err == (
        f"assurance-jobs: another run is using the Dagster instance {home} "
        '({"pid": 4242, "partition": "2026-11-25", "started": "2026-11-25T06:00:00+00:00"}); '
        "wait for it to finish, or use another DAGSTER_HOME\n"
    )
    assert not (workdir / "data").exists()
