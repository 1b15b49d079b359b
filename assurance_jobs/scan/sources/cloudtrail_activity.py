"""`cloudtrail_activity`: the reduced CloudTrail activity per region (Parquet, collect/activity.py) of one account.

The bytes come from the snapshot (no I/O); each row gains `account_id` and `region` so the inventory's `activity`
table covers every account and region. An unreadable file becomes a warning and no rows — its collection status
already says whether the day was covered, which is what makes the runtime rules INCOMPLETE.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from assurance_jobs.parquet import read_parquet
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.schema import ACTIVITY_TABLE_COLUMNS
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "cloudtrail_activity"


@dataclass(frozen=True)
class Activity:
    """The account's activity rows over every region its snapshot holds."""

    frame: pd.DataFrame
    files: tuple[str, ...]


def empty_activity_table() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in ACTIVITY_TABLE_COLUMNS.items()})


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Exactly the declared columns and dtypes (text as Python objects)."""
    frame = pd.concat([empty_activity_table(), frame], ignore_index=True) if len(frame) else empty_activity_table()
    frame = frame[list(ACTIVITY_TABLE_COLUMNS)]
    for name, dtype in ACTIVITY_TABLE_COLUMNS.items():
        if dtype == "object":  # a column an older stored table lacks (kms_key_arn) reads as None, not NaN
            values = frame[name].astype(object)
            frame[name] = values.where(values.notna(), None)
        else:
            frame[name] = frame[name].astype(dtype)
    return frame


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> Activity | None:
    """None when the snapshot holds no activity file for the account (no trail configured, or nothing read)."""
    entries = [e for e in snapshot.manifest.files if e.account_id == account_id and e.source == SOURCE]
    if not entries:
        return None
    frames = []
    for entry in sorted(entries, key=lambda e: e.path):
        try:
            frame = read_parquet(snapshot.contents[entry.path])
        except (OSError, ValueError) as error:
            ctx.warnings.append(f"{entry.path}: unreadable activity table ({type(error).__name__})")
            continue
        frame.insert(0, "region", entry.region)
        frame.insert(0, "account_id", entry.account_id)
        frames.append(frame)
    return Activity(
        typed(pd.concat(frames, ignore_index=True)) if frames else empty_activity_table(),
        tuple(e.path for e in entries),
    )
