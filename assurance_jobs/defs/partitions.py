"""One partition per UTC day: the unit of evidence an auditor asks for ("show me 14 March")."""

from datetime import date

import dagster as dg


def daily_partitions(start: date) -> dg.DailyPartitionsDefinition:
    """Days from `start` (the configuration's `partition_start`) to today.

    `end_offset=1` makes today's partition exist during today, so the daily run snapshots the live estate as of now.
    The start is a fixed day rather than "the first stored snapshot's day": partitions are defined once when the
    definitions are built, and in-process runs (the demo, tests) create their history later."""
    return dg.DailyPartitionsDefinition(start_date=start.isoformat(), timezone="UTC", end_offset=1)
