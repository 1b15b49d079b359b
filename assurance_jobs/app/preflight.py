"""Checks a `run` makes before Dagster starts: is the day runnable, and can AWS be reached at all.

Each failure is one InputError line (exit 2) naming what to change, instead of a step failure deep in a run.
"""

from __future__ import annotations

from datetime import date

import boto3
from botocore.exceptions import BotoCoreError

from assurance_jobs.config import DEFAULT_PARTITION_START, AssuranceConfig
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import list_partition_dates, list_snapshots
from assurance_jobs.steps.inputs import InputError

NO_CREDENTIALS_FIX = (
    "set AWS_PROFILE or the account's `profile:` (for SSO, run `aws sso login --profile <name>` first), "
    "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or set AWS_ENDPOINT_URL to an emulator"
)


def _stored_days(config: AssuranceConfig) -> str:
    days = list_partition_dates(storage_for(config.storage_root))
    if not days:
        return "no day is stored yet"
    return f"stored days: {days[0].isoformat()} … {days[-1].isoformat()} ({len(days)})"


def check_partition_date(config: AssuranceConfig, requested: date | None, evaluate_only: bool) -> bool:
    """Refuse a day outside the partitions or without the snapshot it needs; True when the run will call AWS."""
    from assurance_jobs.steps.collect import utc_today

    today = utc_today()
    day = requested or today
    start = config.partition_start or DEFAULT_PARTITION_START
    if day > today:
        raise InputError(f"--date {day.isoformat()}: is in the future; today (UTC) is {today.isoformat()}")
    if day < start:
        raise InputError(
            f"--date {day.isoformat()}: is before the first partition {start.isoformat()} "
            "(set partition_start in the configuration to go further back)"
        )
    if day == today and not evaluate_only:
        return True
    if not list_snapshots(storage_for(config.storage_root), day):
        fix = "run without --evaluate-only to collect it" if day == today else "a past day cannot be collected"
        raise InputError(
            f"--date {day.isoformat()}: no snapshot is stored for that day under {config.storage_root} "
            f"({_stored_days(config)}); {fix}"
        )
    return False


def check_credentials(config: AssuranceConfig) -> None:
    """Some credentials must resolve for every account (a role is assumed from them); say how to get them."""
    for account in config.accounts:
        try:
            session = boto3.Session(profile_name=account.profile) if account.profile else boto3.Session()
            credentials = session.get_credentials()
        except BotoCoreError as error:
            raise InputError(f"account '{account.name}': AWS credentials: {error}; {NO_CREDENTIALS_FIX}") from None
        if credentials is None:
            raise InputError(f"account '{account.name}': no AWS credentials found; {NO_CREDENTIALS_FIX}")
