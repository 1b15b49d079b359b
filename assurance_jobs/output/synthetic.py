"""Synthetic report inputs shaped like the design.md contracts: for tests, the benchmark and template work.

Real findings come from `evaluate/`; these builders let the report be exercised (and measured at 100k findings)
without AWS, moto or Great Expectations. Everything is derived from arguments and a seeded RNG, never the clock.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from assurance_jobs.output.bundle import FAMILIES, Evidence, EvidenceFile, HistoryPoint, ReportBundle
from assurance_jobs.schema import OBSERVED_KINDS

ACCOUNT = "123456789012"
AS_OF = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)

RULES: tuple[tuple[str, str, str, str, str, str], ...] = (
    # rule id, family, severity, subject, title, observed fact column (its kind: schema.OBSERVED_KINDS)
    ("NHI-ROT-001", "rotation", "high", "credentials", "Access key older than 90 days", "age_days"),
    ("NHI-ROT-003", "rotation", "medium", "credentials", "Secret rotation disabled", "rotation_enabled"),
    ("NHI-EXP-001", "expiry", "medium", "identities", "Role session longer than one hour", "max_session_seconds"),
    ("NHI-LP-001", "least_privilege", "critical", "identities", "Effective administrator", "admin_implied"),
    (
        "NHI-LP-002",
        "least_privilege",
        "high",
        "identities",
        "Wildcard on sensitive services",
        "sensitive_wildcard_services",
    ),
    (
        "NHI-LP-004",
        "least_privilege",
        "critical",
        "identities",
        "Trust open to anyone without conditions",
        "trust_open_unconditioned",
    ),
    ("NHI-OFF-002", "offboarding", "medium", "identities", "Role unused for 90 days", "days_since_last_use"),
    ("NHI-OFF-003", "offboarding", "high", "identities", "No owner", "owner"),
)


def rule_meta(
    rule_id: str,
    family: str,
    severity: str,
    subject: str,
    title: str,
    observed_column: str = "observed",
    **extra: Any,
) -> dict[str, Any]:
    """Expectation meta for one rule, with plausible framework citations."""
    meta: dict[str, Any] = {
        "rule_id": rule_id,
        "title": title,
        "family": family,
        "severity": severity,
        "rationale": f"Why {rule_id} matters.",
        "remediation": f"How to fix {rule_id}.",
        "subject": subject,
        "depends_on": ["iam_authorization_details"],
        "observed_column": observed_column,
        "threshold": "> 90 days",
        "controls": {
            "nist-800-53r5": ["AC-2"],
            "owasp-nhi-top10-2025": ["NHI1"],
            "nist-800-207": ["6"],
            "nist-800-63b": ["authenticator-lifecycle"],
        },
    }
    meta.update(extra)
    return meta


def default_rules() -> list[dict[str, Any]]:
    return [rule_meta(*rule) for rule in RULES]


def identity(name: str, kind: str = "role", account: str = ACCOUNT, **extra: Any) -> dict[str, Any]:
    arn = f"arn:aws:iam::{account}:{kind}/{name}"
    row = {
        "account_id": account,
        "arn": arn,
        "kind": kind,
        "name": name,
        "created": pd.Timestamp("2025-01-01T00:00:00Z"),
        "last_used": None,
        "tags": "{}",
        "owner": "team@example.com",
        "owner_status": "not_checked",
        "is_nhi": True,
        "classification_reason": "no human marker",
        "trust_policy": '{"Version": "2012-10-17"}' if kind == "role" else None,
    }
    row.update(extra)
    return row


def finding(rule_id: str, resource_arn: str, identity_arn: str | None = None, **extra: Any) -> dict[str, Any]:
    meta = {r[0]: r for r in RULES}.get(rule_id, (rule_id, "rotation", "high", "identities", rule_id, "observed"))
    row = {
        "rule_id": rule_id,
        "family": meta[1],
        "title": meta[4],
        "severity": meta[2],
        "status": "FAIL",
        "account_id": resource_arn.split(":")[4] if resource_arn.count(":") >= 5 else ACCOUNT,
        "region": None,
        "resource_arn": resource_arn,
        "resource_kind": "role",
        "identity_arn": identity_arn or resource_arn,
        "observed": "120",
        "threshold": "90",
        "classification_reason": "no human marker",
        "owner": None,
        "snapshot_id": "20261125T060000Z-1a2b3c4d",
        "partition_date": "2026-11-25",
        "source_file": f"{ACCOUNT}/iam_authorization_details.json",
        "source_sha256": "0" * 64,
        "observed_kind": OBSERVED_KINDS.get(meta[5], "text"),
    }
    row.update(extra)
    return row


def rule_result(rule_id: str, status: str, account: str = ACCOUNT, region: str | None = None, **extra: Any) -> dict:
    family = {r[0]: r[1] for r in RULES}.get(rule_id, "rotation")
    row = {
        "rule_id": rule_id,
        "family": family,
        "title": rule_id,
        "severity": "high",
        "account_id": account,
        "region": region,
        "status": status,
        "evaluated": 10,
        "failed": 1 if status == "FAIL" else 0,
        "missing_sources": "",
    }
    row.update(extra)
    return row


def frame(rows: Iterable[Mapping[str, Any]] | pd.DataFrame, columns: Iterable[str] = ()) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        return rows
    rows = list(rows)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(columns))


def make_bundle(
    identities: Iterable[Mapping[str, Any]] = (),
    findings: Iterable[Mapping[str, Any]] | pd.DataFrame = (),
    rule_results: Iterable[Mapping[str, Any]] = (),
    credentials: Iterable[Mapping[str, Any]] = (),
    **overrides: Any,
) -> ReportBundle:
    """A bundle with sensible defaults; pass any ReportBundle field to override it."""
    fields: dict[str, Any] = {
        "partition_date": AS_OF.date(),
        "as_of": AS_OF,
        "accounts": [ACCOUNT],
        "identities": frame(identities, ["arn"]),
        "credentials": frame(credentials, ["owner_arn", "credential_id", "kind"]),
        "findings": frame(findings, ["rule_id", "resource_arn", "identity_arn", "family", "severity"]),
        "rule_results": frame(rule_results, ["rule_id", "status", "account_id", "region"]),
        "rules": default_rules(),
        "evidence": Evidence(
            snapshot_id="20261125T060000Z-1a2b3c4d",
            files=(EvidenceFile(f"{ACCOUNT}/iam_roles.json", "a" * 64, 1234),),
            tool_version="0.1.0",
            dagster_run_id="run-0001",
        ),
    }
    fields.update(overrides)
    return ReportBundle(**fields)


def large_bundle(n_identities: int = 20_000, n_findings: int = 100_000, days: int = 14, seed: int = 7) -> ReportBundle:
    """A synthetic large estate: n_findings spread over n_identities, with history and a previous partition."""
    rng = random.Random(seed)
    teams = ["payments", "ledger", "search", "ingest", "billing", "identity", "platform", "data"]
    idents = [
        identity(
            f"svc-{teams[i % len(teams)]}-{i:05d}",
            kind="role" if i % 4 else "user",
            owner=None if i % 9 == 0 else f"{teams[i % 8]}@example.com",
        )
        for i in range(n_identities)
    ]
    rule_ids = [r[0] for r in RULES]
    seen: set[tuple[str, str]] = set()
    rows: list[dict[str, Any]] = []
    while len(rows) < n_findings:
        ident = idents[rng.randrange(n_identities)]
        rule_id = rule_ids[rng.randrange(len(rule_ids))]
        resource = ident["arn"] + ("/access_key_1" if rule_id == "NHI-ROT-001" else "")
        if (rule_id, resource) in seen:
            continue
        seen.add((rule_id, resource))
        rows.append(finding(rule_id, resource, ident["arn"], observed=str(rng.randrange(91, 900))))
    rows.sort(key=lambda r: (r["rule_id"], r["account_id"], r["resource_arn"]))
    findings = pd.DataFrame(rows)
    findings["waiver_status"] = "open"
    findings["waiver_justification"] = None
    findings["waiver_approver"] = None
    findings["waiver_expires"] = None
    previous = findings.sample(frac=0.97, random_state=seed).sort_index()
    start = AS_OF.date() - timedelta(days=days - 1)
    history = [
        HistoryPoint(start + timedelta(days=d), {f: int(n_findings / 4 * (0.8 + 0.02 * d)) for f in FAMILIES})
        for d in range(days)
    ]
    results = [rule_result(rid, "FAIL") for rid in rule_ids]
    return make_bundle(
        identities=idents,
        findings=findings,
        rule_results=results,
        history=history,
        previous_findings=previous,
    )
