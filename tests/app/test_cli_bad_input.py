"""Bad input: one line naming the file, the field or line and the fix, exit 2, never a traceback — and before any
AWS call (nothing is collected or stored when an input is broken)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from assurance_jobs.app.cli import main
from assurance_jobs.app.exit_codes import EXIT_USAGE

FEED_HEADER = "email,status,termination_date\n"
WAIVER = {
    "rule_id": "NHI-ROT-001",
    "resource": "arn:aws:iam::123456789012:user/svc-*",
    "justification": "vendor cannot rotate (RISK-1)",
    "approver": "ciso@example.com",
    "expires": "2027-01-31",
}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return tmp_path


def write_config(folder: Path, **settings: object) -> Path:
    path = folder / "assurance.yaml"
    body = {"storage_root": str(folder / "data"), "output_dir": str(folder / "out"), **settings}
    path.write_text(yaml.safe_dump(body))
    return path


def run_line(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """The exit code and the one line printed to stderr (asserting it is one line and no traceback)."""
    code = main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return code, lines[0]


def feed(folder: Path, content: bytes | None) -> dict[str, object]:
    path = folder / "people.csv"
    if content is not None:
        path.write_bytes(content)
    return {"directory_feed": {"path": str(path)}}


def waivers(folder: Path, text: str) -> dict[str, object]:
    path = folder / "waivers.yaml"
    path.write_text(text)
    return {"waivers_file": str(path)}


# ------------------------------------------------------------------------------------------ configuration


def test_a_config_that_is_not_utf8_is_one_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = workdir / "assurance.yaml"
    config.write_bytes("storage_root: ./donn\xe9es\n".encode("latin-1"))
    assert run_line(capsys, "run", "--config", str(config)) == (
        EXIT_USAGE,
        f"assurance-jobs: {config}: cannot read configuration file: not UTF-8 (byte at offset 20); "
        "save the file as UTF-8",
    )


# ------------------------------------------------------------------------------------------ HR feed

FEEDS: dict[str, tuple[bytes | None, str]] = {
    "missing": (None, "{p}: directory_feed.path: no such file; fix the path or remove the setting"),
    "utf16": (FEED_HEADER.encode("utf-16"), "{p}: the file is UTF-16; export the feed as UTF-8"),
    "latin1": (
        (FEED_HEADER + "ren\xe9@example.com,active,\n").encode("latin-1"),
        "{p}: not UTF-8 (byte 0xe9 at offset 33, e.g. Latin-1); export the feed as UTF-8",
    ),
    "empty": (
        b"",
        "{p}: directory feed is empty; expected a header row with the columns email,status,termination_date",
    ),
    "misnamed_column": (
        b"mail,status,termination_date\nbot@example.com,active,\n",
        "{p}: directory feed has no column 'email' (directory_feed.email_column); columns found: mail, status, "
        "termination_date; rename the column in the export or change that setting",
    ),
    "missing_column": (
        b"email,status\nbot@example.com,active\n",
        "{p}: directory feed has no column 'termination_date' (directory_feed.termination_date_column); columns "
        "found: email, status; rename the column in the export or change that setting",
    ),
}


@pytest.mark.parametrize("case", FEEDS)
def test_a_bad_directory_feed_stops_the_run_with_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    content, message = FEEDS[case]
    config = write_config(workdir, **feed(workdir, content))
    code, line = run_line(capsys, "run", "--config", str(config))
    assert (code, line) == (EXIT_USAGE, "assurance-jobs: " + message.format(p=workdir / "people.csv"))
    assert not (workdir / "data").exists()  # refused before any AWS call: nothing collected or stored


def test_a_directory_feed_that_is_a_folder_is_one_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "people.csv").mkdir()
    config = write_config(workdir, **feed(workdir, None))
    assert run_line(capsys, "check-config", str(config)) == (
        EXIT_USAGE,
        f"assurance-jobs: {workdir / 'people.csv'}: directory_feed.path: is a folder; point it at the CSV file",
    )


def test_feed_warnings_are_shown_by_check_config(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = FEED_HEADER + "a@example.com,active,\na@example.com,active,\nb@example.com,departed,last week\n"
    config = write_config(workdir, **feed(workdir, rows.encode()))
    assert main(["check-config", str(config)]) == 0
    err = capsys.readouterr().err.splitlines()
    path = workdir / "people.csv"
    assert err == [
        f"assurance-jobs: warning: {path}: directory feed line 3: a@example.com listed again; the later row wins",
        f"assurance-jobs: warning: {path}: directory feed line 4: unreadable termination date 'last week'",
    ]


# ------------------------------------------------------------------------------------------ waivers

WAIVER_CASES: dict[str, tuple[str, str]] = {
    "malformed": ("- rule_id: [unclosed\n", "{p}: not valid YAML at line 2, column 1"),
    "unknown_rule": (
        yaml.safe_dump([{**WAIVER, "rule_id": "NHI-ROT-999"}]),
        "{p}: waiver #0: field 'rule_id': no rule 'NHI-ROT-999' is defined",
    ),
    "missing_approver": (
        yaml.safe_dump([{k: v for k, v in WAIVER.items() if k != "approver"}]),
        "{p}: waiver #0: field 'approver': Field required",
    ),
    "datetime_expiry": (
        yaml.safe_dump([WAIVER]).replace("'2027-01-31'", "2027-01-31T12:00:00"),
        "{p}: waiver #0: field 'expires': must be a date written as YYYY-MM-DD",
    ),
}


@pytest.mark.parametrize("case", WAIVER_CASES)
def test_a_bad_waiver_file_stops_the_run_before_collection(
    workdir: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    text, message = WAIVER_CASES[case]
    config = write_config(workdir, **waivers(workdir, text))
    code, line = run_line(capsys, "run", "--config", str(config))
    assert (code, line) == (EXIT_USAGE, "assurance-jobs: " + message.format(p=workdir / "waivers.yaml"))
    assert not (workdir / "data").exists()


# ------------------------------------------------------------------------------------------ other inputs

MISSING_INPUTS: dict[str, tuple[Callable[[Path], dict[str, object]], str]] = {
    "baseline_dir": (
        lambda d: {"baseline_dir": str(d / "baseline")},
        "{d}/baseline: baseline_dir: no such folder; fix the path or remove the setting",
    ),
    "empty_baseline_dir": (
        lambda d: (d / "empty").mkdir() or {"baseline_dir": str(d / "empty")},
        "{d}/empty: baseline_dir: no baseline files (*.yaml, *.yml; *.example.* are skipped)",
    ),
    "expectations_dir": (
        lambda d: {"expectations_dir": str(d / "rules")},
        "{d}/rules: expectations_dir: no such folder; fix the path or remove the setting",
    ),
    "waivers_file": (
        lambda d: {"waivers_file": str(d / "waivers.yaml")},
        "{d}/waivers.yaml: waivers_file: no such file; fix the path or remove the setting",
    ),
}


@pytest.mark.parametrize("case", MISSING_INPUTS)
def test_a_configured_input_that_does_not_exist_is_an_error_not_an_empty_input(
    workdir: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    settings, message = MISSING_INPUTS[case]
    config = write_config(workdir, **settings(workdir))
    for command in (["run", "--config", str(config)], ["check-config", str(config)]):
        assert run_line(capsys, *command) == (EXIT_USAGE, "assurance-jobs: " + message.format(d=workdir))


def test_an_unreadable_agent_registry_is_a_warning_because_its_rules_read_incomplete(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(workdir, agent_registry=str(workdir / "agents.yaml"))
    assert main(["check-config", str(config)]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"assurance-jobs: warning: {workdir / 'agents.yaml'}: agent_registry: cannot read (No such file or "
        "directory); the agent rules will read INCOMPLETE"
    ]


# ------------------------------------------------------------------------------------------ check-config

CHECKS: dict[str, tuple[dict[str, object], str]] = {
    "cron": ({"schedule": {"cron": "every day"}}, "field 'schedule.cron': 'every day' is not a cron expression"),
    "timezone": (
        {"schedule": {"timezone": "Mars/Olympus"}},
        "field 'schedule.timezone': unknown time zone 'Mars/Olympus' (e.g. Europe/Paris)",
    ),
    "external_id_without_role": (
        {"accounts": [{"name": "prod", "external_id": "x"}]},
        "field 'accounts.0.external_id': set role_arn too, or remove it",
    ),
    "unknown_profile": (
        {"accounts": [{"name": "prod", "profile": "nope"}]},
        "field 'accounts.0.profile': no profile 'nope' in ~/.aws/config (run `aws configure sso` or fix the name)",
    ),
}


@pytest.mark.parametrize("case", CHECKS)
def test_check_config_rejects_what_a_run_would_reject(
    workdir: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    settings, message = CHECKS[case]
    config = write_config(workdir, **settings)
    assert run_line(capsys, "check-config", str(config)) == (EXIT_USAGE, f"assurance-jobs: {config}: {message}")


def test_check_config_lists_a_bad_cron_and_a_bad_time_zone_together(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(workdir, schedule={"cron": "every day", "timezone": "Mars/Olympus"})
    assert main(["check-config", str(config)]) == EXIT_USAGE
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split(": field ")[1].split("'")[1] for line in lines] == ["schedule.cron", "schedule.timezone"]


# ------------------------------------------------------------------------------------------ dates, credentials


def test_a_date_before_the_first_partition_is_one_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(workdir, partition_start="2026-06-01")
    assert run_line(capsys, "run", "--config", str(config), "--date", "2026-05-31") == (
        EXIT_USAGE,
        "assurance-jobs: --date 2026-05-31: is before the first partition 2026-06-01 (set partition_start in the "
        "configuration to go further back)",
    )


def test_a_date_in_the_future_is_one_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(workdir)
    code, line = run_line(capsys, "run", "--config", str(config), "--date", "2999-01-01")
    assert code == EXIT_USAGE and line.startswith("assurance-jobs: --date 2999-01-01: is in the future; today (UTC)")


def test_evaluate_only_for_a_day_without_a_snapshot_is_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(workdir)
    assert run_line(capsys, "run", "--config", str(config), "--date", "2026-03-01", "--evaluate-only") == (
        EXIT_USAGE,
        f"assurance-jobs: --date 2026-03-01: no snapshot is stored for that day under {workdir / 'data'} (no day is "
        "stored yet); a past day cannot be collected",
    )


def test_no_aws_credentials_at_all_is_one_line_with_the_fix(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    config = write_config(workdir, accounts=[{"name": "prod"}])
    assert run_line(capsys, "run", "--config", str(config)) == (
        EXIT_USAGE,
        "assurance-jobs: account 'prod': no AWS credentials found; set AWS_PROFILE or the account's `profile:` (for "
        "SSO, run `aws sso login --profile <name>` first), export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
        "set AWS_ENDPOINT_URL to an emulator",
    )


def test_check_config_lists_every_problem_one_line_each(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(workdir, storage_rot="x", ouput_dir="y")
    assert main(["check-config", str(config)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"assurance-jobs: {config}: field 'ouput_dir': did you mean 'output_dir'?",
        f"assurance-jobs: {config}: field 'storage_rot': did you mean 'storage_root'?",
    ]
    assert "more problem" not in err and "Traceback" not in err


def test_run_still_reports_one_line_counting_the_other_problems(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(workdir, storage_rot="x", ouput_dir="y")
    assert run_line(capsys, "run", "--config", str(config)) == (
        EXIT_USAGE,
        f"assurance-jobs: {config}: field 'ouput_dir': did you mean 'output_dir'? (and 1 more problem)",
    )


def test_verify_of_an_empty_store_is_one_line_not_a_clean_verification(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, line = run_line(capsys, "verify", "--config", str(write_config(workdir)))
    assert code == EXIT_USAGE
    assert "holds no stored day to verify" in line


def test_verify_of_a_day_never_stored_is_one_line_naming_the_day(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, line = run_line(capsys, "verify", "--config", str(write_config(workdir)), "--date", "2026-11-01")
    assert code == EXIT_USAGE
    assert "verify --date 2026-11-01: nothing is stored for that day" in line


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["run", "--date", "2026-13-01"], "argument --date: not a date (YYYY-MM-DD): '2026-13-01'"),
        (["bogus"], "invalid choice: 'bogus'"),
        (["baseline", "propose", "--days", "many"], "argument --days: invalid int value: 'many'"),
    ],
)
def test_a_command_line_mistake_is_one_line_naming_the_argument(
    capsys: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == EXIT_USAGE
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and "--help" in lines[0]
