"""What every per-source parser shares: the row context (as-of time, settings, warnings), provenance, and the
small tolerant readers for raw API pages (unknown fields ignored, missing ones None, junk skipped)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from urllib.parse import unquote

from assurance_jobs.config import HumanMarker
from assurance_jobs.scan.credential_report import parse_timestamp
from assurance_jobs.scan.ownership import DirectoryFeed
from assurance_jobs.snapshot.model import Snapshot

NOT_IN_SNAPSHOT = "document not in snapshot"
SECONDS_PER_DAY = 86400.0


@runtime_checkable
class TableRows(Protocol):
    """A parse result that adds rows (dicts keyed by column name) to inventory tables by name: the inventory takes
    them with no code of its own for the source (a new kind of credential, say)."""

    def table_rows(self) -> Mapping[str, list[dict[str, Any]]]: ...


@dataclass(frozen=True)
class CredentialRows:
    """Rows of the `credentials` table from one source (secrets, certificates, …)."""

    credentials: list[dict[str, Any]]

    def table_rows(self) -> Mapping[str, list[dict[str, Any]]]:
        return {"credentials": self.credentials}


@dataclass(frozen=True)
class Provenance:
    source_file: str
    source_sha256: str


@dataclass
class Context:
    """What every row builder needs: the as-of time, the settings, and somewhere to report oddities."""

    taken_at: datetime
    owner_tag_keys: list[str]
    human_marker: HumanMarker
    directory: DirectoryFeed | None
    warnings: list[str] = field(default_factory=list)

    def time(self, value: Any, what: str) -> datetime | None:
        """An AWS timestamp (ISO string or datetime) as aware UTC; unreadable → None plus a warning."""
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        try:
            return parse_timestamp(str(value))
        except ValueError:
            self.warnings.append(f"{what}: unreadable timestamp {str(value)[:40]!r}")
            return None

    def days_since(self, moment: datetime | None) -> float | None:
        return None if moment is None else (self.taken_at - moment).total_seconds() / SECONDS_PER_DAY


def dicts(value: Any) -> list[dict[str, Any]]:
    """A list field from a response, keeping only the objects (tolerates None and junk)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def tags_of(value: Any) -> dict[str, str]:
    return {
        str(tag["Key"]): "" if tag.get("Value") is None else str(tag["Value"]) for tag in dicts(value) if "Key" in tag
    }


def tags_json(tags: dict[str, str]) -> str:
    return json.dumps(tags, sort_keys=True)


def load_pages(
    snapshot: Snapshot, account_id: str, source: str, region: str | None, warnings: list[str]
) -> tuple[list[dict[str, Any]], Provenance] | None:
    entry = snapshot.file(account_id, source, region)
    if entry is None:
        return None
    try:
        pages = json.loads(snapshot.contents[entry.path])["pages"]
    except (KeyError, TypeError, ValueError) as error:
        warnings.append(f"{entry.path}: unreadable snapshot file ({type(error).__name__})")
        return None
    return dicts(pages), Provenance(entry.path, entry.sha256)


def decode_policy_document(raw: Any) -> tuple[str | None, str | None]:
    """(document as a JSON string, parse_error). Accepts dicts (boto3) and URL-encoded JSON (raw IAM API)."""
    if raw is None:
        return None, "document missing"
    if isinstance(raw, str):
        text = raw.strip()
        if not text.startswith(("{", "[")):
            text = unquote(text)
        try:
            document = json.loads(text)
        except ValueError as error:
            message = getattr(error, "msg", str(error))
            return raw, f"invalid JSON: {message}"
    else:
        document = raw
    if not isinstance(document, dict):
        return json.dumps(document, default=str), "document is not a JSON object"
    rendered = json.dumps(document, sort_keys=True, default=str)
    if "Statement" not in document:
        return rendered, "document has no Statement"
    return rendered, None


def credential_row(
    ctx: Context,
    provenance: Provenance,
    *,
    account_id: str,
    credential_id: str,
    kind: str,
    owner_arn: str | None,
    owner_is_nhi: bool,
    created: datetime | None,
    last_used: datetime | None,
    usage_tracked: bool,
    active: bool,
    region: str | None = None,
    last_rotated: datetime | None = None,
    rotation_enabled: bool | None = None,
    rotation_interval_days: float | None = None,
    expires: datetime | None = None,
) -> dict[str, Any]:
    """One credential with its computed ages; `usage_tracked` False (certificates) leaves use facts None."""
    never_used = (last_used is None) if usage_tracked else None
    since_use = ctx.days_since(last_used if last_used is not None else created) if usage_tracked else None
    return {
        "account_id": account_id,
        "credential_id": credential_id,
        "kind": kind,
        "owner_arn": owner_arn,
        "region": region,
        "created": created,
        "last_rotated": last_rotated,
        "last_used": last_used,
        "active": active,
        "rotation_enabled": rotation_enabled,
        "rotation_interval_days": rotation_interval_days,
        "expires": expires,
        "source_file": provenance.source_file,
        "source_sha256": provenance.source_sha256,
        "owner_is_nhi": owner_is_nhi,
        "age_days": ctx.days_since(created),
        "days_since_last_use": since_use,
        "never_used": never_used,
        "days_since_rotation": ctx.days_since(last_rotated if last_rotated is not None else created),
        "days_to_expiry": None if expires is None else (expires - ctx.taken_at).total_seconds() / SECONDS_PER_DAY,
    }
