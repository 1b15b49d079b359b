"""Rows of the activity table (scan/runtime.py) as the CloudTrail scan writes them: one call of an identity per
row, with the defaults of an ordinary SDK call from inside the network, so a test names only what its case is."""

from __future__ import annotations

import pandas as pd

from assurance_jobs.scan.runtime import ACTIVITY_TABLE_COLUMNS


def activity_table(account: str, principal: str, region: str, seen: pd.Timestamp, *rows: dict) -> pd.DataFrame:
    """An activity table of `rows`, each filled in with `principal`'s ordinary call in `account` at `seen`."""
    defaults = {
        "account_id": account,
        "region": region,
        "principal_arn": principal,
        "principal_type": "AssumedRole",
        "network": "10.0.1.15",
        "user_agent_class": "sdk",
        "error_code": "",
        "secret_read": False,
        "event_count": 1,
        "first_seen": seen,
        "last_seen": seen,
    }
    frame = pd.DataFrame([{**defaults, **row} for row in rows], columns=list(ACTIVITY_TABLE_COLUMNS))
    return frame.astype({name: kind for name, kind in ACTIVITY_TABLE_COLUMNS.items() if kind != "object"})
