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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from assurance_jobs.config import HumanMarker
from assurance_jobs.scan.credential_report import CredentialReportRow
from assurance_jobs.scan.ownership import (
    Classification,
    DirectoryFeed,
    classify,
    is_service_linked,
    owner_from_tags,
    owner_status,
)
from assurance_jobs.scan.privesc_inputs import IamEstate, iam_estate_of
from assurance_jobs.scan.sources.common import (
    NOT_IN_SNAPSHOT,
    SECONDS_PER_DAY,
    Context,
    Provenance,
    TableRows,
    decode_policy_document,
    tags_json,
    tags_of,
)
from assurance_jobs.scan.sources.iam_authorization_details import (
    AuthorizationDetails,
    boundary_arn,
    principal_policy_rows,
)
from assurance_jobs.scan.sources.iam_credential_report import CredentialReport, report_credentials, user_use
from assurance_jobs.scan.sources.iam_roles import RoleSessions
from assurance_jobs.schema import (
    AGENT_TOOL_COLUMNS,
    COLLECTION_STATUS_COLUMNS,
    CREDENTIAL_COLUMNS,
    IDENTITY_COLUMNS,
    KUBERNETES_SUBJECT_COLUMNS,
    KUBERNETES_TOKEN_COLUMNS,
    LINKED_REACH_COLUMNS,
    POLICY_COLUMNS,
    PRINCIPAL_LINK_COLUMNS,
    UTC_TIME,
)
from assurance_jobs.snapshot.model import IAM_AUTHORIZATION_DETAILS, IAM_CREDENTIAL_REPORT, IAM_ROLES, Snapshot

Parser = Callable[[Snapshot, str, Context], Any]
ASSEMBLED = frozenset({IAM_AUTHORIZATION_DETAILS, IAM_CREDENTIAL_REPORT, IAM_ROLES})
"""The sources this module joins itself (users and roles, their keys and sessions); every other parser given to
`build_inventory` contributes rows through `TableRows`."""

# Re-exported: the inventory's contract as other modules and tests know it.
__all__ = [
    "COLLECTION_STATUS_COLUMNS",
    "CREDENTIAL_COLUMNS",
    "IDENTITY_COLUMNS",
    "NOT_IN_SNAPSHOT",
    "POLICY_COLUMNS",
    "SECONDS_PER_DAY",
    "UTC_TIME",
    "Inventory",
    "build_inventory",
    "decode_policy_document",
]


@dataclass(frozen=True)
class Inventory:
    identities: pd.DataFrame
    credentials: pd.DataFrame
    policies: pd.DataFrame
    collection_status: pd.DataFrame
    parse_warnings: list[str] = field(default_factory=list)
    agents: pd.DataFrame = field(default_factory=pd.DataFrame)
    """AI agents from the registry source, joined to their runtime identity (filled in by baseline/inventory_join)."""
    activity: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The covered day's CloudTrail activity of every account and region (filled in by baseline/inventory_join)."""
    principal_links: pd.DataFrame = field(default_factory=lambda: empty_table(PRINCIPAL_LINK_COLUMNS))
    """Edges other analyses add to the escalation graph (schema.PRINCIPAL_LINK_COLUMNS)."""
    linked_reach: pd.DataFrame = field(default_factory=lambda: empty_table(LINKED_REACH_COLUMNS))
    """The graph's verdict on each non-IAM node of those links (filled in by scan/policy_join)."""
    kubernetes_subjects: pd.DataFrame = field(default_factory=lambda: empty_table(KUBERNETES_SUBJECT_COLUMNS))
    """Kubernetes subjects of the configured clusters, scope `k8s:<cluster>` (scan/kubernetes)."""
    kubernetes_tokens: pd.DataFrame = field(default_factory=lambda: empty_table(KUBERNETES_TOKEN_COLUMNS))
    """Their service-account token secrets, metadata only (scan/kubernetes)."""
    iam_estate: IamEstate | None = None
    """Every IAM group (members or not) and every role's instance profiles: read by the escalation analysis."""
    agent_tools: pd.DataFrame = field(default_factory=lambda: empty_table(AGENT_TOOL_COLUMNS))
    """The tools each discovered AI agent can reach (scan/agents.py; `approved` from baseline/agents.py)."""


# ---------------------------------------------------------------------------------------------------- identities


def _identity_row(
    account_id: str,
    principal: dict[str, Any],
    kind: str,
    provenance: Provenance,
    ctx: Context,
) -> dict[str, Any]:
    """The columns shared by users and roles: naming, tags, classification and ownership."""
    arn = str(principal.get("Arn"))
    name = str(principal.get("UserName" if kind == "user" else "RoleName") or arn.rsplit("/", 1)[-1])
    path = principal.get("Path")
    tags = tags_of(principal.get("Tags"))
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
        "tags": tags_json(tags),
        "owner": owner,
        "owner_tag_key": owner_key,
        "is_service_linked": kind == "role" and is_service_linked(path),
        "permissions_boundary_arn": boundary_arn(principal),
        "source_file": provenance.source_file,
        "source_sha256": provenance.source_sha256,
        "is_nhi": verdict.is_nhi,
        "classification_reason": verdict.reason,
        "owner_status": owner_status(owner, ctx.directory, ctx.taken_at),
    }


def _with_use(row: dict[str, Any], last_used: datetime | None, known: bool, ctx: Context) -> dict[str, Any]:
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
    details: AuthorizationDetails,
    ctx: Context,
) -> dict[str, Any]:
    row = _identity_row(account_id, user, "user", details.provenance, ctx)
    use = user_use(report.get(row["arn"])) if report is not None else None
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
    details: AuthorizationDetails,
    ctx: Context,
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


# --------------------------------------------------------------------------------------------------- per account


def _account_tables(
    snapshot: Snapshot, account_id: str, parsers: Mapping[str, Parser], ctx: Context
) -> tuple[dict[str, list[dict[str, Any]]], IamEstate | None]:
    def parsed(name: str) -> Any:
        return parsers[name](snapshot, account_id, ctx) if name in parsers else None

    identities: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    credentials: list[dict[str, Any]] = []
    details: AuthorizationDetails | None = parsed(IAM_AUTHORIZATION_DETAILS)
    sessions: RoleSessions | None = parsed(IAM_ROLES)
    max_sessions = sessions.max_session_seconds if sessions else None
    report: CredentialReport | None = parsed(IAM_CREDENTIAL_REPORT)
    if details is not None:
        for user in details.users:
            identities.append(_user_identity(account_id, user, report.rows if report else None, details, ctx))
            policies += principal_policy_rows(details, account_id, user, "user", ctx)
        for role in details.roles:
            identities.append(_role_identity(account_id, role, max_sessions, details, ctx))
            policies += principal_policy_rows(details, account_id, role, "role", ctx)
    if report is not None:
        classified = {row["arn"]: row["is_nhi"] for row in identities}
        for arn, row in report.rows.items():
            is_nhi = classified.get(arn)
            if is_nhi is None:  # user not in authorization details: only the name can mark it human
                is_nhi = classify("user", str(row.user), None, {}, ctx.human_marker).is_nhi
            credentials += report_credentials(account_id, row, is_nhi, report.provenance, ctx)
    tables: dict[str, list[dict[str, Any]]] = {
        "identities": identities,
        "credentials": credentials,
        "policies": policies,
        "principal_links": [],
    }
    for name in (name for name in parsers if name not in ASSEMBLED):  # registry order: warnings stay in order
        contributed = parsed(name)
        if isinstance(contributed, TableRows):
            for table, rows in contributed.table_rows().items():
                tables[table] += rows
    return tables, iam_estate_of(details, account_id) if details is not None else None


def _count_parse_errors(identities: list[dict[str, Any]], policies: list[dict[str, Any]]) -> None:
    """policy_parse_errors: malformed documents per principal (an absent AWS-managed document is not one)."""
    counts: dict[tuple[str, str], int] = {}
    for policy in policies:
        if policy["parse_error"] is not None and policy["parse_error"] != NOT_IN_SNAPSHOT:
            key = (policy["account_id"], policy["principal_arn"])
            counts[key] = counts.get(key, 0) + 1
    for identity in identities:
        identity["policy_parse_errors"] = counts.get((identity["account_id"], identity["arn"]), 0)


# -------------------------------------------------------------------------------------------------------- frames


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


def empty_table(schema: dict[str, str]) -> pd.DataFrame:
    return _frame([], schema, ())


def _accounts(snapshot: Snapshot) -> list[str]:
    manifest = snapshot.manifest
    return sorted(set(manifest.accounts) | {entry.account_id for entry in manifest.files})


def build_inventory(
    snapshot: Snapshot,
    parsers: Mapping[str, Parser],
    *,
    owner_tag_keys: list[str],
    human_marker: HumanMarker,
    directory: DirectoryFeed | None,
) -> Inventory:
    """All inventory tables of a snapshot, with the classification, ownership and age facts.

    `parsers`: name → parser of the sources whose rows make up the identities, credentials and policies (the
    registry's `parsers("inventory")`)."""
    taken_at = snapshot.manifest.taken_at
    taken_at = taken_at.replace(tzinfo=UTC) if taken_at.tzinfo is None else taken_at.astimezone(UTC)
    ctx = Context(taken_at, list(owner_tag_keys), human_marker, directory)
    identities: list[dict[str, Any]] = []
    credentials: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    estate: IamEstate | None = None
    for account_id in _accounts(snapshot):
        account, account_estate = _account_tables(snapshot, account_id, parsers, ctx)
        identities += account["identities"]
        credentials += account["credentials"]
        policies += account["policies"]
        links += account["principal_links"]
        if account_estate is not None:
            estate = account_estate if estate is None else estate.merged(account_estate)
    _count_parse_errors(identities, policies)
    statuses = [status.to_dict() for status in snapshot.manifest.collection_status]
    policy_order = ("account_id", "principal_arn", "attachment", "via_group", "policy_arn", "policy_name")
    return Inventory(
        identities=_frame(identities, IDENTITY_COLUMNS, ("account_id", "arn")),
        credentials=_frame(credentials, CREDENTIAL_COLUMNS, ("account_id", "credential_id")),
        policies=_frame(policies, POLICY_COLUMNS, policy_order),
        collection_status=_frame(statuses, COLLECTION_STATUS_COLUMNS, ("account_id", "source", "region", "api")),
        parse_warnings=ctx.warnings,
        principal_links=_frame(links, PRINCIPAL_LINK_COLUMNS, ("account_id", "source_id", "target_id")),
        iam_estate=estate,
    )
