"""Turn one snapshot into the tidy inventory tables the rules run on (see docs/design.md, "Inventory tables").

Pure: the snapshot's bytes go in, DataFrames come out. Every age is measured against the manifest's
`taken_at`, never the wall clock, so re-running an old snapshot reproduces its findings exactly. Every row
names the snapshot file its facts came from (path + sha256) so a finding can be traced to raw evidence.

Robustness is deliberate: AWS adds response fields, exports are edited by hand, and moto omits some data.
Unknown fields are ignored, missing ones become None, and a malformed policy document is kept raw with a
`parse_error` rather than aborting the whole account. A source that was not collected yields no rows: the
evaluation reads `collection_status` and reports INCOMPLETE instead of guessing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import pandas as pd

from assurance_jobs.config import HumanMarker
from assurance_jobs.scan.credential_report import CredentialReportRow, parse_credential_report, parse_timestamp
from assurance_jobs.scan.ownership import (
    Classification,
    DirectoryFeed,
    classify,
    is_service_linked,
    owner_from_tags,
    owner_status,
)
from assurance_jobs.schema import (
    COLLECTION_STATUS_COLUMNS,
    CREDENTIAL_COLUMNS,
    IDENTITY_COLUMNS,
    POLICY_COLUMNS,
    UTC_TIME,
)
from assurance_jobs.snapshot.model import (
    IAM_AUTHORIZATION_DETAILS,
    IAM_CREDENTIAL_REPORT,
    IAM_ROLES,
    IAM_SERVER_CERTIFICATES,
    SECRETSMANAGER_SECRETS,
    Snapshot,
)

NOT_IN_SNAPSHOT = "document not in snapshot"
SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class Inventory:
    identities: pd.DataFrame
    credentials: pd.DataFrame
    policies: pd.DataFrame
    collection_status: pd.DataFrame
    parse_warnings: list[str] = field(default_factory=list)
    agents: pd.DataFrame = field(default_factory=pd.DataFrame)
    """AI agents from the registry source, joined to their runtime identity (filled in by assurance_jobs.facts)."""


# ---------------------------------------------------------------------------------------------- small readers


@dataclass(frozen=True)
class _Provenance:
    source_file: str
    source_sha256: str


@dataclass
class _Context:
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


def _dicts(value: Any) -> list[dict[str, Any]]:
    """A list field from a response, keeping only the objects (tolerates None and junk)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _tags(value: Any) -> dict[str, str]:
    return {
        str(tag["Key"]): "" if tag.get("Value") is None else str(tag["Value"]) for tag in _dicts(value) if "Key" in tag
    }


def _tags_json(tags: dict[str, str]) -> str:
    return json.dumps(tags, sort_keys=True)


def _load_pages(
    snapshot: Snapshot, account_id: str, source: str, region: str | None, warnings: list[str]
) -> tuple[list[dict[str, Any]], _Provenance] | None:
    entry = snapshot.file(account_id, source, region)
    if entry is None:
        return None
    try:
        pages = json.loads(snapshot.contents[entry.path])["pages"]
    except (KeyError, TypeError, ValueError) as error:
        warnings.append(f"{entry.path}: unreadable snapshot file ({type(error).__name__})")
        return None
    return _dicts(pages), _Provenance(entry.path, entry.sha256)


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


# ------------------------------------------------------------------------------------ authorization details


@dataclass
class _AuthDetails:
    users: list[dict[str, Any]]
    roles: list[dict[str, Any]]
    groups: dict[str, dict[str, Any]]
    policies: dict[str, dict[str, Any]]
    provenance: _Provenance


def _merge_auth_pages(pages: list[dict[str, Any]], provenance: _Provenance) -> _AuthDetails:
    details = _AuthDetails([], [], {}, {}, provenance)
    for page in pages:
        details.users.extend(_dicts(page.get("UserDetailList")))
        details.roles.extend(_dicts(page.get("RoleDetailList")))
        for group in _dicts(page.get("GroupDetailList")):
            details.groups[str(group.get("GroupName"))] = group
        for policy in _dicts(page.get("Policies")):
            details.policies[str(policy.get("Arn"))] = policy
    return details


def _managed_document(details: _AuthDetails, policy_arn: str | None) -> tuple[str | None, str | None]:
    """The DEFAULT version's document (moto omits AWS-managed policies: kept as 'not in snapshot')."""
    policy = details.policies.get(str(policy_arn))
    if policy is None:
        return None, NOT_IN_SNAPSHOT
    versions = _dicts(policy.get("PolicyVersionList"))
    default = [v for v in versions if v.get("IsDefaultVersion") is True]
    default = default or [v for v in versions if v.get("VersionId") == policy.get("DefaultVersionId")]
    if not default:
        return None, NOT_IN_SNAPSHOT
    return decode_policy_document(default[0].get("Document"))


def _policy_row(
    account_id: str,
    principal_arn: str,
    attachment: str,
    name: Any,
    arn: Any,
    via_group: str | None,
    decoded: tuple[str | None, str | None],
    provenance: _Provenance,
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "principal_arn": principal_arn,
        "attachment": attachment,
        "policy_name": name,
        "policy_arn": arn,
        "via_group": via_group,
        "document": decoded[0],
        "parse_error": decoded[1],
        "source_file": provenance.source_file,
        "source_sha256": provenance.source_sha256,
    }


def _attached_rows(
    details: _AuthDetails,
    account_id: str,
    principal_arn: str,
    holder: dict[str, Any],
    inline_key: str,
    kinds: tuple[str, str],
    via_group: str | None,
) -> list[dict[str, Any]]:
    """Inline and attached managed policies of one user, role or group."""
    rows = [
        _policy_row(
            account_id,
            principal_arn,
            kinds[0],
            inline.get("PolicyName"),
            None,
            via_group,
            decode_policy_document(inline.get("PolicyDocument")),
            details.provenance,
        )
        for inline in _dicts(holder.get(inline_key))
    ]
    for managed in _dicts(holder.get("AttachedManagedPolicies")):
        arn = managed.get("PolicyArn")
        decoded = _managed_document(details, arn)
        rows.append(
            _policy_row(
                account_id,
                principal_arn,
                kinds[1],
                managed.get("PolicyName"),
                arn,
                via_group,
                decoded,
                details.provenance,
            )
        )
    return rows


def _boundary_arn(principal: dict[str, Any]) -> str | None:
    boundary = principal.get("PermissionsBoundary")
    return boundary.get("PermissionsBoundaryArn") if isinstance(boundary, dict) else None


def _principal_policy_rows(
    details: _AuthDetails, account_id: str, principal: dict[str, Any], kind: str, ctx: _Context
) -> list[dict[str, Any]]:
    arn = str(principal.get("Arn"))
    inline_key = "UserPolicyList" if kind == "user" else "RolePolicyList"
    rows = _attached_rows(details, account_id, arn, principal, inline_key, ("inline", "managed"), None)
    group_names = (principal.get("GroupList") or []) if kind == "user" else []
    for group_name in group_names:
        group = details.groups.get(str(group_name))
        if group is None:
            ctx.warnings.append(f"{account_id}: group {group_name} of {arn} not in authorization details")
            continue
        kinds = ("group_inline", "group_managed")
        rows += _attached_rows(details, account_id, arn, group, "GroupPolicyList", kinds, str(group_name))
    boundary = _boundary_arn(principal)
    if boundary:
        name = boundary.rsplit("/", 1)[-1]
        decoded = _managed_document(details, boundary)
        rows.append(_policy_row(account_id, arn, "boundary", name, boundary, None, decoded, details.provenance))
    if kind == "role":
        decoded = decode_policy_document(principal.get("AssumeRolePolicyDocument"))
        rows.append(_policy_row(account_id, arn, "trust", None, None, None, decoded, details.provenance))
    return rows


# ------------------------------------------------------------------------------------------------ identities


@dataclass(frozen=True)
class _UserUse:
    """What the credential report says about one user."""

    console_access: bool | None
    active_keys: int
    last_used: datetime | None


def _user_use(row: CredentialReportRow | None) -> _UserUse | None:
    if row is None:
        return None
    uses = [row.password_last_used, row.access_key_1_last_used_date, row.access_key_2_last_used_date]
    known = [moment for moment in uses if moment is not None]
    active = sum(1 for number in (1, 2) if row.key(number, "active"))
    return _UserUse(row.password_enabled, active, max(known) if known else None)


def _identity_row(
    account_id: str,
    principal: dict[str, Any],
    kind: str,
    provenance: _Provenance,
    ctx: _Context,
) -> dict[str, Any]:
    """The columns shared by users and roles: naming, tags, classification and ownership."""
    arn = str(principal.get("Arn"))
    name = str(principal.get("UserName" if kind == "user" else "RoleName") or arn.rsplit("/", 1)[-1])
    path = principal.get("Path")
    tags = _tags(principal.get("Tags"))
    verdict: Classification = classify(kind, name, path, tags, ctx.human_marker)
    owner, owner_key = owner_from_tags(tags, ctx.owner_tag_keys)
    return {
        "account_id": account_id,
        "arn": arn,
        "kind": kind,
        "name": name,
        "path": path,
        "id": principal.get("UserId" if kind == "user" else "RoleId"),
        "created": ctx.time(principal.get("CreateDate"), f"{arn} CreateDate"),
        "tags": _tags_json(tags),
        "owner": owner,
        "owner_tag_key": owner_key,
        "is_service_linked": kind == "role" and is_service_linked(path),
        "permissions_boundary_arn": _boundary_arn(principal),
        "source_file": provenance.source_file,
        "source_sha256": provenance.source_sha256,
        "is_nhi": verdict.is_nhi,
        "classification_reason": verdict.reason,
        "owner_status": owner_status(owner, ctx.directory, ctx.taken_at),
    }


def _with_use(row: dict[str, Any], last_used: datetime | None, known: bool, ctx: _Context) -> dict[str, Any]:
    """Last-use facts; `known` False (no evidence collected) leaves them None rather than guessing."""
    row["last_used"] = last_used
    row["never_used"] = (last_used is None) if known else None
    if not known:
        row["days_since_last_use"] = None
    else:
        row["days_since_last_use"] = ctx.days_since(last_used if last_used is not None else row["created"])
    return row


def _user_identity(
    account_id: str,
    user: dict[str, Any],
    report: dict[str, CredentialReportRow] | None,
    details: _AuthDetails,
    ctx: _Context,
) -> dict[str, Any]:
    row = _identity_row(account_id, user, "user", details.provenance, ctx)
    use = _user_use(report.get(row["arn"])) if report is not None else None
    row.update(
        console_access=use.console_access if use else None,
        active_access_key_count=use.active_keys if use else None,
        max_session_seconds=None,
        trust_policy=None,
        groups=sorted(str(group) for group in user.get("GroupList") or []),
    )
    return _with_use(row, use.last_used if use else None, use is not None, ctx)


def _role_identity(
    account_id: str,
    role: dict[str, Any],
    max_sessions: dict[str, float] | None,
    details: _AuthDetails,
    ctx: _Context,
) -> dict[str, Any]:
    row = _identity_row(account_id, role, "role", details.provenance, ctx)
    last_used_block = role.get("RoleLastUsed")
    last_used_raw = last_used_block.get("LastUsedDate") if isinstance(last_used_block, dict) else None
    row.update(
        console_access=False,
        active_access_key_count=0,
        max_session_seconds=None if max_sessions is None else max_sessions.get(row["arn"]),
        trust_policy=decode_policy_document(role.get("AssumeRolePolicyDocument"))[0],
        groups=[],
    )
    return _with_use(row, ctx.time(last_used_raw, f"{row['arn']} RoleLastUsed"), True, ctx)


def _max_sessions(pages: list[dict[str, Any]]) -> dict[str, float]:
    sessions: dict[str, float] = {}
    for page in pages:
        for role in _dicts(page.get("Roles")):
            seconds = role.get("MaxSessionDuration")
            if role.get("Arn") and isinstance(seconds, int | float) and not isinstance(seconds, bool):
                sessions[str(role["Arn"])] = float(seconds)
    return sessions


# ----------------------------------------------------------------------------------------------- credentials


def _credential_row(
    ctx: _Context,
    provenance: _Provenance,
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


def _report_credentials(
    account_id: str,
    row: CredentialReportRow,
    owner_is_nhi: bool,
    provenance: _Provenance,
    ctx: _Context,
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
            _credential_row(
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
            _credential_row(
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


def _secret_rows(
    account_id: str, region: str, pages: list[dict[str, Any]], provenance: _Provenance, ctx: _Context
) -> list[dict[str, Any]]:
    rows = []
    for page in pages:
        for secret in _dicts(page.get("SecretList")):
            arn = secret.get("ARN")
            if not arn:
                ctx.warnings.append(f"{provenance.source_file}: secret without ARN skipped")
                continue
            rules = secret.get("RotationRules")
            interval = rules.get("AutomaticallyAfterDays") if isinstance(rules, dict) else None
            rows.append(
                _credential_row(
                    ctx,
                    provenance,
                    account_id=account_id,
                    credential_id=str(arn),
                    kind="secret",
                    owner_arn=None,
                    owner_is_nhi=True,
                    region=region,
                    created=ctx.time(secret.get("CreatedDate"), f"{arn} CreatedDate"),
                    last_rotated=ctx.time(secret.get("LastRotatedDate"), f"{arn} LastRotatedDate"),
                    last_used=ctx.time(secret.get("LastAccessedDate"), f"{arn} LastAccessedDate"),
                    usage_tracked=True,
                    active=True,
                    rotation_enabled=secret.get("RotationEnabled") is True,
                    rotation_interval_days=float(interval) if isinstance(interval, int | float) else None,
                )
            )
    return rows


def _certificate_rows(
    account_id: str, pages: list[dict[str, Any]], provenance: _Provenance, ctx: _Context
) -> list[dict[str, Any]]:
    rows = []
    for page in pages:
        for cert in _dicts(page.get("ServerCertificateMetadataList")):
            arn = cert.get("Arn")
            if not arn:
                ctx.warnings.append(f"{provenance.source_file}: server certificate without Arn skipped")
                continue
            rows.append(
                _credential_row(
                    ctx,
                    provenance,
                    account_id=account_id,
                    credential_id=str(arn),
                    kind="server_certificate",
                    owner_arn=None,
                    owner_is_nhi=True,
                    last_used=None,
                    usage_tracked=False,
                    active=True,
                    created=ctx.time(cert.get("UploadDate"), f"{arn} UploadDate"),
                    expires=ctx.time(cert.get("Expiration"), f"{arn} Expiration"),
                )
            )
    return rows


# --------------------------------------------------------------------------------------------- per account


def _report_rows(
    snapshot: Snapshot, account_id: str, ctx: _Context
) -> tuple[dict[str, CredentialReportRow], _Provenance] | None:
    entry = snapshot.file(account_id, IAM_CREDENTIAL_REPORT)
    if entry is None:
        return None
    report = parse_credential_report(snapshot.contents[entry.path])
    ctx.warnings.extend(f"{entry.path}: {warning}" for warning in report.parse_warnings)
    rows = {str(row.arn): row for row in report.rows if not row.is_root and row.arn}
    return rows, _Provenance(entry.path, entry.sha256)


def _account_tables(
    snapshot: Snapshot, account_id: str, ctx: _Context
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    identities: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    credentials: list[dict[str, Any]] = []
    loaded = _load_pages(snapshot, account_id, IAM_AUTHORIZATION_DETAILS, None, ctx.warnings)
    details = _merge_auth_pages(*loaded) if loaded else None
    roles_loaded = _load_pages(snapshot, account_id, IAM_ROLES, None, ctx.warnings)
    max_sessions = _max_sessions(roles_loaded[0]) if roles_loaded else None
    report = _report_rows(snapshot, account_id, ctx)
    if details is not None:
        for user in details.users:
            identities.append(_user_identity(account_id, user, report[0] if report else None, details, ctx))
            policies += _principal_policy_rows(details, account_id, user, "user", ctx)
        for role in details.roles:
            identities.append(_role_identity(account_id, role, max_sessions, details, ctx))
            policies += _principal_policy_rows(details, account_id, role, "role", ctx)
    if report is not None:
        classified = {row["arn"]: row["is_nhi"] for row in identities}
        for arn, row in report[0].items():
            is_nhi = classified.get(arn)
            if is_nhi is None:  # user not in authorization details: only the name can mark it human
                is_nhi = classify("user", str(row.user), None, {}, ctx.human_marker).is_nhi
            credentials += _report_credentials(account_id, row, is_nhi, report[1], ctx)
    certs = _load_pages(snapshot, account_id, IAM_SERVER_CERTIFICATES, None, ctx.warnings)
    if certs:
        credentials += _certificate_rows(account_id, certs[0], certs[1], ctx)
    for region in _regions(snapshot, account_id, SECRETSMANAGER_SECRETS):
        secrets = _load_pages(snapshot, account_id, SECRETSMANAGER_SECRETS, region, ctx.warnings)
        if secrets:
            credentials += _secret_rows(account_id, region, secrets[0], secrets[1], ctx)
    return identities, credentials, policies


def _regions(snapshot: Snapshot, account_id: str, source: str) -> list[str]:
    files = snapshot.manifest.files
    return sorted({f.region for f in files if f.account_id == account_id and f.source == source and f.region})


def _count_parse_errors(identities: list[dict[str, Any]], policies: list[dict[str, Any]]) -> None:
    """policy_parse_errors: malformed documents per principal (an absent AWS-managed document is not one)."""
    counts: dict[tuple[str, str], int] = {}
    for policy in policies:
        if policy["parse_error"] is not None and policy["parse_error"] != NOT_IN_SNAPSHOT:
            key = (policy["account_id"], policy["principal_arn"])
            counts[key] = counts.get(key, 0) + 1
    for identity in identities:
        identity["policy_parse_errors"] = counts.get((identity["account_id"], identity["arn"]), 0)


# ------------------------------------------------------------------------------------------------- frames


def _column(values: list[Any], dtype: str) -> pd.Series:
    raw = pd.Series(values, dtype=object)
    if dtype == UTC_TIME:
        return pd.to_datetime(raw, utc=True).astype(UTC_TIME)
    if dtype == "object":
        return raw
    return raw.astype(dtype)


def _frame(rows: list[dict[str, Any]], schema: dict[str, str], order: Iterable[str]) -> pd.DataFrame:
    """Rows → DataFrame with exactly `schema`'s columns and dtypes, sorted by `order`, RangeIndex."""
    keys = list(order)
    ordered = sorted(rows, key=lambda row: tuple("" if row.get(k) is None else str(row[k]) for k in keys))
    return pd.DataFrame({name: _column([row.get(name) for row in ordered], dt) for name, dt in schema.items()})


def _accounts(snapshot: Snapshot) -> list[str]:
    manifest = snapshot.manifest
    return sorted(set(manifest.accounts) | {entry.account_id for entry in manifest.files})


def build_inventory(
    snapshot: Snapshot,
    *,
    owner_tag_keys: list[str],
    human_marker: HumanMarker,
    directory: DirectoryFeed | None,
) -> Inventory:
    """All inventory tables of a snapshot, with the classification, ownership and age facts."""
    taken_at = snapshot.manifest.taken_at
    taken_at = taken_at.replace(tzinfo=UTC) if taken_at.tzinfo is None else taken_at.astimezone(UTC)
    ctx = _Context(taken_at, list(owner_tag_keys), human_marker, directory)
    identities: list[dict[str, Any]] = []
    credentials: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    for account_id in _accounts(snapshot):
        account = _account_tables(snapshot, account_id, ctx)
        identities += account[0]
        credentials += account[1]
        policies += account[2]
    _count_parse_errors(identities, policies)
    statuses = [status.to_dict() for status in snapshot.manifest.collection_status]
    policy_order = ("account_id", "principal_arn", "attachment", "via_group", "policy_arn", "policy_name")
    return Inventory(
        identities=_frame(identities, IDENTITY_COLUMNS, ("account_id", "arn")),
        credentials=_frame(credentials, CREDENTIAL_COLUMNS, ("account_id", "credential_id")),
        policies=_frame(policies, POLICY_COLUMNS, policy_order),
        collection_status=_frame(statuses, COLLECTION_STATUS_COLUMNS, ("account_id", "source", "region", "api")),
        parse_warnings=ctx.warnings,
    )
