"""Change events that should rerun a day: reading the SQS queue, parsing, debouncing, the sensors' cursors, and
the policy-file fingerprint (no Dagster).

The Dagster sensors in `assurance_jobs/defs/sensors.py` only decide when to look and what to run; this package
reads the queue and the files and decides what they mean, so that logic is tested without a daemon.
"""

from assurance_jobs.events.debounce import Burst, bursts_from_cursor, bursts_to_cursor, debounce
from assurance_jobs.events.parse import ChangeEvent, ParsedMessage, parse_message, read_message
from assurance_jobs.events.policy_files import (
    PolicyCursor,
    PolicyFingerprint,
    changed_files,
    fingerprint,
    policy_sources,
)
from assurance_jobs.events.queue import QueueBatch, drain_queue, sqs_client

__all__ = [
    "Burst",
    "ChangeEvent",
    "ParsedMessage",
    "PolicyCursor",
    "PolicyFingerprint",
    "QueueBatch",
    "bursts_from_cursor",
    "bursts_to_cursor",
    "changed_files",
    "debounce",
    "drain_queue",
    "fingerprint",
    "parse_message",
    "policy_sources",
    "read_message",
    "sqs_client",
]
