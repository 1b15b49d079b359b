"""`assurance-jobs run` over an emulated organization seen through a slow network: it collects accounts at the
same time (as many as `max_parallel_accounts`), and concurrency changes no account's outcome — the account AWS
throttles reads INCOMPLETE, alone, for exactly what it could not read.

The organization (tests/org_fixtures.py) sits behind a loopback proxy (tests/latency_proxy.py) that holds every
request 200 ms, like a far-away AWS, counts how many it holds at once, and answers `Throttling` to every
GetAccountAuthorizationDetails call made with the sandbox account's credentials.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stderr
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import pytest
from fake_aws import use_fake_aws
from latency_proxy import latency_proxy
from org_fixtures import MANAGEMENT, Organization, build_organization, organization_config
from org_server import moto_server

from assurance_jobs.app.cli import main
from assurance_jobs.app.exit_codes import EXIT_INCOMPLETE
from assurance_jobs.snapshot.model import Manifest
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import latest_snapshot
from assurance_jobs.steps.tables import read_table

MAX_PARALLEL = 4
TODAY = datetime.now(UTC).date()


@dataclass(frozen=True)
class SlowRun:
    org: Organization
    code: int
    stderr: str
    max_in_flight: int
    throttled: dict[str, int]
    manifest: Manifest
    results: pd.DataFrame


@pytest.fixture(scope="module")
def slow_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlowRun]:
    root = tmp_path_factory.mktemp("slow-org")
    config = root / "assurance.yaml"
    body = {
        **organization_config(),
        "max_parallel_accounts": MAX_PARALLEL,
        "storage_root": str(root / "data"),
        "output_dir": str(root / "out"),
    }
    config.write_text(json.dumps(body))
    with pytest.MonkeyPatch.context() as patch, moto_server() as endpoint:
        use_fake_aws(patch, root / "no-aws-config")
        patch.setenv("AWS_ENDPOINT_URL", endpoint)
        org = build_organization()
        throttle = {"GetAccountAuthorizationDetails": {org.accounts["sandbox"]}}
        with latency_proxy(endpoint, delay=0.2, throttle=throttle) as proxy:
            patch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
            patch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
            with redirect_stderr(io.StringIO()) as stderr:  # the progress lines (not a terminal: plain)
                code = main(["run", "--config", str(config)])
            max_in_flight, throttled = proxy.max_in_flight, dict(proxy.throttled)
    storage = storage_for(str(root / "data"))
    snapshot = latest_snapshot(storage, TODAY)
    assert snapshot is not None
    results = read_table(storage, TODAY, "rule_results")
    yield SlowRun(org, code, stderr.getvalue(), max_in_flight, throttled, snapshot.manifest, results)


def test_run_makes_as_many_calls_at_once_as_max_parallel_accounts(slow_run: SlowRun) -> None:
    assert slow_run.max_in_flight >= MAX_PARALLEL


def test_the_throttled_account_is_the_only_incomplete_one(slow_run: SlowRun) -> None:
    states = {r["account_id"]: r["collection"] for r in slow_run.manifest.account_status}
    accounts = slow_run.org.accounts
    assert states == {
        MANAGEMENT: "complete",
        accounts["payments"]: "complete",
        accounts["ledger"]: "complete",
        accounts["sandbox"]: "incomplete",
        accounts["suspended-app"]: "suspended",
    }
    assert slow_run.throttled == {accounts["sandbox"]: 2}  # max_attempts: 2, both answered Throttling
    assert slow_run.code == EXIT_INCOMPLETE


def test_only_the_throttled_source_of_the_throttled_account_is_missing(slow_run: SlowRun) -> None:
    missing = [(s.account_id, s.source, s.error_code) for s in slow_run.manifest.collection_status if s.status != "ok"]
    suspended = slow_run.org.accounts["suspended-app"]
    assert sorted(missing) == sorted(
        [
            (slow_run.org.accounts["sandbox"], "iam_authorization_details", "Throttling"),
            (suspended, "sts_assume_role", "AccountSuspended"),
        ]
    )


def test_throttling_adds_incomplete_rules_in_that_account_and_nowhere_else(slow_run: SlowRun) -> None:
    def incomplete(account: str) -> set[str]:
        rows = slow_run.results[slow_run.results["account_id"] == account]
        return set(rows.loc[rows["status"] == "INCOMPLETE", "rule_id"])

    accounts = slow_run.org.accounts
    complete_ones = [incomplete(account) for account in (MANAGEMENT, accounts["payments"], accounts["ledger"])]
    assert complete_ones[0] == complete_ones[1] == complete_ones[2]  # absent inputs only (no baseline, feed …)
    sandbox = incomplete(accounts["sandbox"])
    assert complete_ones[0] < sandbox and "NHI-LP-001" in sandbox - complete_ones[0]


def test_progress_counts_accounts_and_names_each_one_that_is_not_complete(slow_run: SlowRun) -> None:
    lines = [line.strip() for line in slow_run.stderr.splitlines()]
    counts = [line.split()[0] for line in lines if "accounts collected" in line]
    assert counts and counts[-1] == "5/5"
    assert f"account {slow_run.org.accounts['sandbox']}: incomplete" in lines
    assert f"account {slow_run.org.accounts['suspended-app']}: suspended" in lines
    assert not any(f"account {slow_run.org.accounts['ledger']}:" in line for line in lines)
