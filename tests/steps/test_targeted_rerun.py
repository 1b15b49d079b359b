"""A change in one account re-collects only that account; the others are carried over from the day's stored
snapshot, byte for byte, and the new manifest says where each carried account came from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
from moto import mock_aws
from org_fixtures import Organization, build_organization, member_session, organization_config

from assurance_jobs.config import AssuranceConfig, parse_config
from assurance_jobs.definitions import partitions_for
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.defs.sensors import rerun_request
from assurance_jobs.defs.snapshot import ACCOUNT_TAG, snapshot_asset
from assurance_jobs.events import Burst
from assurance_jobs.snapshot.model import Manifest
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import read_snapshot
from assurance_jobs.steps.collect import collect_snapshot

nhi_snapshot = snapshot_asset(partitions_for(AssuranceSettings()))

TODAY = datetime.now(UTC).date()


@dataclass(frozen=True)
class Day:
    org: Organization
    config: AssuranceConfig
    config_file: Path
    first: Manifest


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day]:
    """The organization collected once today, then changed in two accounts (ledger and payments). Shared by the
    module (collection is the slow part); every rerun below targets ledger, except the last test's."""
    tmp_path = tmp_path_factory.mktemp("rerun")
    with mock_aws():
        org = build_organization()
        body = {**organization_config(), "storage_root": str(tmp_path / "data"), "output_dir": str(tmp_path / "o")}
        config_file = tmp_path / "assurance.yaml"
        config_file.write_text(json.dumps(body))
        config = parse_config(body)
        first = collect_snapshot(config, TODAY)
        for name in ("ledger", "payments"):
            member_session(org.accounts[name]).client("iam").create_user(UserName=f"{name}-new-bot")
        yield Day(org, config, config_file, first)


def users_in(manifest: Manifest, config: AssuranceConfig, account_id: str) -> set[str]:
    snapshot = read_snapshot(storage_for(config.storage_root), TODAY, manifest.snapshot_id)
    pages = snapshot.pages(account_id, "iam_authorization_details") or []
    return {user["UserName"] for page in pages for user in page.get("UserDetailList", [])}


def records(manifest: Manifest) -> dict[str, dict]:
    return {record["account_id"]: record for record in manifest.account_status}


def test_only_the_changed_account_is_collected_again(day: Day) -> None:
    ledger, payments = day.org.accounts["ledger"], day.org.accounts["payments"]
    second = collect_snapshot(day.config, TODAY, only_account=ledger)
    assert "ledger-new-bot" in users_in(second, day.config, ledger)
    assert "payments-new-bot" not in users_in(
        second, day.config, payments
    )  # carried: yesterday's … this morning's view


def test_the_manifest_records_which_accounts_were_carried_over_from_which_snapshot(day: Day) -> None:
    ledger = day.org.accounts["ledger"]
    second = collect_snapshot(day.config, TODAY, only_account=ledger)
    carried = {
        account: r["carried_over_from"] for account, r in records(second).items() if r["collection"] != "excluded"
    }
    assert carried.pop(ledger) is None
    assert set(carried.values()) == {day.first.snapshot_id}


def test_carried_files_are_byte_identical_to_the_stored_ones(day: Day) -> None:
    payments = day.org.accounts["payments"]
    second = collect_snapshot(day.config, TODAY, only_account=day.org.accounts["ledger"])

    def digests(manifest: Manifest) -> dict[str, str]:
        return {f.path: f.sha256 for f in manifest.files if f.account_id == payments}

    assert digests(second) == digests(day.first) != {}
    read_snapshot(storage_for(day.config.storage_root), TODAY, second.snapshot_id)  # verifies every sha256


def test_a_second_targeted_rerun_still_names_the_snapshot_the_files_were_collected_in(day: Day) -> None:
    collect_snapshot(day.config, TODAY, only_account=day.org.accounts["ledger"])
    third = collect_snapshot(day.config, TODAY, only_account=day.org.accounts["ledger"])
    assert records(third)[day.org.accounts["payments"]]["carried_over_from"] == day.first.snapshot_id


def test_the_change_sensors_run_tags_the_account_and_the_snapshot_step_honours_it(day: Day) -> None:
    ledger = day.org.accounts["ledger"]
    now = datetime.now(UTC)
    burst = Burst(account_id=ledger, first_seen=now, last_seen=now, count=1, event_names=("CreateUser",))
    request = rerun_request(burst, TODAY)
    assert request.tags[ACCOUNT_TAG] == ledger
    result = dg.materialize(
        [nhi_snapshot],
        partition_key=TODAY.isoformat(),
        resources={"settings": AssuranceSettings(config_path=str(day.config_file))},
        instance=dg.DagsterInstance.ephemeral(),
        tags=request.tags,
    )
    steps = {e.step_key for e in result.all_events if e.step_key and ".collect_accounts[" in e.step_key}
    assert steps == {f"nhi_snapshot.collect_accounts[acct_{ledger}_n1]"}  # one step, of that account alone


def test_an_account_the_day_does_not_know_collects_everything(day: Day) -> None:
    second = collect_snapshot(day.config, TODAY, only_account="999999999999")
    assert all(record["carried_over_from"] is None for record in second.account_status)
