"""Who is a machine, who owns it, and is that owner still here.

Every IAM role and user is treated as a non-human identity unless the team has marked it human: in practice
people reach AWS through SSO, so the IAM principals that remain are overwhelmingly workloads, and a default of
"human" would silently exempt them from every rule. The reason string says which rule decided, because a
reviewer disputing a finding needs to know why the principal was in scope.

Ownership comes from tags (the first configured key present) and is checked against an HR/IdP export so that
an NHI whose owner has left is visible (offboarding). Parsing that export is a pure function of its text: the
caller reads the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from fnmatch import fnmatchcase

from assurance_jobs.config import DirectoryFeedConfig, HumanMarker
from assurance_jobs.input_errors import InputError, decode_text

SERVICE_LINKED_PATH_PREFIX = "/aws-service-role/"
SERVICE_LINKED_REASON = "service-linked role (AWS-managed; excluded from ownership rules)"
IDENTITY_CENTER_PREFIX = "AWSReservedSSO_"
IDENTITY_CENTER_REASON = "role: IAM Identity Center permission set (AWSReservedSSO_*), assumed by people signing in"

OWNER_ACTIVE = "active"
OWNER_DEPARTED = "departed"
OWNER_UNKNOWN = "unknown"
OWNER_NONE = "no_owner"
OWNER_NOT_CHECKED = "not_checked"


def is_service_linked(path: str | None) -> bool:
    """AWS creates service-linked roles under this path; nobody in the account can own or change them."""
    return bool(path) and str(path).startswith(SERVICE_LINKED_PATH_PREFIX)


@dataclass(frozen=True)
class Classification:
    is_nhi: bool
    reason: str


def classify(kind: str, name: str, path: str | None, tags: dict[str, str], marker: HumanMarker) -> Classification:
    """NHI unless the marker tag or a name glob says human. Tag values compare case-insensitively.

    IAM Identity Center's permission-set roles (`AWSReservedSSO_<set>_<id>`, created by AWS under
    `/aws-reserved/sso.amazonaws.com/`) are how people reach an account through SSO: human by default, so their
    console use is not an NHI's interactive use."""
    if kind == "role" and is_service_linked(path):
        return Classification(True, SERVICE_LINKED_REASON)
    if kind == "role" and name.startswith(IDENTITY_CENTER_PREFIX):
        return Classification(False, IDENTITY_CENTER_REASON)
    tag_value = tags.get(marker.tag_key)
    wanted = {value.strip().lower() for value in marker.tag_values}
    if tag_value is not None and tag_value.strip().lower() in wanted:
        return Classification(False, f"{kind}: tag {marker.tag_key}={tag_value.strip()}")
    for pattern in marker.name_patterns:
        if fnmatchcase(name, pattern):
            return Classification(False, f"{kind}: name matches human pattern '{pattern}'")
    if kind == "role":
        return Classification(True, "role: all IAM roles are non-human by default")
    return Classification(True, f"{kind}: IAM {kind}s are non-human unless tagged {marker.tag_key} or named as human")


def owner_from_tags(tags: dict[str, str], owner_tag_keys: list[str]) -> tuple[str | None, str | None]:
    """(owner, tag key) from the first configured key with a non-blank value; emails are lower-cased."""
    for key in owner_tag_keys:
        value = (tags.get(key) or "").strip()
        if value:
            return (value.lower() if "@" in value else value), key
    return None, None


@dataclass(frozen=True)
class DirectoryEntry:
    email: str
    status: str
    termination_date: date | datetime | None


@dataclass(frozen=True)
class DirectoryFeed:
    """The HR/IdP export keyed by lower-cased email."""

    entries: dict[str, DirectoryEntry]
    active_values: frozenset[str]
    parse_warnings: list[str] = field(default_factory=list)


def _parse_termination(text: str) -> date | datetime | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    if len(cleaned) == 10:
        return date.fromisoformat(cleaned)
    return datetime.fromisoformat(cleaned)


def parse_directory_feed(csv_text: str, config: DirectoryFeedConfig) -> DirectoryFeed:
    """Read the export; a configured column that is absent is a ValueError naming it (a config mistake)."""
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    wanted = {
        "email_column": config.email_column,
        "status_column": config.status_column,
        "termination_date_column": config.termination_date_column,
    }
    for setting, column in wanted.items():
        if column not in header:
            found = ", ".join(header) or "(none)"
            raise ValueError(
                f"directory feed has no column '{column}' (directory_feed.{setting}); columns found: {found}"
            )
    entries: dict[str, DirectoryEntry] = {}
    warnings: list[str] = []
    for line, row in enumerate(reader, start=2):
        email = (row.get(config.email_column) or "").strip().lower()
        if not email:
            warnings.append(f"directory feed line {line}: empty email, row skipped")
            continue
        raw_date = row.get(config.termination_date_column) or ""
        try:
            terminated = _parse_termination(raw_date)
        except ValueError:
            warnings.append(f"directory feed line {line}: unreadable termination date {raw_date[:40]!r}")
            terminated = None
        if email in entries:
            warnings.append(f"directory feed line {line}: {email} listed again; the later row wins")
        status = (row.get(config.status_column) or "").strip()
        entries[email] = DirectoryEntry(email=email, status=status, termination_date=terminated)
    active = frozenset(value.strip().lower() for value in config.active_values)
    return DirectoryFeed(entries=entries, active_values=active, parse_warnings=warnings)


def _terminated_by(entry: DirectoryEntry, taken_at: datetime) -> bool:
    when = entry.termination_date
    if when is None:
        return False
    if isinstance(when, datetime):
        return (when if when.tzinfo else when.replace(tzinfo=taken_at.tzinfo)) <= taken_at
    return when <= taken_at.date()


def owner_status(owner: str | None, feed: DirectoryFeed | None, taken_at: datetime) -> str:
    """'no_owner', 'not_checked' (no feed), 'unknown' (not in feed), 'departed' or 'active' as of taken_at.

    Anyone listed whose status is not an active value, or whose termination date is on or before the
    snapshot time, counts as departed: for offboarding, "not confirmed present" is the state that matters.
    """
    if owner is None:
        return OWNER_NONE
    if feed is None:
        return OWNER_NOT_CHECKED
    entry = feed.entries.get(owner.strip().lower())
    if entry is None:
        return OWNER_UNKNOWN
    if entry.status.strip().lower() in feed.active_values and not _terminated_by(entry, taken_at):
        return OWNER_ACTIVE
    return OWNER_DEPARTED


def parse_directory_feed_bytes(raw: bytes, feed: DirectoryFeedConfig, where: str) -> DirectoryFeed:
    """The feed's bytes (from the file, or from the snapshot that keeps them as evidence), parsed; any problem is
    one InputError naming `where` and the fix."""
    text = decode_text(raw, where, "export the feed")
    if not text.strip():
        columns = f"{feed.email_column},{feed.status_column},{feed.termination_date_column}"
        raise InputError(f"{where}: directory feed is empty; expected a header row with the columns {columns}")
    try:
        return parse_directory_feed(text, feed)
    except ValueError as error:
        raise InputError(f"{where}: {error}; rename the column in the export or change that setting") from None
