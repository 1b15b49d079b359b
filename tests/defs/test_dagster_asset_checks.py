"""Asset checks are declared from the configured `expectations_dir`, not from the repository's suites."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from assurance_jobs.assets import EXPECTATIONS, asset_folder
from assurance_jobs.definitions import assets_for
from assurance_jobs.defs.evaluation import check_name
from assurance_jobs.defs.resources import AssuranceSettings


def _check_names(settings: AssuranceSettings) -> set[str]:
    evaluation = next(asset for asset in assets_for(settings) if asset.node_def.name == "evaluation")
    return {spec.name for spec in evaluation.check_specs}


def test_a_configured_expectations_dir_declares_exactly_its_rules_as_checks(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    shutil.copy(asset_folder(EXPECTATIONS) / "drift.json", suites / "drift.json")
    config = tmp_path / "assurance.yaml"
    config.write_text(yaml.safe_dump({"expectations_dir": str(suites)}), encoding="utf-8")
    assert _check_names(AssuranceSettings(config_path=str(config))) == {
        check_name("NHI-DRIFT-001"),
        check_name("NHI-DRIFT-002"),
    }


def test_without_a_configured_dir_the_packaged_suites_declare_the_checks() -> None:
    assert check_name("NHI-ROT-001") in _check_names(AssuranceSettings())


def test_an_unusable_suite_folder_declares_no_checks_and_leaves_the_error_to_the_run(tmp_path: Path) -> None:
    config = tmp_path / "assurance.yaml"
    config.write_text(yaml.safe_dump({"expectations_dir": str(tmp_path / "no-suites")}), encoding="utf-8")
    assert _check_names(AssuranceSettings(config_path=str(config))) == set()
