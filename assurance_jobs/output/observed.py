"""An observed value as an auditor reads it, rendered from its declared kind (schema.OBSERVED_KINDS), never guessed
from how the text looks: `012345678901` is an account id and stays exactly that, not the number 12,345,678,901.

Every surface that prints a fact (finding rows, identity pages, the changes page, alerts) goes through `render`.
"""

from __future__ import annotations

import re
from typing import Any

from assurance_jobs.output.casing import aws_case

MISSING = frozenset({"", "missing", "none", "nan", "None", "<NA>"})
_COMMA_WITHOUT_SPACE = re.compile(r",(?=\S)")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def _listed(value: str) -> str:
    return _COMMA_WITHOUT_SPACE.sub(", ", value)


def _number(value: str) -> float | None:
    return float(value) if _NUMBER.match(value) else None


def _plural(amount: int, one: str, many: str) -> str:
    return f"{amount:,} {one if abs(amount) == 1 else many}"


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    if hours and not rest:
        return f"{hours} h"
    return f"{seconds / 3600:.1f} h" if hours else f"{seconds // 60} min"


def _days(value: str) -> str:
    number = _number(value)
    return value if number is None else _plural(round(number), "day", "days")


def _days_left(value: str) -> str:
    number = _number(value)
    if number is None:
        return value
    days = round(number)
    if days == 0:
        return "expires today"
    return f"{_plural(days, 'day', 'days')} left" if days > 0 else f"expired {_plural(-days, 'day', 'days')} ago"


def _seconds(value: str) -> str:
    number = _number(value)
    if number is None:
        return value
    seconds = round(number)
    return f"{_plural(seconds, 'second', 'seconds')} ({_duration(abs(seconds))})"


def _count(value: str) -> str:
    number = _number(value)
    if number is None:
        return value
    return f"{round(number):,}" if abs(number - round(number)) < 1e-9 else f"{number:,.1f}"


def _boolean(value: str) -> str:
    return {"true": "yes", "false": "no"}.get(value.lower(), value)


def _expiry(value: str) -> str:
    return value.replace("T00:00:00", "").replace("+00:00", "Z")


_RENDERERS = {
    "count": _count,
    "days": _days,
    "days_left": _days_left,
    "seconds": _seconds,
    "account_ids": _listed,
    "arns": _listed,
    "actions": lambda value: aws_case(_listed(value)),
    "services": _listed,
    "names": _listed,
    "boolean": _boolean,
    "expiry": _expiry,
    "status": lambda value: value.replace("_", " "),
    "text": lambda value: aws_case(_listed(value)),
}
_ABSENT = {"expiry": "never", "boolean": "unknown", "count": "0"}


def render(value: Any, kind: str | None) -> str:
    """The value as text for its kind (`text` when the kind is unknown: shown as written, lists spaced)."""
    shown = "" if value is None else str(value).strip()
    kind = kind if kind in _RENDERERS else "text"
    if shown in MISSING:
        return _ABSENT.get(kind, "none")
    return _RENDERERS[kind](shown)
