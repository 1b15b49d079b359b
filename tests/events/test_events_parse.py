"""Reading one SQS message body: EventBridge and SNS envelopes are unwrapped, everything else has a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from events_fixtures import ACCOUNT_A, ACCOUNT_B, S3_NOTIFICATION, cloudtrail_detail, eventbridge_body, sns_wrapped

from assurance_jobs.events import ChangeEvent, parse_message, read_message


def test_eventbridge_envelope_gives_account_name_source_and_time() -> None:
    event = parse_message(eventbridge_body("CreateAccessKey", ACCOUNT_B))
    assert event == ChangeEvent(
        account_id=ACCOUNT_B,
        event_name="CreateAccessKey",
        event_source="iam.amazonaws.com",
        event_time=datetime(2026, 3, 14, 10, 0, tzinfo=UTC),
        region="us-east-1",
        event_id="3d6c7f0e-0000-4000-8000-000000000001",
    )


def test_sns_wrapped_event_is_unwrapped() -> None:
    event = parse_message(sns_wrapped(eventbridge_body("UpdateAssumeRolePolicy")))
    assert event is not None
    assert (event.account_id, event.event_name) == (ACCOUNT_A, "UpdateAssumeRolePolicy")


def test_bare_cloudtrail_record_is_accepted() -> None:
    event = parse_message(json.dumps(cloudtrail_detail("PutRolePolicy")))
    assert event is not None
    assert event.event_name == "PutRolePolicy"


def test_secrets_manager_rotation_is_a_change() -> None:
    body = eventbridge_body("RotateSecret", source="aws.secretsmanager", detail_source="secretsmanager.amazonaws.com")
    event = parse_message(body)
    assert event is not None
    assert event.event_source == "secretsmanager.amazonaws.com"


def test_recipient_account_wins_over_the_envelope_account() -> None:
    body = json.loads(eventbridge_body(account_id=ACCOUNT_A))
    body["account"] = ACCOUNT_B  # forwarded through another account's bus
    event = parse_message(json.dumps(body))
    assert event is not None
    assert event.account_id == ACCOUNT_A


def test_envelope_account_is_used_when_the_record_has_none() -> None:
    body = json.loads(eventbridge_body(account_id=ACCOUNT_B))
    del body["detail"]["recipientAccountId"]
    event = parse_message(json.dumps(body))
    assert event is not None
    assert event.account_id == ACCOUNT_B


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        (None, "empty"),
        ("{not json", "not_json"),
        ("[1, 2]", "not_an_object"),
        ('"just a string"', "not_an_object"),
        (S3_NOTIFICATION, "unrelated_source"),
        ('{"Event": "s3:TestEvent"}', "unrelated_source"),
        (sns_wrapped("{broken"), "not_json"),
        (sns_wrapped(S3_NOTIFICATION), "unrelated_source"),
    ],
    ids=["empty", "blank", "none", "broken-json", "array", "string", "s3", "s3-test", "sns-broken", "sns-s3"],
)
def test_garbage_is_rejected_with_a_reason(body: str | None, reason: str) -> None:
    parsed = read_message(body)
    assert (parsed.event, parsed.reason) == (None, reason)


def test_other_eventbridge_detail_types_are_not_api_calls() -> None:
    body = json.loads(eventbridge_body())
    body["detail-type"] = "AWS Console Sign In via CloudTrail"
    assert read_message(json.dumps(body)).reason == "not_cloudtrail_api_call"


def test_other_services_are_unrelated() -> None:
    body = eventbridge_body("PutObject", source="aws.s3", detail_source="s3.amazonaws.com")
    assert read_message(body).reason == "unrelated_source"


def test_unwatched_iam_call_is_not_worth_a_rerun() -> None:
    assert read_message(eventbridge_body("ChangePassword")).reason == "unwatched_event"


def test_assume_role_is_not_watched_because_it_fires_on_every_workload_start() -> None:
    body = eventbridge_body("AssumeRole", source="aws.sts", detail_source="sts.amazonaws.com")
    assert read_message(body).reason == "unwatched_event"


def test_failed_call_changed_nothing() -> None:
    assert read_message(eventbridge_body("CreateAccessKey", errorCode="AccessDenied")).reason == "failed_call"


def test_read_only_call_changed_nothing() -> None:
    assert read_message(eventbridge_body("CreateAccessKey", readOnly=True)).reason == "read_only"


def test_missing_account_is_rejected() -> None:
    body = json.loads(eventbridge_body())
    del body["detail"]["recipientAccountId"]
    body["account"] = "not-an-account"
    assert read_message(json.dumps(body)).reason == "missing_account"


def test_unparseable_event_time_is_rejected() -> None:
    assert read_message(eventbridge_body(eventTime="yesterday")).reason == "bad_event_time"


def test_deeply_nested_sns_is_rejected() -> None:
    body = eventbridge_body()
    for _ in range(4):
        body = sns_wrapped(body)
    assert read_message(body).reason == "nested_too_deep"
