"""Accounts fan out over shards, one Dagster step per shard with threads inside: parallel under the multiprocess
executor within a pool limit, a crashing account fails only itself, and the day is committed once, listing every
account's status. (The same graph under the multiprocess executor and a pool limit, on Postgres:
tests/defs/test_postgres_instance.py.)"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
from moto import mock_aws
from org_fixtures import MANAGEMENT, Organization, build_organization, organization_config

from assurance_jobs.collect import plan as plan_module
from assurance_jobs.definitions import partitions_for
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.defs.snapshot import snapshot_asset
from assurance_jobs.demo.agent_platform import agent_platform_emulation
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import latest_snapshot
from assurance_jobs.sources import registry

nhi_snapshot = snapshot_asset(partitions_for(AssuranceSettings()))

TODAY = datetime.now(UTC).date()


def write_config(folder: Path, **extra: object) -> Path:
    path = folder / "assurance.yaml"
    body = {**organization_config(), "storage_root": str(folder / "data"), "output_dir": str(folder / "out"), **extra}
    path.write_text(json.dumps(body))
    return path


def collect_steps(result: dg.ExecuteInProcessResult | dg.ExecutionResult) -> dict[str, str]:
    """Per collect_accounts step: its last event type (STEP_SUCCESS / STEP_FAILURE / …)."""
    last: dict[str, str] = {}
    for event in result.all_events:
        if event.step_key and ".collect_accounts[" in event.step_key and event.is_step_event:
            last[event.step_key] = event.event_type_value
    return last


def run_in_process(config: Path, **settings: object) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [nhi_snapshot],
        partition_key=TODAY.isoformat(),
        resources={"settings": AssuranceSettings(config_path=str(config), **settings)},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


@pytest.fixture
def org() -> Iterator[Organization]:
    with mock_aws():
        yield build_organization()


def test_accounts_are_collected_in_shards_of_accounts_per_step(org: Organization, tmp_path: Path) -> None:
    result = run_in_process(write_config(tmp_path, accounts_per_step=2))
    assert result.success
    accounts = sorted((*org.accounts.values(), MANAGEMENT))  # five accounts: shards of 2, 2 and 1
    firsts = [accounts[0], accounts[2], accounts[4]]
    sizes = [2, 2, 1]
    assert collect_steps(result) == {
        f"nhi_snapshot.collect_accounts[acct_{first}_n{size}]": "STEP_SUCCESS"
        for first, size in zip(firsts, sizes, strict=True)
    }


def test_each_shard_collects_every_registry_source_its_accounts_enable(org: Organization, tmp_path: Path) -> None:
    """The per-account sources (resources, AI agents, ...) are read in every shard's threads, and the
    organization's SCPs and RCPs, read once with the discovery, bound every collected member."""
    organization = {**organization_config()["organization"], "collect_agents": True}
    with agent_platform_emulation():
        assert run_in_process(write_config(tmp_path, accounts_per_step=2, organization=organization)).success
    snapshot = latest_snapshot(storage_for(str(tmp_path / "data")), TODAY)
    assert snapshot is not None
    enabled = {None, "collect_resources", "collect_agents"}  # the organization's defaults, agents switched on
    per_account = {s.name for s in registry.aws_sources() if s.scope == "account" and s.enabled_by in enabled}
    organization_sources = {s.name for s in registry.aws_sources() if s.scope == "organization"}
    assert len(snapshot.manifest.accounts) == 4  # the suspended member is not collected
    for account in snapshot.manifest.accounts:
        seen = {status.source for status in snapshot.manifest.collection_status if status.account_id == account}
        assert per_account | organization_sources <= seen, account


def test_the_command_lines_run_collects_every_account_in_one_step(org: Organization, tmp_path: Path) -> None:
    result = run_in_process(write_config(tmp_path, accounts_per_step=2), collect_in_one_step=True)
    assert collect_steps(result) == {"nhi_snapshot.collect_accounts[all_accounts]": "STEP_SUCCESS"}


def test_the_day_is_committed_once_with_every_accounts_status(org: Organization, tmp_path: Path) -> None:
    assert run_in_process(write_config(tmp_path)).success
    snapshot = latest_snapshot(storage_for(str(tmp_path / "data")), TODAY)
    assert snapshot is not None
    states = {r["account_id"]: r["collection"] for r in snapshot.manifest.account_status}
    assert states[org.accounts["suspended-app"]] == "suspended"
    assert states[org.accounts["ledger"]] == "complete"
    assert len(list((tmp_path / "data" / "snapshots" / TODAY.isoformat()).iterdir())) == 1


def test_a_crashing_account_is_retried_then_recorded_failed_and_the_others_are_collected(
    org: Organization, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = org.accounts["ledger"]
    real = plan_module.collect_task
    attempts: list[str] = []

    def crash_in_ledger(config, task, day, sources, base=None, on_status=None, throttling=None):  # type: ignore[no-untyped-def]
        if task.member is not None and task.member.account_id == broken:
            attempts.append(task.key)
            raise RuntimeError("collector bug in one account")
        return real(config, task, day, sources, base, on_status, throttling)

    monkeypatch.setattr("assurance_jobs.steps.collect.collect_task", crash_in_ledger)
    monkeypatch.setattr("assurance_jobs.steps.collect.RETRY_DELAYS", (0.0, 0.0))
    result = run_in_process(write_config(tmp_path, accounts_per_step=10))
    assert result.success  # the day is committed: the crash is that account's status, not the run's
    assert len(attempts) == 3  # tried, then retried twice, in its thread
    snapshot = latest_snapshot(storage_for(str(tmp_path / "data")), TODAY)
    assert snapshot is not None
    states = {r["account_id"]: r["collection"] for r in snapshot.manifest.account_status}
    assert states[broken] == "failed"
    assert states[org.accounts["payments"]] == "complete"
    (status,) = [s for s in snapshot.manifest.collection_status if s.account_id == broken]
    assert (status.status, status.error_code) == ("error", "RuntimeError")


def test_a_past_day_reuses_its_stored_snapshot_without_account_steps(org: Organization, tmp_path: Path) -> None:
    config = write_config(tmp_path)
    assert run_in_process(config).success
    stored = latest_snapshot(storage_for(str(tmp_path / "data")), TODAY)
    assert stored is not None
    day = tmp_path / "data" / "snapshots"
    shutil.copytree(day / TODAY.isoformat(), day / "2026-02-01")
    result = dg.materialize(
        [nhi_snapshot],
        partition_key="2026-02-01",
        resources={"settings": AssuranceSettings(config_path=str(config))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert collect_steps(result) == {}
    (materialization,) = result.asset_materializations_for_node("nhi_snapshot")
    assert materialization.metadata["reused_stored_snapshot"].value is True
