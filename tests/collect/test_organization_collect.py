"""Collecting a whole organization: every selected account ends in the manifest with its status, and missing
evidence is INCOMPLETE for exactly the accounts (and sources) it is missing from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from botocore.retries import bucket, standard
from moto import mock_aws
from org_fixtures import MANAGEMENT, Organization, build_organization, misbehaving_members, organization_config

from assurance_jobs.collect import credential_report, plan
from assurance_jobs.config import parse_config
from assurance_jobs.snapshot.model import Manifest
from assurance_jobs.steps.collect import collect_snapshot, load_partition_snapshot
from assurance_jobs.steps.evaluate import evaluate_partition
from assurance_jobs.steps.inventory import build_partition_inventory, store_inventory


@dataclass(frozen=True)
class Collected:
    org: Organization
    manifest: Manifest
    results: pd.DataFrame


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collected]:
    """One collection of the organization with `payments` unenterable and `sandbox` throttled, then evaluated."""
    root = tmp_path_factory.mktemp("org")
    with mock_aws(), pytest.MonkeyPatch.context() as patch:
        org = build_organization()
        patch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
        patch.setattr(bucket.TokenBucket, "_sleep_amount", lambda self, amount: 0)
        patch.setattr(
            credential_report, "DEFAULT_POLLING", replace(credential_report.DEFAULT_POLLING, sleep=lambda s: None)
        )
        patch.setattr(plan, "session_for", misbehaving_members({org.accounts["payments"]}, {org.accounts["sandbox"]}))
        config = parse_config(
            {
                **organization_config(exclude={"account_ids": [MANAGEMENT]}),
                "storage_root": str(root / "data"),
                "output_dir": str(root / "out"),
                "max_parallel_accounts": 4,
            }
        )
        today = datetime.now(UTC).date()
        manifest = collect_snapshot(config, today)
        built = build_partition_inventory(config, load_partition_snapshot(config, today))
        store_inventory(config, today, built.inventory, manifest)
        results = evaluate_partition(config, today).evaluation.rule_results
        yield Collected(org, manifest, results)


def record(collected: Collected, name: str) -> dict:
    account_id = collected.org.accounts[name] if name != "management" else MANAGEMENT
    (entry,) = [r for r in collected.manifest.account_status if r["account_id"] == account_id]
    return entry


def statuses_of(collected: Collected, name: str) -> set[str]:
    rows = collected.results[collected.results["account_id"] == collected.org.accounts[name]]
    return set(rows["status"])


def test_every_selected_account_has_a_collection_status(collected: Collected) -> None:
    states = {name: record(collected, name)["collection"] for name in collected.org.accounts}
    assert states == {
        "payments": "unreachable",
        "suspended-app": "suspended",
        "ledger": "complete",
        "sandbox": "incomplete",
    }


def test_an_excluded_account_is_listed_but_not_collected(collected: Collected) -> None:
    assert record(collected, "management")["collection"] == "excluded"
    assert MANAGEMENT not in collected.manifest.accounts
    per_run = ("organizations_discovery", "organizations_policies")  # read once, from the management account
    assert not any(f.account_id == MANAGEMENT and f.source not in per_run for f in collected.manifest.files)
    assert not any(s.account_id == MANAGEMENT for s in collected.manifest.collection_status)


def test_the_record_names_ou_and_state(collected: Collected) -> None:
    ledger = record(collected, "ledger")
    assert (ledger["ou_path"], ledger["state"], ledger["name"]) == ("Root/prod/prod-eu", "ACTIVE", "ledger")


def test_a_suspended_account_is_incomplete_for_every_rule(collected: Collected) -> None:
    assert statuses_of(collected, "suspended-app") == {"INCOMPLETE"}
    entry = [s for s in collected.manifest.collection_status if s.account_id == collected.org.accounts["suspended-app"]]
    assert [(s.source, s.error_code) for s in entry] == [("sts_assume_role", "AccountSuspended")]


def test_a_member_role_that_cannot_be_assumed_is_incomplete_for_every_rule(collected: Collected) -> None:
    assert statuses_of(collected, "payments") == {"INCOMPLETE"}
    (entry,) = [s for s in collected.manifest.collection_status if s.account_id == collected.org.accounts["payments"]]
    assert (entry.api, entry.error_code) == ("sts:AssumeRole", "AccessDenied")


def test_throttling_to_exhaustion_makes_only_that_accounts_dependent_rules_incomplete(collected: Collected) -> None:
    sandbox = incomplete_rules(collected, "sandbox")
    ledger = incomplete_rules(collected, "ledger")  # complete: INCOMPLETE only for absent inputs (no baseline …)
    assert ledger < sandbox  # throttling added INCOMPLETE rules in sandbox, and nowhere else
    assert "NHI-LP-001" in sandbox - ledger  # effective admin needs the authorization details
    assert "NHI-ROT-001" not in sandbox  # the credential report still came through
    throttled = [s for s in collected.manifest.collection_status if s.account_id == collected.org.accounts["sandbox"]]
    failed = [(s.source, s.error_code) for s in throttled if s.status != "ok"]
    assert failed == [("iam_authorization_details", "Throttling")]


def incomplete_rules(collected: Collected, name: str) -> set[str]:
    rows = collected.results[collected.results["account_id"] == collected.org.accounts[name]]
    return set(rows.loc[rows["status"] == "INCOMPLETE", "rule_id"])


def test_the_discovery_responses_are_snapshotted(collected: Collected) -> None:
    (entry,) = [f for f in collected.manifest.files if f.source == "organizations_discovery"]
    assert entry.path == f"{MANAGEMENT}/organizations_discovery.json"


def test_collect_snapshot_runs_the_same_sequentially(collected: Collected, tmp_path: Path) -> None:
    """max_parallel_accounts: 1 is the plain loop; the OU filter picks only the dev OU's account."""
    org = collected.org
    settings = {**organization_config(include={"ou_ids": [org.ous["dev"]]}), "max_parallel_accounts": 1}
    config = parse_config({**settings, "storage_root": str(tmp_path)})
    manifest = collect_snapshot(config, datetime.now(UTC).date())
    collected_ids = [r["account_id"] for r in manifest.account_status if r["collection"] != "excluded"]
    assert collected_ids == [org.accounts["sandbox"]] == manifest.accounts
