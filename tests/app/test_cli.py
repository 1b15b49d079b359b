"""The command line: clear failures for bad input, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from assurance_jobs.app.cli import main


def test_bad_configuration_exits_2_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "assurance.yaml"
    config.write_text("accounts:\n  - name: prod\n    regions: [moon-1]\n")
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "field 'accounts.0.regions'" in err
    assert "Traceback" not in err


def test_missing_configuration_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read configuration file" in capsys.readouterr().err


def test_check_config_accepts_the_example_once_the_files_and_profile_it_names_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    example = Path(__file__).resolve().parents[2] / "assurance.example.yaml"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "directory.csv").write_text("email,status,termination_date\nteam@example.com,active,\n")
    (tmp_path / "aws-config").write_text("[profile sandbox-audit]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    assert main(["check-config", str(example)]) == 0
    assert "configuration is valid" in capsys.readouterr().out


def test_check_config_lists_every_problem_of_the_example_as_is_a_missing_profile_hiding_no_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    example = Path(__file__).resolve().parents[2] / "assurance.example.yaml"
    monkeypatch.chdir(tmp_path)
    assert main(["check-config", str(example)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"assurance-jobs: {example}: field 'accounts.1.profile': no profile 'sandbox-audit' in ~/.aws/config "
        "(run `aws configure sso` or fix the name)",
        "assurance-jobs: directory.csv: directory_feed.path: no such file; fix the path or remove the setting",
    ]


def test_check_config_suggests_the_field_a_misspelled_one_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "assurance.yaml"
    config.write_text("acounts:\n  - name: prod\nstorage_root: ./data\n")
    assert main(["check-config", str(config)]) == 2
    assert capsys.readouterr().err == f"assurance-jobs: {config}: field 'acounts': did you mean 'accounts'?\n"


def test_check_config_suggests_fields_inside_nested_sections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "assurance.yaml"
    config.write_text("accounts:\n  - name: prod\n    regoins: [us-east-1]\nfinding_sla_days:\n  hihg: 14\n")
    assert main(["check-config", str(config)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"assurance-jobs: {config}: field 'accounts.0.regoins': did you mean 'regions'?",
        f"assurance-jobs: {config}: field 'finding_sla_days.hihg': did you mean 'high'?",
    ]


def test_check_config_names_an_unusable_signing_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "not-a-key.pem"
    key.write_text("hello\n")
    config = tmp_path / "assurance.yaml"
    config.write_text(f"signing_key: {key}\n")
    assert main(["check-config", str(config)]) == 2
    assert capsys.readouterr().err.startswith(f"assurance-jobs: {key}: signing_key: not an unencrypted PEM private key")


def test_malformed_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--date", "25/11/2026"])
    assert exit_info.value.code == 2
    assert "not a date" in capsys.readouterr().err
