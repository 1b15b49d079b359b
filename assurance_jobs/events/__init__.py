"""Change events that should rerun a day: parsing and debouncing (no Dagster, no AWS calls).

The Dagster sensors in `assurance_jobs/defs/sensors.py` read the queue and the files; this package decides what
the messages and files mean, so that logic is tested without a daemon.
"""

from assurance_jobs.events.debounce import Burst, bursts_from_cursor, bursts_to_cursor, debounce
from assurance_jobs.events.parse import ChangeEvent, ParsedMessage, parse_message, read_message
from assurance_jobs.events.policy_files import PolicyFingerprint, changed_files, fingerprint, policy_sources

__all__ = [
    "Burst",
    "ChangeEvent",
    "ParsedMessage",
    "PolicyFingerprint",
    "bursts_from_cursor",
    "bursts_to_cursor",
    "changed_files",
    "debounce",
    "fingerprint",
    "parse_message",
    "policy_sources",
    "read_message",
]
