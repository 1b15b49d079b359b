"""Day-over-day drift as the report shows it: which drift tables, under which headers, and each principal's history
of changes over the stored days (the changes page and every identity page read it from here)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from assurance_jobs.output import views as vw
from assurance_jobs.output.observed import render as render_observed

DRIFT_SECTIONS: tuple[tuple[str, str, list[str]], ...] = (
    (
        "permission_changes",
        "Effective permissions changed",
        ["arn", "added_actions", "removed_actions", "added_outside_baseline"],
    ),
    (
        "trust_changes",
        "Trust policies changed",
        ["arn", "added_principals", "removed_principals", "added_outside_baseline"],
    ),
    ("identity_changes", "Identities added or removed", ["arn", "kind", "change"]),
    ("credential_changes", "Credentials added or removed", ["credential_id", "kind", "owner_arn", "change"]),
    ("owner_changes", "Owners changed", ["arn", "previous_owner", "current_owner"]),
    (
        "privilege_creep",
        "Privilege creep (sensitive actions)",
        ["arn", "previous_sensitive_actions", "current_sensitive_actions", "change"],
    ),
)


DRIFT_LABELS: dict[str, str] = {
    "arn": "Identity",
    "credential_id": "Credential",
    "owner_arn": "Owner identity",
    "kind": "Kind",
    "change": "Change",
    "added_actions": "Actions added",
    "removed_actions": "Actions removed",
    "added_outside_baseline": "Added outside the baseline",
    "added_principals": "Principals added",
    "removed_principals": "Principals removed",
    "previous_owner": "Previous owner",
    "current_owner": "Current owner",
    "previous_sensitive_actions": "Sensitive actions before",
    "current_sensitive_actions": "Sensitive actions now",
}
"""Human headers for the drift tables' columns (the changes page and identity pages)."""


def drift_header(column: str) -> str:
    return DRIFT_LABELS.get(column, column.replace("_", " ").capitalize())


def drift_cell(column: str, value: Any) -> str:
    """A drift cell as text: action lists keep AWS casing and are spaced; counts of change are signed."""
    shown = vw.text(value)
    if column == "change" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{int(value):+d}"
    if column.endswith("principals"):
        return render_observed(shown, "arns") if shown else ""
    if column.endswith(("actions", "baseline")):
        return render_observed(shown, "actions") if shown else ""
    return shown


def drift_changes(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a drift table that are changes: privilege creep lists every identity, most with a change of 0."""
    if table == "privilege_creep" and "change" in frame.columns:
        return frame[frame["change"] != 0]
    return frame


def drift_day_href(day: date, report_day: date) -> str:
    """Link (relative to the report root) to a day's changes page; an earlier day's report is the sibling
    folder `output_dir/<day>/`."""
    return "changes.html" if day == report_day else f"../{day.isoformat()}/changes.html"


DriftEntry = tuple[date, str, dict[str, Any]]
"""(day, drift table, row): one change of one principal."""


def drift_days(bundle: Any) -> list[tuple[date, Mapping[str, pd.DataFrame]]]:
    """The report's day and the earlier stored days of its history, newest first, each with its drift tables."""
    earlier = sorted(((d.day, d.tables) for d in bundle.drift_history), key=lambda item: item[0], reverse=True)
    return [(bundle.partition_date, bundle.drift), *[(day, t) for day, t in earlier if day < bundle.partition_date]]


def drift_by_principal(days: list[tuple[date, Mapping[str, pd.DataFrame]]]) -> dict[str, list[DriftEntry]]:
    """Drift rows keyed by the principal they concern (a credential's owner), newest day first."""
    drift: dict[str, list[DriftEntry]] = defaultdict(list)
    for day, tables in days:
        for table, frame in sorted(tables.items()):
            key = "owner_arn" if table == "credential_changes" else "arn"
            for row in vw.records(drift_changes(table, frame), [key, "credential_id"]):
                drift[vw.text(row.get(key))].append((day, table, row))
    return dict(drift)


def drift_history(entries: list[DriftEntry], report_day: date) -> list[dict[str, Any]]:
    """One block per day this principal changed, newest first: the day, its report's link, its drift tables."""
    by_day: dict[date, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for day, table, row in entries:
        by_day[day].append((table, row))
    history = []
    for day in sorted(by_day, reverse=True):
        sections = drift_sections(by_day[day])
        if sections:
            history.append(
                {
                    "day": day.isoformat(),
                    "href": drift_day_href(day, report_day),
                    "current": day == report_day,
                    "sections": sections,
                }
            )
    return history


def drift_sections(rows: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    by_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for table, row in rows:
        by_table[table].append(row)
    sections = []
    for table, title, columns in DRIFT_SECTIONS:
        table_rows = by_table.get(table, [])
        shown = [c for c in columns if c not in ("arn", "owner_arn")]
        if table_rows:
            sections.append(
                {
                    "title": title,
                    "headers": [drift_header(c) for c in shown],
                    "rows": [[drift_cell(c, r.get(c)) for c in shown] for r in table_rows],
                }
            )
    return sections
