"""An account whose role cannot be assumed is missing evidence: every rule reads INCOMPLETE for it, never PASS."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from assurance_jobs.collect import plan
from assurance_jobs.config import parse_config
from assurance_jobs.steps.collect import collect_snapshot, load_partition_snapshot
from assurance_jobs.steps.evaluate import evaluate_partition
from assurance_jobs.steps.inventory import build_partition_inventory, store_inventory


def _denied(*_: object, **__: object) -> None:
    raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized to assume"}}, "AssumeRole")


def test_unassumable_role_is_recorded_and_every_rule_is_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = parse_config(
        {
            "storage_root": str(tmp_path / "data"),
            "output_dir": str(tmp_path / "out"),
            "accounts": [{"name": "prod", "role_arn": "arn:aws:iam::210987654321:role/AssuranceReadOnly"}],
        }
    )
    monkeypatch.setattr(plan, "session_for", _denied)
    today = datetime.now(UTC).date()
    manifest = collect_snapshot(config, today)
    (status,) = manifest.collection_status
    assert (status.account_id, status.api, status.status, status.error_code) == (
        "unreachable:prod",
        "sts:AssumeRole",
        "error",
        "AccessDenied",
    )
    built = build_partition_inventory(config, load_partition_snapshot(config, today))
    store_inventory(config, today, built.inventory, manifest)
    results = evaluate_partition(config, today).evaluation.rule_results
    prod = results[results["account_id"] == "unreachable:prod"]
    assert len(prod) == prod["rule_id"].nunique() > 20
    assert set(prod["status"]) == {"INCOMPLETE"}
