"""Where everything lives under the storage root and the output folder: the only place that builds a key.

```
snapshots/<date>/<snapshot_id>/...          the day's evidence (snapshot/store.py writes inside it)
probes/<date>/<probe_run_id>/...            token probe runs (probes/evidence.py writes inside it)
staging/<date>/<dagster run>/<account>/...  one account's collected files until the day's commit
inventory/<date>/<table>.parquet            inventory, drift, findings, rule results, finding lifecycle of the day
inventory/<date>/source_snapshot.json       which snapshot (and earlier day) the inventory was built from
inventory/<date>/inputs/baseline/<file>     the baseline files the day was judged against
activity/<date>/activity.parquet            the day's reduced CloudTrail activity, kept for look-back windows
activity/<date>/profile.parquet             what each identity showed that day (the learned baseline's memory)
activity/<date>/coverage.json               which accounts that day fully covers
alerts/<date>/ledger.json                   which new findings were delivered where
<output_dir>/<date>/...                     the day's report and exports, sealed by SHA256SUMS (+ .sig)
<output_dir>/.<date>.<random>.tmp/          a report being written, swapped in whole when complete
```

Steps, the report and the command line ask this module for a key; nothing else spells one out.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from assurance_jobs.probes.evidence import PROBES_PREFIX
from assurance_jobs.snapshot.store import SNAPSHOTS_PREFIX, snapshot_prefix

__all__ = [
    "ACTIVITY_PREFIX",
    "ALERTS_PREFIX",
    "INVENTORY_PREFIX",
    "PROBES_PREFIX",
    "SNAPSHOTS_PREFIX",
    "STAGING_PREFIX",
    "activity_days",
    "activity_key",
    "alert_ledger_key",
    "baseline_copy_key",
    "baseline_proposal_dir",
    "inventory_prefix",
    "output_day_dir",
    "probe_run_prefix",
    "snapshot_file_key",
    "snapshot_prefix",
    "source_snapshot_key",
    "staging_prefix",
    "table_key",
]

INVENTORY_PREFIX = "inventory"
ALERTS_PREFIX = "alerts"
ACTIVITY_PREFIX = "activity"
STAGING_PREFIX = "staging"
BASELINE_COPY_FOLDER = "inputs/baseline"
SOURCE_SNAPSHOT_FILE = "source_snapshot.json"


def inventory_prefix(day: date) -> str:
    return f"{INVENTORY_PREFIX}/{day.isoformat()}"


def table_key(day: date, table: str) -> str:
    """A stored table of the day: inventory, drift (`drift_<table>`), findings, rule results, probes."""
    return f"{inventory_prefix(day)}/{table}.parquet"


def source_snapshot_key(day: date) -> str:
    return f"{inventory_prefix(day)}/{SOURCE_SNAPSHOT_FILE}"


def baseline_copy_key(day: date, file_name: str) -> str:
    return f"{inventory_prefix(day)}/{BASELINE_COPY_FOLDER}/{file_name}"


def activity_key(day: date, name: str) -> str:
    """`activity.parquet`, `profile.parquet` or `coverage.json` of a day's stored activity history."""
    return f"{ACTIVITY_PREFIX}/{day.isoformat()}/{name}"


def activity_days(names: list[str]) -> list[date]:
    """The days among the children of `ACTIVITY_PREFIX` (other names ignored), oldest first."""
    found = []
    for name in names:
        try:
            found.append(date.fromisoformat(name))
        except ValueError:
            continue
    return sorted(found)


def baseline_proposal_dir(output_dir: str | Path, day: date) -> Path:
    """Where `assurance-jobs baseline propose` writes its drafts for review (never the baseline folder)."""
    return output_day_dir(output_dir, day) / "baseline-proposal"


def snapshot_file_key(day: date, snapshot_id: str, path: str) -> str:
    """A file of a snapshot, by its manifest path (`<account>/<source>.<ext>`)."""
    return f"{snapshot_prefix(day, snapshot_id)}/{path}"


def probe_run_prefix(day: date, probe_run_id: str) -> str:
    return snapshot_prefix(day, probe_run_id, PROBES_PREFIX)


def staging_prefix(partition_key: str, run_id: str, task_key: str) -> str:
    """Where one account's collection waits for the day's commit (a Dagster step's output)."""
    return f"{STAGING_PREFIX}/{partition_key}/{run_id}/{task_key}"


def alert_ledger_key(day: date) -> str:
    """Which findings of the day were delivered to which destination (the alerts sensor's ledger)."""
    return f"{ALERTS_PREFIX}/{day.isoformat()}/ledger.json"


def output_day_dir(output_dir: str | Path, day: date) -> Path:
    return Path(output_dir) / day.isoformat()
