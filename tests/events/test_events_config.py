"""The optional `change_events` section of the configuration file."""

from __future__ import annotations

import pytest

from assurance_jobs.config import ConfigError, parse_config

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/nhi-change-events"


def test_change_events_are_off_unless_configured() -> None:
    assert parse_config({}).change_events is None


def test_only_the_queue_url_is_required() -> None:
    section = parse_config({"change_events": {"queue_url": QUEUE}}).change_events
    assert section is not None
    assert (section.region, section.debounce_seconds, section.max_messages_per_tick) == ("us-east-1", 120, 100)


def test_unknown_change_events_field_is_named() -> None:
    with pytest.raises(ConfigError, match=r"change_events\.queue"):
        parse_config({"change_events": {"queue": QUEUE}})


def test_bad_region_is_named() -> None:
    with pytest.raises(ConfigError, match=r"change_events\.region': not an AWS region name: useast1"):
        parse_config({"change_events": {"queue_url": QUEUE, "region": "useast1"}})
