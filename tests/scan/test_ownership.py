"""Classification (NHI or human), owner attribution from tags, and owner status from the directory feed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assurance_jobs.config import DirectoryFeedConfig, HumanMarker
from assurance_jobs.scan.ownership import (
    SERVICE_LINKED_REASON,
    classify,
    owner_from_tags,
    owner_status,
    parse_directory_feed,
)

TAKEN_AT = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
FEED_CONFIG = DirectoryFeedConfig(path="unused.csv")
KEYS = ["owner", "Owner", "owner-email"]


def _feed(text: str, config: DirectoryFeedConfig = FEED_CONFIG):
    return parse_directory_feed(text, config)


def test_roles_are_non_human_by_default() -> None:
    verdict = classify("role", "app-role", "/", {}, HumanMarker())
    assert (verdict.is_nhi, verdict.reason) == (True, "role: all IAM roles are non-human by default")


def test_untagged_user_is_non_human() -> None:
    assert classify("user", "svc-ci", "/", {}, HumanMarker()).is_nhi


def test_human_tag_marks_user_human_with_its_reason() -> None:
    verdict = classify("user", "alice", "/", {"identity-type": "human"}, HumanMarker())
    assert (verdict.is_nhi, verdict.reason) == (False, "user: tag identity-type=human")


def test_human_tag_value_compares_case_insensitively() -> None:
    assert not classify("user", "alice", "/", {"identity-type": " Human "}, HumanMarker()).is_nhi


def test_other_tag_value_does_not_mark_human() -> None:
    assert classify("user", "bot", "/", {"identity-type": "service"}, HumanMarker()).is_nhi


def test_name_pattern_marks_user_human() -> None:
    marker = HumanMarker(name_patterns=["*.admin"])
    verdict = classify("user", "jo.admin", "/", {}, marker)
    assert (verdict.is_nhi, verdict.reason) == (False, "user: name matches human pattern '*.admin'")


def test_service_linked_role_is_recognised_by_its_path() -> None:
    verdict = classify(
        "role", "AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/", {}, HumanMarker()
    )
    assert (verdict.is_nhi, verdict.reason) == (True, SERVICE_LINKED_REASON)


def test_owner_comes_from_first_configured_key_present() -> None:
    assert owner_from_tags({"owner-email": "x@example.com", "owner": "team-a"}, KEYS) == ("team-a", "owner")


def test_owner_comes_from_second_key_when_first_is_absent() -> None:
    assert owner_from_tags({"Owner": "team-b"}, KEYS) == ("team-b", "Owner")


def test_owner_email_is_trimmed_and_lower_cased() -> None:
    assert owner_from_tags({"owner": "  Jo.Smith@Example.COM "}, KEYS) == ("jo.smith@example.com", "owner")


def test_owner_that_is_not_an_email_keeps_its_case() -> None:
    assert owner_from_tags({"owner": " Team-Payments "}, KEYS) == ("Team-Payments", "owner")


def test_owner_tag_keys_are_case_sensitive() -> None:
    assert owner_from_tags({"OWNER": "team-c"}, KEYS) == (None, None)


def test_blank_owner_value_falls_through_to_the_next_key() -> None:
    assert owner_from_tags({"owner": "  ", "owner-email": "a@b.io"}, KEYS) == ("a@b.io", "owner-email")


def test_owner_listed_active_is_active() -> None:
    feed = _feed("email,status,termination_date\nJo@Example.com,active,\n")
    assert owner_status("jo@example.com", feed, TAKEN_AT) == "active"


def test_active_value_compares_case_insensitively() -> None:
    assert owner_status(
        "jo@example.com", _feed("email,status,termination_date\njo@example.com,ACTIVE,\n"), TAKEN_AT
    ) == ("active")


def test_termination_on_the_snapshot_day_means_departed() -> None:
    feed = _feed("email,status,termination_date\njo@example.com,active,2026-11-25\n")
    assert owner_status("jo@example.com", feed, TAKEN_AT) == "departed"


def test_termination_after_the_snapshot_is_still_active() -> None:
    feed = _feed("email,status,termination_date\njo@example.com,active,2026-11-26\n")
    assert owner_status("jo@example.com", feed, TAKEN_AT) == "active"


def test_status_outside_active_values_means_departed() -> None:
    feed = _feed("email,status,termination_date\njo@example.com,terminated,\n")
    assert owner_status("jo@example.com", feed, TAKEN_AT) == "departed"


def test_owner_missing_from_feed_is_unknown() -> None:
    feed = _feed("email,status,termination_date\njo@example.com,active,\n")
    assert owner_status("ghost@example.com", feed, TAKEN_AT) == "unknown"


def test_no_owner_is_no_owner_even_with_a_feed() -> None:
    assert owner_status(None, _feed("email,status,termination_date\n"), TAKEN_AT) == "no_owner"


def test_without_a_feed_owner_is_not_checked() -> None:
    assert owner_status("jo@example.com", None, TAKEN_AT) == "not_checked"


def test_configured_column_names_are_used() -> None:
    config = DirectoryFeedConfig(
        path="x", email_column="mail", status_column="state", termination_date_column="left_on", active_values=["A"]
    )
    feed = _feed("mail,state,left_on\njo@example.com,a,\n", config)
    assert owner_status("jo@example.com", feed, TAKEN_AT) == "active"


def test_missing_configured_column_is_a_clear_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"no column 'termination_date' \(directory_feed\.termination_date_column\)"):
        _feed("email,status\njo@example.com,active\n")


def test_unreadable_termination_date_is_warned_and_ignored() -> None:
    feed = _feed("email,status,termination_date\njo@example.com,active,soon\n")
    assert owner_status("jo@example.com", feed, TAKEN_AT) == "active"
    assert feed.parse_warnings == ["directory feed line 2: unreadable termination date 'soon'"]
