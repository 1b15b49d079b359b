"""The runtime activity page's content: log coverage per account and region, and the day's notable calls.

Computed here, not in the template, like every other page; every value is plain text (autoescaped when rendered).
Tables are capped (`ROW_CAP`): the full activity is the inventory's `activity.parquet`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from assurance_jobs.output import views as vw

ROW_CAP = 200
TRAIL_SOURCES = ("cloudtrail_objects", "cloudtrail_activity")
_ROW_KEYS = (
    "account_id",
    "region",
    "principal_arn",
    "event_source",
    "event_name",
    "network",
    "user_agent_class",
    "error_code",
    "event_count",
    "first_seen",
    "last_seen",
)


SECRET_READS_NOTE = "GetSecretValue, decrypting SSM parameter reads, kms:Decrypt on secret-bearing or unknown keys"
"""What the activity page counts as a secrets-store read (`secret_read`, judged in scan/runtime.py), in words."""


def _rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    ordered = frame.sort_values(["event_count", "principal_arn", "event_name"], ascending=[False, True, True])
    return [{key: vw.text(row.get(key)) for key in _ROW_KEYS} for row in ordered.head(ROW_CAP).to_dict("records")]


def _section(title: str, frame: pd.DataFrame, note: str) -> dict[str, Any]:
    return {"title": title, "note": note, "total": len(frame), "rows": _rows(frame)}


def activity_page(activity: pd.DataFrame | None, collection_status: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    coverage = sorted(
        (
            {key: vw.text(status.get(key)) for key in ("account_id", "source", "region", "status", "pages", "message")}
            for status in collection_status
            if status.get("source") in TRAIL_SOURCES
        ),
        key=lambda row: (row["account_id"], row["region"], row["source"]),
    )
    if activity is None or activity.empty:
        return {"coverage": coverage, "events": 0, "sections": []}
    secret = activity[activity["secret_read"].astype(bool)]
    denied = activity[activity["error_code"].astype(str) != ""]
    interactive = activity[
        (activity["event_name"] == "ConsoleLogin") | activity["user_agent_class"].isin(["console", "browser"])
    ]
    by_principal = (
        activity.groupby(["account_id", "principal_arn"], as_index=False)["event_count"]
        .sum()
        .sort_values(["event_count", "principal_arn"], ascending=[False, True])
        .head(ROW_CAP)
    )
    return {
        "coverage": coverage,
        "events": int(activity["event_count"].sum()),
        "principals": [{k: vw.text(v) for k, v in row.items()} for row in by_principal.to_dict("records")],
        "sections": [
            _section("Secrets-store reads", secret, SECRET_READS_NOTE),
            _section("Denied calls", denied, "every call that ended with an error code"),
            _section("Interactive use", interactive, "console sign-ins and console / browser user agents"),
        ],
    }
