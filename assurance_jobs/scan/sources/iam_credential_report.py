"""`iam_credential_report`: the credential report CSV — each user's password and access keys with their ages and
last use; it yields the access-key and console-password credentials and the users' last-use facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assurance_jobs.scan.credential_report import CredentialReportRow, parse_credential_report
from assurance_jobs.scan.sources.common import Context, Provenance, credential_row
from assurance_jobs.snapshot.model import IAM_CREDENTIAL_REPORT, Snapshot


@dataclass(frozen=True)
class CredentialReport:
    """The report's rows by user ARN (root excluded), and the file they came from."""

    rows: dict[str, CredentialReportRow]
    provenance: Provenance


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> CredentialReport | None:
    entry = snapshot.file(account_id, IAM_CREDENTIAL_REPORT)
    if entry is None:
        return None
    report = parse_credential_report(snapshot.contents[entry.path])
    ctx.warnings.extend(f"{entry.path}: {warning}" for warning in report.parse_warnings)
    rows = {str(row.arn): row for row in report.rows if not row.is_root and row.arn}
    return CredentialReport(rows, Provenance(entry.path, entry.sha256))


@dataclass(frozen=True)
class UserUse:
    """What the credential report says about one user."""

    console_access: bool | None
    active_keys: int
    last_used: datetime | None


def user_use(row: CredentialReportRow | None) -> UserUse | None:
    if row is None:
        return None
    uses = [row.password_last_used, row.access_key_1_last_used_date, row.access_key_2_last_used_date]
    known = [moment for moment in uses if moment is not None]
    active = sum(1 for number in (1, 2) if row.key(number, "active"))
    return UserUse(row.password_enabled, active, max(known) if known else None)


def report_credentials(
    account_id: str,
    row: CredentialReportRow,
    owner_is_nhi: bool,
    provenance: Provenance,
    ctx: Context,
) -> list[dict[str, Any]]:
    """Access keys (where the report shows one) and the console password (where enabled) of one user."""
    arn = str(row.arn)
    common = {"account_id": account_id, "owner_arn": arn, "owner_is_nhi": owner_is_nhi, "usage_tracked": True}
    rows = []
    for number in (1, 2):
        created = row.key(number, "last_rotated")
        if created is None and not row.key(number, "active"):
            continue
        rows.append(
            credential_row(
                ctx,
                provenance,
                credential_id=f"{arn}#access_key_{number}",
                kind="access_key",
                created=created,
                last_rotated=created,
                last_used=row.key(number, "last_used_date"),
                active=bool(row.key(number, "active")),
                **common,
            )
        )
    if row.password_enabled:
        changed = row.password_last_changed
        rows.append(
            credential_row(
                ctx,
                provenance,
                credential_id=f"{arn}#console_password",
                kind="console_password",
                created=changed or row.user_creation_time,
                last_rotated=changed,
                last_used=row.password_last_used,
                active=True,
                expires=row.password_next_rotation,
                **common,
            )
        )
    return rows
