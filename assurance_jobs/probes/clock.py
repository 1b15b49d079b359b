"""The probes' notion of time, injectable: tests of hour-long STS sessions must not wait an hour."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass
class FakeClock(Clock):
    """A clock whose sleep only moves time forward (for Stubber-driven STS tests)."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.current += timedelta(seconds=max(seconds, 0))


def http_date(value: str | None) -> datetime | None:
    """An HTTP `Date` header as an aware datetime (None when absent or unreadable)."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
