"""One partition per UTC day: the unit of evidence an auditor asks for ("show me 14 March")."""

import os
from datetime import date

import dagster as dg

from assurance_jobs.config import DEFAULT_PARTITION_START, ConfigError, load_config


def configured_partition_start() -> date:
    """`partition_start` from $ASSURANCE_CONFIG (the CLI sets it to --config), else the built-in first day.

    The default is a fixed day rather than "the first stored snapshot's day" because the partitions are
    defined once when the code location loads, and in-process runs (the demo, tests) create their history later.
    A broken file must not hide the partitions: the run itself reports the configuration error.
    """
    try:
        return load_config(os.environ.get("ASSURANCE_CONFIG")).partition_start or DEFAULT_PARTITION_START
    except ConfigError:
        return DEFAULT_PARTITION_START


PARTITION_START = configured_partition_start().isoformat()

# end_offset=1 makes today's partition exist during today, so the daily run snapshots the live estate as of now.
daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITION_START, timezone="UTC", end_offset=1)
