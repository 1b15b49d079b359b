"""The directory feed and the baseline files are evidence: stored with the partition with their sha256 and cited
on the findings that rest on them (NHI-OFF-004, NHI-BL-*); a feed lost before collection is INCOMPLETE."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pandas as pd
import pytest
import yaml
from moto import mock_aws

from assurance_jobs.app.summary import print_summary
from assurance_jobs.config import AssuranceConfig, parse_config
from assurance_jobs.snapshot.model import Manifest
from assurance_jobs.steps.collect import collect_snapshot, load_partition_snapshot
from assurance_jobs.steps.evaluate import evaluate_partition
from assurance_jobs.steps.inventory import build_partition_inventory, store_inventory
from assurance_jobs.steps.publish import publish_partition
from assurance_jobs.steps.tables import inventory_source

FEED = b"email,status,termination_date\nleaver@example.com,terminated,2026-01-31\nleaver@example.com,terminated,soon\n"
BASELINE = {"identities": [{"name": "batch", "arn": "arn:aws:iam::*:role/batch", "approved_actions": ["s3:GetObject"]}]}
TRUST = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class Day:
    root: Path
    config: AssuranceConfig
    manifest: Manifest
    findings: pd.DataFrame
    results: pd.DataFrame
    source: dict


def _run_day(root: Path, *, delete_feed_before_collection: bool = False) -> Day:
    (root / "people.csv").write_bytes(FEED)
    (root / "baseline").mkdir()
    (root / "baseline" / "approved.yaml").write_text(yaml.safe_dump(BASELINE))
    config = parse_config(
        {
            "storage_root": str(root / "data"),
            "output_dir": str(root / "out"),
            "directory_feed": {"path": str(root / "people.csv"), "active_values": ["active"]},
            "baseline_dir": str(root / "baseline"),
        }
    )
    if delete_feed_before_collection:
        (root / "people.csv").unlink()
    today = datetime.now(UTC).date()
    manifest = collect_snapshot(config, today)
    (root / "people.csv").write_bytes(FEED.replace(b"terminated", b"active"))  # edited after the snapshot
    built = build_partition_inventory(config, load_partition_snapshot(config, today))
    store_inventory(config, today, built.inventory, manifest, built.previous_date)
    evaluation = evaluate_partition(config, today).evaluation
    source = inventory_source(config, today)
    publish_partition(config, today, run_id=None)
    return Day(root, config, manifest, evaluation.findings, evaluation.rule_results, source)


@pytest.fixture(scope="module")
def estate() -> Iterator[None]:
    with mock_aws():
        iam = boto3.client("iam")
        iam.create_role(
            RoleName="batch",
            AssumeRolePolicyDocument=json.dumps(TRUST),
            Tags=[{"Key": "owner", "Value": "leaver@example.com"}],
        )
        iam.put_role_policy(RoleName="batch", PolicyName="admin", PolicyDocument=json.dumps(ADMIN))
        yield


@pytest.fixture(scope="module")
def day(estate: None, tmp_path_factory: pytest.TempPathFactory) -> Day:
    return _run_day(tmp_path_factory.mktemp("inputs"))


def _finding(day: Day, rule_id: str) -> dict:
    (row,) = day.findings[day.findings["rule_id"] == rule_id].to_dict("records")
    return row


def test_the_directory_feed_is_snapshotted_byte_for_byte_with_its_sha256(day: Day) -> None:
    (entry,) = [f for f in day.manifest.files if f.source == "directory_feed"]
    assert entry.path.endswith("/directory_feed.csv") and entry.sha256 == hashlib.sha256(FEED).hexdigest()
    assert {s.status for s in day.manifest.collection_status if s.source == "directory_feed"} == {"ok"}


def test_owner_departure_is_judged_on_the_snapshotted_feed_not_the_file_edited_later(day: Day) -> None:
    assert _finding(day, "NHI-OFF-004")["observed"] == "departed"


def test_the_owner_departure_finding_cites_the_snapshotted_feed(day: Day) -> None:
    (entry,) = [f for f in day.manifest.files if f.source == "directory_feed"]
    cited = _finding(day, "NHI-OFF-004")["input_files"]
    assert (
        cited
        == f"snapshots/{day.manifest.partition_date}/{day.manifest.snapshot_id}/{entry.path} sha256:{entry.sha256}"
    )


def test_baseline_files_are_copied_into_the_partition_and_cited_on_baseline_findings(day: Day) -> None:
    (copy,) = day.source["inputs"]["baseline"]
    content = (day.root / "baseline" / "approved.yaml").read_bytes()
    assert not Path(copy["path"]).is_absolute()  # a key of the store: the same wherever the store is mounted
    assert (Path(day.config.storage_root) / copy["path"]).read_bytes() == content
    assert copy["sha256"] == hashlib.sha256(content).hexdigest()
    assert _finding(day, "NHI-BL-001")["input_files"] == f"{copy['path']} sha256:{copy['sha256']}"


def test_findings_of_rules_that_use_no_configured_input_cite_none(day: Day) -> None:
    assert _finding(day, "NHI-LP-001")["input_files"] is None


def test_a_feed_lost_before_collection_makes_owner_departure_incomplete(estate: None, tmp_path: Path) -> None:
    lost = _run_day(tmp_path, delete_feed_before_collection=True)
    (status,) = [s for s in lost.manifest.collection_status if s.source == "directory_feed"]
    assert (status.status, status.error_code) == ("error", "DirectoryFeedUnreadable")
    (row,) = lost.results[lost.results["rule_id"] == "NHI-OFF-004"].to_dict("records")
    assert (row["status"], row["missing_sources"]) == ("INCOMPLETE", "directory_feed")


def _feed_warnings(day: Day) -> list[str]:
    (entry,) = [f for f in day.manifest.files if f.source == "directory_feed"]
    return [
        f"{entry.path}: directory feed line 3: unreadable termination date 'soon'",
        f"{entry.path}: directory feed line 3: leaver@example.com listed again; the later row wins",
    ]


def test_input_warnings_are_stored_with_the_partition(day: Day) -> None:
    assert day.source["warnings"][:2] == _feed_warnings(day)


def test_input_warnings_are_shown_in_the_run_summary(day: Day) -> None:
    out = io.StringIO()
    print_summary(day.config, datetime.now(UTC).date(), "run", out)
    assert [line.strip().removeprefix("warning").strip() for line in out.getvalue().splitlines() if "warning " in line][
        :2
    ] == _feed_warnings(day)


def test_input_warnings_are_shown_in_the_report(day: Day) -> None:
    page = (day.root / "out" / datetime.now(UTC).date().isoformat() / "evidence.html").read_text()
    assert "Warnings about inputs" in page
    assert all(warning.replace("'", "&#39;") in page for warning in _feed_warnings(day))
