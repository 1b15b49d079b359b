"""The EventBridge rule patterns in docs/change-events.md and the parser watch the same events."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assurance_jobs.events.watched import CLOUDTRAIL_DETAIL_TYPE, EVENTBRIDGE_SOURCES, WATCHED_EVENTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "change-events.md"


def rule_patterns() -> list[dict]:
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [pattern for pattern in map(json.loads, blocks) if "detail-type" in pattern]


def test_documented_rules_match_cloudtrail_api_calls_from_the_watched_sources() -> None:
    patterns = rule_patterns()
    assert all(pattern["detail-type"] == [CLOUDTRAIL_DETAIL_TYPE] for pattern in patterns)
    assert sorted(source for pattern in patterns for source in pattern["source"]) == sorted(EVENTBRIDGE_SOURCES)


def test_each_rule_lists_exactly_the_watched_names_of_its_sources() -> None:
    for pattern in rule_patterns():
        watched = set().union(*(WATCHED_EVENTS[EVENTBRIDGE_SOURCES[source]] for source in pattern["source"]))
        assert set(pattern["detail"]["eventName"]) == watched


def test_each_documented_rule_names_its_event_sources() -> None:
    for pattern in rule_patterns():
        expected = sorted(EVENTBRIDGE_SOURCES[source] for source in pattern["source"])
        assert sorted(pattern["detail"]["eventSource"]) == expected
