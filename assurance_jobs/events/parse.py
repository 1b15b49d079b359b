"""Turn one SQS message body into a change event, or say why it is not one.

WHY so defensive: the queue is fed by whatever a platform team wires to it — EventBridge directly, EventBridge via
SNS (raw delivery on or off), a test message from the console, an S3 notification routed by mistake. The sensor
must count and drop anything it cannot use without ever raising, and the reason code is what an operator reads in
the sensor log to fix the wiring.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from assurance_jobs.events.watched import CLOUDTRAIL_DETAIL_TYPE, EVENTBRIDGE_SOURCES, WATCHED_EVENTS

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_MAX_UNWRAP = 3  # SNS inside SNS is already a wiring mistake; deeper nesting is garbage.


@dataclass(frozen=True)
class ChangeEvent:
    """One mutating API call against an account's identities, credentials, permissions or secrets."""

    account_id: str
    event_name: str
    event_source: str
    event_time: datetime
    region: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class ParsedMessage:
    """Either an event or the reason the message is not one (a short stable code, e.g. `not_json`)."""

    event: ChangeEvent | None
    reason: str | None = None


class _Rejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_message(body: str | None) -> ChangeEvent | None:
    """The change event in an SQS body, or None for anything malformed, unrelated or not worth a rerun."""
    return read_message(body).event


def read_message(body: str | None) -> ParsedMessage:
    """Like `parse_message`, but keeps the reason a message was rejected, for counting and logging."""
    try:
        return ParsedMessage(_event_from(_load_object(body)))
    except _Rejected as rejected:
        return ParsedMessage(None, rejected.reason)


def _load_object(body: str | None) -> dict[str, Any]:
    """JSON object of the body, with any SNS envelopes peeled off."""
    if body is None or not body.strip():
        raise _Rejected("empty")
    document = _loads(body)
    for _ in range(_MAX_UNWRAP):
        if not _is_sns_notification(document):
            return document
        document = _loads(document["Message"])
    raise _Rejected("nested_too_deep")


def _loads(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise _Rejected("not_json") from None
    if not isinstance(document, dict):
        raise _Rejected("not_an_object")
    return document


def _is_sns_notification(document: dict[str, Any]) -> bool:
    return document.get("Type") == "Notification" and isinstance(document.get("Message"), str)


def _event_from(document: dict[str, Any]) -> ChangeEvent:
    detail, envelope = _detail_and_envelope(document)
    source = detail.get("eventSource")
    if source not in WATCHED_EVENTS:
        raise _Rejected("unrelated_source")
    name = detail.get("eventName")
    if not isinstance(name, str) or not name:
        raise _Rejected("missing_event_name")
    if name not in WATCHED_EVENTS[source]:
        raise _Rejected("unwatched_event")
    if detail.get("readOnly") is True:
        raise _Rejected("read_only")
    if detail.get("errorCode"):
        raise _Rejected("failed_call")  # a denied or failed call changed nothing
    return ChangeEvent(
        account_id=_account(detail, envelope),
        event_name=name,
        event_source=source,
        event_time=_time(detail.get("eventTime") or envelope.get("time")),
        region=_text(detail.get("awsRegion") or envelope.get("region")),
        event_id=_text(detail.get("eventID") or envelope.get("id")),
    )


def _detail_and_envelope(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The CloudTrail record and the EventBridge envelope around it (empty for a bare record)."""
    if "detail-type" in document or "detail" in document:
        if document.get("detail-type") != CLOUDTRAIL_DETAIL_TYPE:
            raise _Rejected("not_cloudtrail_api_call")
        if document.get("source") not in EVENTBRIDGE_SOURCES:
            raise _Rejected("unrelated_source")
        detail = document.get("detail")
        if not isinstance(detail, dict):
            raise _Rejected("missing_detail")
        return detail, document
    if "eventSource" in document and "eventName" in document:
        return document, {}
    raise _Rejected("unrelated_source")


def _account(detail: dict[str, Any], envelope: dict[str, Any]) -> str:
    """The account whose resources changed: CloudTrail's recipient, else the envelope's (kept across buses)."""
    for candidate in (detail.get("recipientAccountId"), envelope.get("account")):
        if isinstance(candidate, str) and _ACCOUNT_ID.match(candidate):
            return candidate
    raise _Rejected("missing_account")


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        raise _Rejected("bad_event_time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _Rejected("bad_event_time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
