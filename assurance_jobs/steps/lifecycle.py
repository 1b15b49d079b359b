"""The findings' lifecycle ledger over storage: each evaluated day's `finding_lifecycle` table is the previous stored
day's ledger advanced by the day's findings (evaluate/lifecycle.py says how).

Stored by the evaluation step, read by the report, the exports and the alerts. A day evaluated before ledgers were
kept has none: it is rebuilt here from the stored findings of the days before it, oldest first.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from assurance_jobs.evaluate.findings import with_finding_ids
from assurance_jobs.evaluate.lifecycle import advance
from assurance_jobs.snapshot.storage import Storage
from assurance_jobs.steps.layout import source_snapshot_key
from assurance_jobs.steps.tables import days_with_table, has_table, read_table, store_table

LIFECYCLE_TABLE = "finding_lifecycle"


def previous_stored_day(storage: Storage, day: date) -> date | None:
    """The latest earlier day whose findings are stored: the day a lifecycle is advanced from (gaps between are
    days nothing was stored for)."""
    days = days_with_table(storage, "findings", before=day)
    return days[-1] if days else None


def _seen_at(storage: Storage, day: date) -> str:
    """The day's snapshot time (the as-of of its findings), else the day itself."""
    key = source_snapshot_key(day)
    if storage.exists(key):
        taken_at = json.loads(storage.read_bytes(key)).get("taken_at")
        if taken_at:
            return str(taken_at)
    return f"{day.isoformat()}T00:00:00+00:00"


def _advanced(storage: Storage, day: date, previous: pd.DataFrame | None) -> pd.DataFrame:
    """A day's ledger rebuilt from its stored findings (and rule results: without them, nothing is resolved)."""
    findings = with_finding_ids(read_table(storage, day, "findings"))
    results = read_table(storage, day, "rule_results") if has_table(storage, day, "rule_results") else _no_results()
    return advance(previous, findings, results, day, _seen_at(storage, day))


def _no_results() -> pd.DataFrame:
    return pd.DataFrame({"rule_id": [], "account_id": [], "region": [], "status": []}, dtype=object)


def stored_ledger(storage: Storage, day: date) -> pd.DataFrame:
    """The ledger of a stored day: as its evaluation stored it, or rebuilt from the stored days up to it."""
    if has_table(storage, day, LIFECYCLE_TABLE):
        return read_table(storage, day, LIFECYCLE_TABLE)
    chain = [day]
    while (earlier := previous_stored_day(storage, chain[-1])) is not None:
        if has_table(storage, earlier, LIFECYCLE_TABLE):
            break
        chain.append(earlier)
    ledger = read_table(storage, earlier, LIFECYCLE_TABLE) if earlier is not None else None
    for step in reversed(chain):
        ledger = _advanced(storage, step, ledger)
    return ledger


def store_lifecycle(
    storage: Storage, day: date, findings: pd.DataFrame, rule_results: pd.DataFrame, seen_at: str
) -> pd.DataFrame:
    """Advance the previous stored day's ledger by the day's evaluation and store it (a rerun of the day replaces
    it: it is always advanced from the day before, so reruns give the same ledger)."""
    previous = previous_stored_day(storage, day)
    ledger = advance(stored_ledger(storage, previous) if previous else None, findings, rule_results, day, seen_at)
    store_table(storage, day, LIFECYCLE_TABLE, ledger)
    return ledger
