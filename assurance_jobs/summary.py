"""The one-screen summary printed after a run: where the outputs are and what they say."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TextIO

import pandas as pd

from assurance_jobs.config import AssuranceConfig
from assurance_jobs.pipeline import partition_output_dir, read_table
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.snapshot.store import latest_snapshot


def print_summary(config: AssuranceConfig, partition_date: date, run_id: str, out: TextIO) -> None:
    storage = storage_for(config.storage_root)
    snapshot = latest_snapshot(storage, partition_date)
    print(f"\nassurance-jobs — partition {partition_date.isoformat()} (Dagster run {run_id})", file=out)
    if snapshot is None:
        print("  no snapshot stored for this day", file=out)
        return
    manifest = snapshot.manifest
    print(f"  snapshot     {snapshot.location}  (as of {manifest.taken_at.isoformat()})", file=out)
    print(f"  accounts     {', '.join(manifest.accounts) or '(none reachable)'}", file=out)
    _print_collection(manifest.collection_status, out)
    try:
        identities = read_table(storage, partition_date, "identities")
        credentials = read_table(storage, partition_date, "credentials")
    except FileNotFoundError:
        return
    print(f"  inventory    {storage.location(f'inventory/{partition_date.isoformat()}')}", file=out)
    print(f"               {_counts(identities, 'kind')} identities; {_counts(credentials, 'kind')}", file=out)
    _print_findings(config, storage, partition_date, out)


def _counts(frame: pd.DataFrame, column: str) -> str:
    if frame.empty:
        return "0"
    counts = frame[column].value_counts().sort_index()
    return ", ".join(f"{count} {kind}" for kind, count in counts.items())


def _print_collection(statuses: list, out: TextIO) -> None:
    missing = [status for status in statuses if status.status != "ok"]
    if not missing:
        print(f"  evidence     complete ({len(statuses)} API calls)", file=out)
        return
    print(f"  evidence     INCOMPLETE — {len(missing)} of {len(statuses)} API calls did not complete:", file=out)
    for status in missing:
        print(
            f"               {status.api} {status.region or 'global'} account {status.account_id}: "
            f"{status.status} {status.error_code or ''}",
            file=out,
        )


def _print_findings(config: AssuranceConfig, storage: Storage, partition_date: date, out: TextIO) -> None:
    folder = partition_output_dir(config, partition_date)
    try:
        results = read_table(storage, partition_date, "rule_results")
    except FileNotFoundError:
        return
    by_rule = results.groupby("rule_id")["status"].agg(_worst)
    totals = by_rule.value_counts()
    print(
        f"  rules        {len(by_rule)} evaluated: {totals.get('FAIL', 0)} FAIL, {totals.get('INCOMPLETE', 0)} "
        f"INCOMPLETE, {totals.get('PASS', 0)} PASS",
        file=out,
    )
    failing = results[results["failed"] > 0].groupby(["rule_id", "title"], as_index=False)["failed"].sum()
    for row in failing.itertuples(index=False):
        print(f"               {row.rule_id:<12} {row.failed:>5}  {row.title}", file=out)
    print(f"  exports      {folder / 'findings.json'}  {folder / 'findings.csv'}", file=out)
    index = Path(config.output_dir) / "index.html"
    if index.exists():
        print(f"  report       {index.resolve()}", file=out)


def _worst(statuses: pd.Series) -> str:
    for status in ("INCOMPLETE", "FAIL"):
        if (statuses == status).any():
            return status
    return "PASS"
