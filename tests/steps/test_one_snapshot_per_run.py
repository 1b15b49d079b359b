"""A run's findings, provenance.json and the inventory's source_snapshot.json name the snapshot that run took,
even when another run commits a later snapshot of the same day while this one is still going."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import boto3
import dagster as dg
import pytest
import yaml
from moto import mock_aws

from assurance_jobs.app.runner import RunRequestOptions, materialize_partition
from assurance_jobs.defs import snapshot as snapshot_defs
from assurance_jobs.evaluate.suites import DEFAULT_FOLDER
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import list_snapshots
from assurance_jobs.steps.collect import collect_snapshot, utc_today


def test_a_snapshot_committed_by_another_run_meanwhile_is_not_mixed_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(DEFAULT_FOLDER / "rotation.json", rules / "rotation.json")
    config_path = tmp_path / "assurance.yaml"
    config_path.write_text(
        yaml.safe_dump(
            {
                "storage_root": str(tmp_path / "data"),
                "output_dir": str(tmp_path / "out"),
                "expectations_dir": str(rules),
            }
        )
    )
    taken: list[str] = []

    commit_ours = snapshot_defs.commit_day

    def commit_then_another_run_commits(config, day, results):  # type: ignore[no-untyped-def]
        ours = commit_ours(config, day, results)
        collect_snapshot(config, day.partition_date)  # the other run's
        taken.append(ours.manifest.snapshot_id)
        return ours

    monkeypatch.setattr(snapshot_defs, "commit_day", commit_then_another_run_commits)
    with mock_aws():
        boto3.client("iam").create_user(UserName="svc-deploy")
        run = materialize_partition(
            RunRequestOptions(config_path=str(config_path)), instance=dg.DagsterInstance.ephemeral()
        )
    assert run.success, run.errors
    day = run.partition_key
    ours = taken[0]
    assert list_snapshots(storage_for(str(tmp_path / "data")), utc_today())[-1] != ours  # a later one exists
    source = json.loads((tmp_path / "data" / "inventory" / day / "source_snapshot.json").read_text())
    provenance = json.loads((tmp_path / "out" / day / "provenance.json").read_text())
    findings = json.loads((tmp_path / "out" / day / "findings.json").read_text())["findings"]
    assert source["snapshot_id"] == provenance["snapshot_id"] == ours
    assert {row["snapshot_id"] for row in findings} <= {ours}
