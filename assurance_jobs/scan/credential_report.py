"""Parse the IAM credential report CSV into typed rows.

The report is the only place AWS states when an access key was created and last used, and when a console
password was last used, so every rotation and dormancy rule depends on reading it exactly. It is also a CSV
whose cells mix sentinels (`N/A`, `no_information`, `not_supported`) with booleans and timestamps, and whose
shape AWS (and moto) have changed before. The parser therefore never raises on content: a missing column or
an unreadable cell becomes `None` plus a line in `parse_warnings`, so one odd row cannot hide every
other finding.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

ROOT_ACCOUNT_USER = "<root_account>"

# Cells that mean "no value" rather than a parse problem: no key / never used / not recorded / not applicable.
NO_VALUE = frozenset({"", "N/A", "no_information", "not_supported"})

_TIME = "time"
_BOOL = "bool"
_TEXT = "text"

# The 22 documented columns, in AWS order, with how each is read.
COLUMN_KINDS: dict[str, str] = {
    "user": _TEXT,
    "arn": _TEXT,
    "user_creation_time": _TIME,
    "password_enabled": _BOOL,
    "password_last_used": _TIME,
    "password_last_changed": _TIME,
    "password_next_rotation": _TIME,
    "mfa_active": _BOOL,
    "access_key_1_active": _BOOL,
    "access_key_1_last_rotated": _TIME,
    "access_key_1_last_used_date": _TIME,
    "access_key_1_last_used_region": _TEXT,
    "access_key_1_last_used_service": _TEXT,
    "access_key_2_active": _BOOL,
    "access_key_2_last_rotated": _TIME,
    "access_key_2_last_used_date": _TIME,
    "access_key_2_last_used_region": _TEXT,
    "access_key_2_last_used_service": _TEXT,
    "cert_1_active": _BOOL,
    "cert_1_last_rotated": _TIME,
    "cert_2_active": _BOOL,
    "cert_2_last_rotated": _TIME,
}
CREDENTIAL_REPORT_COLUMNS: tuple[str, ...] = tuple(COLUMN_KINDS)
REQUIRED_COLUMNS = ("user", "arn")


@dataclass(frozen=True)
class CredentialReportRow:
    """One report line: sentinels mapped to None, booleans to bool, timestamps to aware UTC datetimes."""

    user: str | None
    arn: str | None
    user_creation_time: datetime | None
    password_enabled: bool | None
    password_last_used: datetime | None
    password_last_changed: datetime | None
    password_next_rotation: datetime | None
    mfa_active: bool | None
    access_key_1_active: bool | None
    access_key_1_last_rotated: datetime | None
    access_key_1_last_used_date: datetime | None
    access_key_1_last_used_region: str | None
    access_key_1_last_used_service: str | None
    access_key_2_active: bool | None
    access_key_2_last_rotated: datetime | None
    access_key_2_last_used_date: datetime | None
    access_key_2_last_used_region: str | None
    access_key_2_last_used_service: str | None
    cert_1_active: bool | None
    cert_1_last_rotated: datetime | None
    cert_2_active: bool | None
    cert_2_last_rotated: datetime | None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_root(self) -> bool:
        return self.user == ROOT_ACCOUNT_USER

    def key(self, number: int, suffix: str) -> Any:
        """Read `access_key_<number>_<suffix>` without string-building at every call site."""
        return getattr(self, f"access_key_{number}_{suffix}")


@dataclass(frozen=True)
class CredentialReport:
    rows: list[CredentialReportRow]
    parse_warnings: list[str]

    def to_frame(self) -> pd.DataFrame:
        """The rows as a DataFrame with the 22 documented columns (timestamps as datetime64[UTC])."""
        data = {name: [getattr(row, name) for row in self.rows] for name in CREDENTIAL_REPORT_COLUMNS}
        frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in data.items()})
        for name, kind in COLUMN_KINDS.items():
            if kind == _TIME:
                frame[name] = pd.to_datetime(frame[name], utc=True)
            elif kind == _BOOL:
                frame[name] = frame[name].astype("boolean")
            else:
                frame[name] = frame[name].astype("str")
        return frame


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 as AWS and moto write it (`+00:00` or `Z`); a naive value is taken as UTC."""
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _read_cell(kind: str, text: str) -> Any:
    """Convert one cell; raise ValueError when it is neither a sentinel nor a value of its kind."""
    cleaned = text.strip()
    if cleaned in NO_VALUE:
        return None
    if kind == _BOOL:
        lowered = cleaned.lower()
        if lowered not in ("true", "false"):
            raise ValueError("not true/false")
        return lowered == "true"
    if kind == _TIME:
        return parse_timestamp(cleaned)
    return cleaned


def _parse_row(raw: dict[str | None, Any], present: list[str], line: int, warnings: list[str]) -> CredentialReportRow:
    values: dict[str, Any] = dict.fromkeys(CREDENTIAL_REPORT_COLUMNS)
    extra: dict[str, str] = {}
    who = raw.get("user") or f"line {line}"
    for name, cell in raw.items():
        if name is None or name not in COLUMN_KINDS:
            if name is not None and isinstance(cell, str):
                extra[name] = cell
            elif name is None:
                warnings.append(f"credential report line {line} ({who}): more cells than header columns")
            continue
        if cell is None:
            warnings.append(f"credential report line {line} ({who}): row is short, '{name}' missing")
            continue
        try:
            values[name] = _read_cell(COLUMN_KINDS[name], cell)
        except ValueError:
            warnings.append(f"credential report line {line} ({who}): column '{name}' unreadable value {cell[:40]!r}")
    for name in REQUIRED_COLUMNS:
        if name in present and values[name] is None:
            warnings.append(f"credential report line {line}: empty '{name}'")
    return CredentialReportRow(**values, extra=extra)


def parse_credential_report(raw: bytes | str) -> CredentialReport:
    """Parse the raw report (as returned by GetCredentialReport) into rows plus warnings; never raises."""
    text = raw.decode("utf-8-sig", errors="replace") if isinstance(raw, bytes) else raw
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    warnings: list[str] = []
    if not header:
        return CredentialReport(rows=[], parse_warnings=["credential report is empty (no header)"])
    missing = [name for name in CREDENTIAL_REPORT_COLUMNS if name not in header]
    if missing:
        warnings.append(f"credential report: missing columns {', '.join(missing)}")
    rows = [_parse_row(raw_row, header, line, warnings) for line, raw_row in enumerate(reader, start=2)]
    return CredentialReport(rows=rows, parse_warnings=warnings)
