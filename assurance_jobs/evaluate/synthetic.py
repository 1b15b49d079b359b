"""Contract-shaped inventory rows for tests and benchmarks, built to docs/design.md ("Rule facts").

The evaluation is developed against the column contract, not against one inventory implementation, so its
tests build tables from here: one healthy NHI per kind, each overridable in the one fact a test is about. The
dtypes are those the inventory uses (nullable `boolean` and `Int64` where a fact can be unknown, `str` for text)
because the rules' row conditions must behave on exactly those.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from assurance_jobs.schema import COLLECTION_STATUS_COLUMNS, CREDENTIAL_COLUMNS, IDENTITY_TABLE_COLUMNS
from assurance_jobs.sources import registry

ACCOUNT = "111111111111"
TAKEN_AT = pd.Timestamp("2026-11-25T06:00:00Z")

# The real inventory's columns and dtypes plus every fact joined onto them (assurance_jobs/schema.py), so
# synthetic rows can never drift from what the pipeline produces.
IDENTITY_SCHEMA: dict[str, str] = dict(IDENTITY_TABLE_COLUMNS)
CREDENTIAL_SCHEMA: dict[str, str] = dict(CREDENTIAL_COLUMNS)

STATUS_SCHEMA: dict[str, str] = dict(COLLECTION_STATUS_COLUMNS)

_SHA = "0" * 64
# The sources every account collects (not optional, not regional): a clean run has one ok row for each.
_GLOBAL_SOURCES: tuple[str, ...] = tuple(
    entry.name
    for entry in registry.aws_sources()
    if entry.scope == "account" and not entry.regional and not entry.optional
)
_REGIONAL_SOURCES: tuple[str, ...] = tuple(
    entry.name for entry in registry.SOURCES if entry.kind == "aws" and entry.regional and not entry.optional
)


# Read for every region of an account with a trail: the log objects, their activity, and the KMS key inventory.
_TRAIL_SOURCES = ("cloudtrail_objects", "cloudtrail_activity", "kms_keys")


def trail_ok(account: str = ACCOUNT, regions: Iterable[str] = ("eu-west-1",)) -> list[dict[str, Any]]:
    """Clean CloudTrail coverage of every region of one account (the runtime rules' evidence), and a learned
    baseline with enough stored days."""
    rows = [status(source, account, region) for region in regions for source in _TRAIL_SOURCES]
    return [*rows, status("learned_baseline", account)]


def user_arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


def role_arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def identity(name: str, kind: str = "role", account: str = ACCOUNT, **facts: Any) -> dict[str, Any]:
    """A healthy, owned, recently used NHI user or role; `facts` override single columns."""
    arn = role_arn(name, account) if kind == "role" else user_arn(name, account)
    row: dict[str, Any] = {
        "account_id": account,
        "arn": arn,
        "kind": kind,
        "name": name,
        "path": "/",
        "id": "AID" + hashlib.sha256(arn.encode()).hexdigest()[:16].upper(),
        "created": TAKEN_AT - pd.Timedelta(days=200),
        "tags": '{"owner": "team@example.com"}',
        "owner": "team@example.com",
        "owner_tag_key": "owner",
        "last_used": TAKEN_AT - pd.Timedelta(days=1),
        "console_access": False if kind == "user" else None,
        "max_session_seconds": 3600.0 if kind == "role" else None,
        "is_service_linked": False,
        "trust_policy": "{}" if kind == "role" else None,
        "permissions_boundary_arn": None,
        "groups": [],
        "source_file": f"{account}/iam_authorization_details.json",
        "source_sha256": _SHA,
        "is_nhi": True,
        "classification_reason": "no human marker tag",
        "owner_status": "active",
        "days_since_last_use": 1.0,
        "never_used": False,
        "active_access_key_count": 1 if kind == "user" else 0,
        "effective_admin": False,
        "sensitive_wildcard_services": "",
        "sensitive_wildcard_count": 0,
        "privesc_methods": "",
        "privesc_method_count": 0,
        "privesc_escalates": False,
        "privesc_path": "",
        "privesc_conditional": False,
        "privesc_reachable_by": "",
        "privesc_reachable_by_count": 0,
        "privesc_latent": False,
        "privesc_latent_path": "",
        "privesc_undecidable": False,
        "privesc_blocked": "",
        "organization_policies_unreadable": 0,
        "privesc_resources_unreadable": 0,
        "admin_implied": "",
        "trust_open_unconditioned": False,
        "cross_account_without_external_id": "",
        "cross_account_without_external_id_count": 0,
        "oidc_subject_unconstrained": False,
        "policy_parse_errors": 0,
        "policy_documents_missing": 0,
        "permission_documents_unreadable": 0,
        "trust_documents_unreadable": 0,
        # Baseline and drift facts: not governed by a baseline, nothing changed since the previous day.
        "in_baseline": False,
        "unapproved_actions": "",
        "unapproved_action_count": 0,
        "unapproved_managed_policies": "",
        "unapproved_managed_policy_count": 0,
        "unapproved_permissions": "",
        "unapproved_permission_count": 0,
        "unapproved_trust_principals": "",
        "unapproved_trust_principal_count": 0,
        "approved_owner": None,
        "baseline_owner_mismatch": False,
        "jit_expired_grants": "",
        "jit_expired_grant_count": 0,
        "drift_permissions_outside_baseline": "",
        "drift_permissions_outside_baseline_count": 0,
        "drift_trust_outside_baseline": "",
        "drift_trust_outside_baseline_count": 0,
        # Runtime facts: a quiet day inside every approved scope, 90 covered days on record.
        "rt_events": 12,
        "rt_secret_reads_outside_networks": "",
        "rt_secret_reads_outside_networks_count": 0,
        "rt_decrypts_unknown_key_count": 0,
        "rt_interactive_use": "",
        "rt_interactive_use_count": 0,
        "rt_calls_outside_scope": "",
        "rt_calls_outside_scope_count": 0,
        "rt_denied_outside_baseline": "",
        "rt_denied_outside_baseline_count": 0,
        "rt_unused_granted_services": "",
        "rt_unused_granted_service_count": 0,
        "rt_unused_unknown_count": 0,
        "rt_source_file": f"{account}/cloudtrail_objects.eu-west-1.json",
        "rt_source_sha256": _SHA,
        "rt_unused_source_file": f"{account}/cloudtrail_objects.eu-west-1.json",
        "rt_unused_source_sha256": _SHA,
        "rt_calls_unknown_action_count": 0,
        # Learned-baseline facts: judged by its learned behaviour, nothing new on the covered day.
        "rt_secret_reads_new_network": "",
        "rt_secret_reads_new_network_count": 0,
        "rt_first_sensitive_use": "",
        "rt_first_sensitive_use_count": 0,
        "rt_new_regions": "",
        "rt_new_region_count": 0,
        "rt_learned_days": 30,
        "rt_judged_by": "learned",
        "rt_not_judged_reason": None,
        "rt_granted_vs_used": "used 3 of 3 granted actions over 31 stored days",
        "rt_used_action_count": 3,
        "rt_granted_action_count": 3,
    }
    return _override(row, facts)


def credential(
    credential_id: str, kind: str = "access_key", owner_arn: str | None = None, account: str = ACCOUNT, **facts: Any
) -> dict[str, Any]:
    """A healthy credential of `kind`: young, in use, rotating, far from expiry; `facts` override columns."""
    regional = kind == "secret"
    row: dict[str, Any] = {
        "account_id": account,
        "credential_id": credential_id,
        "kind": kind,
        "owner_arn": owner_arn,
        "region": "eu-west-1" if regional else None,
        "created": TAKEN_AT - pd.Timedelta(days=10),
        "last_rotated": TAKEN_AT - pd.Timedelta(days=10) if regional else None,
        "last_used": TAKEN_AT - pd.Timedelta(days=1),
        "active": True,
        "rotation_enabled": True if regional else None,
        "rotation_interval_days": 30.0 if regional else None,
        "expires": TAKEN_AT + pd.Timedelta(days=300) if kind != "access_key" else None,
        "source_file": _source_file(kind, account),
        "source_sha256": _SHA,
        "owner_is_nhi": True,
        "age_days": 10.0,
        "days_since_last_use": 1.0,
        "never_used": False,
        "days_since_rotation": 10.0,
        "days_to_expiry": 300.0 if kind == "server_certificate" else None,
    }
    return _override(row, facts)


def _source_file(kind: str, account: str) -> str:
    if kind == "secret":
        return f"{account}/secretsmanager_secrets.eu-west-1.json"
    if kind == "server_certificate":
        return f"{account}/iam_server_certificates.json"
    return f"{account}/iam_credential_report.csv"


def _override(row: dict[str, Any], facts: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(facts) - set(row))
    if unknown:
        raise KeyError(f"not a contract column: {', '.join(unknown)}")
    row.update(facts)
    return row


def status(
    source: str, account: str = ACCOUNT, region: str | None = None, state: str = "ok", error_code: str | None = None
) -> dict[str, Any]:
    """One collection-status row (the manifest's evidence-completeness record)."""
    api = registry.source(source).api
    return {
        "account_id": account,
        "source": source,
        "api": api,
        "region": region,
        "status": state,
        "error_code": error_code,
        "message": None if state == "ok" else f"{error_code or 'error'} while collecting",
        "pages": 1 if state == "ok" else 0,
    }


def all_ok(account: str = ACCOUNT, regions: Iterable[str] = ("eu-west-1",)) -> list[dict[str, Any]]:
    """Clean collection of every source for one account."""
    rows = [status(source, account) for source in _GLOBAL_SOURCES]
    rows += [status(source, account, region) for source in _REGIONAL_SOURCES for region in regions]
    return rows


def table(rows: Iterable[Mapping[str, Any]], schema: Mapping[str, str]) -> pd.DataFrame:
    """Rows -> a DataFrame with exactly `schema`'s columns and dtypes, RangeIndex."""
    rows = list(rows)
    data = {}
    for name, dtype in schema.items():
        values = [row.get(name) for row in rows]
        data[name] = pd.Series(values, dtype=object) if dtype == "object" else pd.Series(values).astype(dtype)
    return pd.DataFrame(data)


def identities(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    return table(rows, IDENTITY_SCHEMA)


def credentials(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    return table(rows, CREDENTIAL_SCHEMA)


def collection_status(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    return table(rows, STATUS_SCHEMA)
