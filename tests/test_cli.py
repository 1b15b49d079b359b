"""The command line: clear failures for bad input, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from assurance_jobs.cli import main


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


def test_check_config_accepts_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).resolve().parent.parent / "assurance.example.yaml"
    assert main(["check-config", str(example)]) == 0
    assert "configuration is valid" in capsys.readouterr().out


def test_malformed_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--date", "25/11/2026"])
    assert exit_info.value.code == 2
    assert "not a date" in capsys.readouterr().err
