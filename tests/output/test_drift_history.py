"""An identity page lists its drift history: its changes over the last stored days, newest first, each day
linked to that day's report.

Each test stores a few days as the daily job leaves them (a committed snapshot, the day's rule results, its
`drift_*` tables when it has a previous day), reads the history back as the publisher does and renders the report
day's pages from a small bundle.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from assurance_jobs.output.html import render_report
from assurance_jobs.output.synthetic import ACCOUNT, make_bundle
from assurance_jobs.output.views import identity_href
from assurance_jobs.snapshot.storage import LocalStorage
from assurance_jobs.steps.publish import read_drift_history
from assurance_jobs.steps.tables import store_table

APP = f"arn:aws:iam::{ACCOUNT}:role/payments-settlement"
REPORT_DAY = date(2026, 11, 25)


def days_ago(n: int) -> date:
    return REPORT_DAY - timedelta(days=n)


def permission_change(*actions: str) -> dict[str, pd.DataFrame]:
    """A day's drift: APP gained `actions` (lower case, as the drift tables store them)."""
    row = {
        "account_id": ACCOUNT,
        "arn": APP,
        "added_actions": ",".join(actions),
        "added_count": len(actions),
        "removed_actions": "",
        "removed_count": 0,
        "added_outside_baseline": "",
        "added_outside_baseline_count": 0,
    }
    return {"permission_changes": pd.DataFrame([row])}


def nothing_changed() -> dict[str, pd.DataFrame]:
    """A day compared with the day before, on which APP did not change (its drift tables are stored, empty)."""
    return {"permission_changes": permission_change()["permission_changes"].iloc[0:0]}


def store_day(storage: LocalStorage, day: date, drift: dict[str, pd.DataFrame] | None) -> None:
    """A stored day: its committed snapshot, its rule results and (None on a first day) its drift tables."""
    storage.write_bytes(f"snapshots/{day.isoformat()}/{day:%Y%m%d}T060000Z-1a2b3c4d/manifest.json", b"{}")
    store_table(storage, day, "rule_results", pd.DataFrame({"rule_id": pd.Series([], dtype="string")}))
    for table, frame in (drift or {}).items():
        store_table(storage, day, f"drift_{table}", frame)


def app_page(tmp_path: Path, days: dict[date, dict[str, pd.DataFrame] | None], window: int = 30) -> str:
    """APP's page on the report day, with `days` stored as given (None: a stored day without drift tables)."""
    storage = LocalStorage(tmp_path / "data")
    for day, drift in days.items():
        store_day(storage, day, drift)
    today = days.get(REPORT_DAY) or {}
    history = read_drift_history(storage, REPORT_DAY, window)
    bundle = make_bundle(identities=[{"arn": APP, "kind": "role"}], drift=today, drift_history=history)
    out = tmp_path / "out" / REPORT_DAY.isoformat()
    render_report(bundle, out)
    return (out / identity_href(APP)).read_text(encoding="utf-8")


def app_drift(tmp_path: Path, days: dict[date, dict[str, pd.DataFrame] | None], window: int = 30) -> str:
    """APP's page's drift section."""
    return app_page(tmp_path, days, window).split('id="drift"')[1]


def day_link(day: date) -> str:
    return f'<a href="../../{day.isoformat()}/changes.html">{day.isoformat()}</a>'


def test_a_change_three_days_ago_shows_with_its_day_linked_to_that_days_report(tmp_path: Path) -> None:
    drift = app_drift(
        tmp_path,
        {
            days_ago(4): None,
            days_ago(3): permission_change("kms:creategrant"),
            days_ago(2): nothing_changed(),
            REPORT_DAY: nothing_changed(),
        },
    )
    assert day_link(days_ago(3)) in drift
    assert "kms:CreateGrant" in drift.split(day_link(days_ago(3)))[1]


def test_a_stored_day_without_drift_tables_is_skipped(tmp_path: Path) -> None:
    drift = app_drift(
        tmp_path, {days_ago(2): None, days_ago(1): permission_change("kms:decrypt"), REPORT_DAY: nothing_changed()}
    )
    assert day_link(days_ago(1)) in drift and "kms:Decrypt" in drift
    assert f"../../{days_ago(2).isoformat()}/" not in drift


def test_changes_older_than_the_window_are_not_shown(tmp_path: Path) -> None:
    stored = {
        days_ago(3): permission_change("kms:schedulekeydeletion"),
        days_ago(2): nothing_changed(),
        days_ago(1): nothing_changed(),
    }
    drift = app_drift(tmp_path, {**stored, REPORT_DAY: nothing_changed()}, window=3)
    assert "kms:ScheduleKeyDeletion" not in drift and days_ago(3).isoformat() not in drift
    assert "No change recorded for this identity on these days." in drift


def test_the_report_days_own_changes_show_first(tmp_path: Path) -> None:
    drift = app_drift(
        tmp_path, {days_ago(2): permission_change("kms:decrypt"), REPORT_DAY: permission_change("kms:creategrant")}
    )
    today = drift.index('<a href="../changes.html">2026-11-25</a> <span class="muted">(this report)</span>')
    assert today < drift.index(day_link(days_ago(2)))
    assert drift.index("kms:CreateGrant") < drift.index(day_link(days_ago(2))) < drift.index("kms:Decrypt")


def test_the_same_stored_days_give_byte_identical_identity_pages(tmp_path: Path) -> None:
    stored = {
        days_ago(3): permission_change("kms:creategrant"),
        days_ago(1): nothing_changed(),
        REPORT_DAY: nothing_changed(),
    }
    backwards = dict(reversed(stored.items()))
    assert app_page(tmp_path / "first", stored) == app_page(tmp_path / "second", backwards)
