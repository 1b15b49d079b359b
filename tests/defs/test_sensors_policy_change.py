"""Policy-as-data changes re-evaluate today's stored snapshot; the evaluate-only job never takes a snapshot."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import boto3
import dagster as dg
import pytest
from freezegun import freeze_time
from moto import mock_aws

from assurance_jobs.config import load_config
from assurance_jobs.definitions import assets_for
from assurance_jobs.defs import sensors
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.defs.sensors import SENSOR_JOBS, SENSORS, policy_change_sensor
from assurance_jobs.evaluate.suites import DEFAULT_FOLDER
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import write_snapshot
from assurance_jobs.steps.collect import collect_snapshot

ALL_ASSETS = assets_for(AssuranceSettings())

TODAY = date(2026, 3, 14)
NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sensors, "clock", lambda: NOW)


@pytest.fixture(scope="module")
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture
def suites(tmp_path: Path) -> Path:
    """A private copy of the repository's suites, so a test can edit one."""
    return Path(shutil.copytree(DEFAULT_FOLDER, tmp_path / "expectations"))


@pytest.fixture
def waivers(tmp_path: Path) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text("waivers: []\n")
    return path


@pytest.fixture
def baseline(tmp_path: Path) -> Path:
    folder = tmp_path / "baseline"
    folder.mkdir()
    (folder / "approved.yaml").write_text("identities: []\n")
    return folder


@pytest.fixture
def settings(tmp_path: Path, suites: Path, waivers: Path, baseline: Path) -> AssuranceSettings:
    config = tmp_path / "assurance.yaml"
    config.write_text(
        f"storage_root: {tmp_path / 'data'}\noutput_dir: {tmp_path / 'out'}\n"
        f"expectations_dir: {suites}\nwaivers_file: {waivers}\nbaseline_dir: {baseline}\n"
    )
    return AssuranceSettings(config_path=str(config))


@pytest.fixture
def stored_today(settings: AssuranceSettings) -> None:
    """An (empty) snapshot of today, so there is something to re-evaluate."""
    write_snapshot(storage_for(settings.load().storage_root), TODAY, NOW, [], [], [], duration_seconds=0.0)


def tick(settings: AssuranceSettings, instance: dg.DagsterInstance, cursor: str | None = None) -> dg.SensorResult:
    context = dg.build_sensor_context(cursor=cursor, instance=instance, resources={"settings": settings})
    return policy_change_sensor(context)


def edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n")


def test_first_tick_records_the_digest_without_a_run(
    settings: AssuranceSettings, instance: dg.DagsterInstance, stored_today: None
) -> None:
    result = tick(settings, instance)
    assert not result.run_requests
    assert result.cursor is not None and '"digest"' in result.cursor


def test_unchanged_files_request_nothing(
    settings: AssuranceSettings, instance: dg.DagsterInstance, stored_today: None
) -> None:
    cursor = tick(settings, instance).cursor
    result = tick(settings, instance, cursor)
    assert not result.run_requests
    assert result.cursor == cursor


def test_edited_expectation_file_requests_an_evaluate_only_run_of_today(
    settings: AssuranceSettings, instance: dg.DagsterInstance, suites: Path, stored_today: None
) -> None:
    cursor = tick(settings, instance).cursor
    edit(suites / "rotation.json")
    (request,) = tick(settings, instance, cursor).run_requests or []
    assert request.partition_key == "2026-03-14"
    assert request.run_key is not None and request.run_key.startswith("policy-change-2026-03-14-")
    assert request.tags["assurance/changed-files"] == "expectations/rotation.json"
    assert policy_change_sensor.job_name == "evaluate_only"


def test_edited_waivers_file_requests_a_run(
    settings: AssuranceSettings, instance: dg.DagsterInstance, waivers: Path, stored_today: None
) -> None:
    cursor = tick(settings, instance).cursor
    waivers.write_text("waivers:\n  - rule_id: NHI-ROT-001\n")
    (request,) = tick(settings, instance, cursor).run_requests or []
    assert request.tags["assurance/changed-files"] == "waivers/waivers.yaml"


def test_edited_baseline_file_in_the_configured_folder_requests_a_run(
    settings: AssuranceSettings, instance: dg.DagsterInstance, baseline: Path, stored_today: None
) -> None:
    cursor = tick(settings, instance).cursor
    edit(baseline / "approved.yaml")
    (request,) = tick(settings, instance, cursor).run_requests or []
    assert request.tags["assurance/changed-files"] == "baseline/approved.yaml"


def test_change_is_requested_once(
    settings: AssuranceSettings, instance: dg.DagsterInstance, suites: Path, stored_today: None
) -> None:
    cursor = tick(settings, instance).cursor
    edit(suites / "expiry.json")
    changed = tick(settings, instance, cursor)
    assert not tick(settings, instance, changed.cursor).run_requests


def test_reverting_a_change_is_a_new_change_with_a_new_run_key(
    settings: AssuranceSettings, instance: dg.DagsterInstance, suites: Path, stored_today: None
) -> None:
    original = (suites / "expiry.json").read_text()
    cursor = tick(settings, instance).cursor
    keys = []
    for text in (original + "\n", original, original + "\n"):
        (suites / "expiry.json").write_text(text)
        result = tick(settings, instance, cursor)
        keys.extend(request.run_key for request in result.run_requests or [])
        cursor = result.cursor
    assert len(set(keys)) == 3


def test_change_before_todays_snapshot_waits_for_the_daily_run(
    settings: AssuranceSettings, instance: dg.DagsterInstance, suites: Path
) -> None:
    cursor = tick(settings, instance).cursor
    edit(suites / "rotation.json")
    result = tick(settings, instance, cursor)
    assert not result.run_requests
    assert "no snapshot stored for 2026-03-14" in str(result.skip_reason)
    assert not tick(settings, instance, result.cursor).run_requests


def test_evaluate_only_job_selects_everything_but_the_snapshot() -> None:
    defs = dg.Definitions(assets=ALL_ASSETS, jobs=SENSOR_JOBS, resources={"settings": AssuranceSettings()})
    selected = {key.to_user_string() for key in defs.resolve_job_def("evaluate_only").asset_layer.selected_asset_keys}
    assert "nhi_snapshot" not in selected
    assert {"identities", "credentials", "policies", "collection_status", "findings", "rule_results"} <= selected


def test_change_rerun_job_retakes_the_snapshot() -> None:
    defs = dg.Definitions(assets=ALL_ASSETS, jobs=SENSOR_JOBS, resources={"settings": AssuranceSettings()})
    selected = {key.to_user_string() for key in defs.resolve_job_def("change_rerun").asset_layer.selected_asset_keys}
    assert "nhi_snapshot" in selected


def test_sensors_and_jobs_load_with_the_assets() -> None:
    defs = dg.Definitions(
        assets=ALL_ASSETS, jobs=SENSOR_JOBS, sensors=SENSORS, resources={"settings": AssuranceSettings()}
    )
    dg.Definitions.validate_loadable(defs)
    assert all(sensor.default_status == dg.DefaultSensorStatus.RUNNING for sensor in SENSORS)


def test_evaluate_only_job_re_evaluates_a_past_day_from_its_stored_snapshot(settings: AssuranceSettings) -> None:
    past = date(2026, 2, 1)
    with mock_aws(), freeze_time(datetime(2026, 2, 1, 6, tzinfo=UTC), tick=True):  # the day observed live, then
        boto3.client("iam").create_user(UserName="svc-report")
        collect_snapshot(load_config(settings.config_path), past)
    defs = dg.Definitions(assets=ALL_ASSETS, jobs=SENSOR_JOBS, resources={"settings": settings})
    result = defs.resolve_job_def("evaluate_only").execute_in_process(
        partition_key=past.isoformat(), instance=dg.DagsterInstance.ephemeral()
    )
    materialized = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert result.success
    assert "nhi_snapshot" not in materialized
    assert {"identities", "findings"} <= materialized
