"""Turn the rows each rule failed into `findings` rows (the contract with `output/`, see docs/design.md).

One finding per (rule, resource) that fails, whatever the scope's completeness: a failing row is evidence even
when the rule's overall verdict for that account is INCOMPLETE.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from assurance_jobs.evaluate.gx_runner import RuleOutcome

FINDINGS_COLUMNS: tuple[str, ...] = (
    "rule_id",
    "family",
    "title",
    "severity",
    "status",
    "account_id",
    "region",
    "resource_arn",
    "resource_kind",
    "identity_arn",
    "observed",
    "threshold",
    "classification_reason",
    "owner",
    "snapshot_id",
    "partition_date",
    "source_file",
    "source_sha256",
)


def format_observed(value: Any) -> str:
    """A fact value as a report shows it: integers without '.0', booleans lower-case, nothing as 'missing'."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "missing"
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return "missing"
        if float(value).is_integer():
            return str(int(value))
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    text = str(value)
    return text if text else "none"


def _column(rows: pd.DataFrame, name: str) -> pd.Series:
    if name in rows.columns:
        return rows[name].astype(object).where(rows[name].notna(), None)
    return pd.Series([None] * len(rows), index=rows.index, dtype=object)


def _identity_lookup(identities: pd.DataFrame) -> pd.DataFrame:
    columns = [name for name in ("arn", "classification_reason", "owner") if name in identities.columns]
    return identities[columns].drop_duplicates("arn").set_index("arn")


def _people_columns(rows: pd.DataFrame, subject: str, lookup: pd.DataFrame) -> dict[str, pd.Series]:
    if subject == "identities":
        return {
            "resource_arn": _column(rows, "arn"),
            "identity_arn": _column(rows, "arn"),
            "region": pd.Series([None] * len(rows), index=rows.index, dtype=object),
            "classification_reason": _column(rows, "classification_reason"),
            "owner": _column(rows, "owner"),
        }
    owners = lookup.reindex(rows["owner_arn"].to_numpy())
    owners.index = rows.index
    return {
        "resource_arn": _column(rows, "credential_id"),
        "identity_arn": _column(rows, "owner_arn"),
        "region": _column(rows, "region"),
        "classification_reason": _column(owners, "classification_reason"),
        "owner": _column(owners, "owner"),
    }


def rule_findings(
    outcome: RuleOutcome,
    table: pd.DataFrame,
    identity_lookup: pd.DataFrame,
    snapshot_id: str,
    partition_date: str,
) -> pd.DataFrame:
    """The findings of one rule: its failed rows of `table` (positions) with the rule's metadata."""
    rule = outcome.rule
    rows = table.take(outcome.failed)
    columns: dict[str, Any] = {
        "rule_id": rule.rule_id,
        "family": rule.family,
        "title": rule.title,
        "severity": rule.severity,
        "status": "FAIL",
        "account_id": _column(rows, "account_id"),
        "resource_kind": _column(rows, "kind"),
        "observed": rows[rule.observed_column].map(format_observed).astype(object),
        "threshold": rule.threshold,
        "snapshot_id": snapshot_id,
        "partition_date": partition_date,
        "source_file": _column(rows, "source_file"),
        "source_sha256": _column(rows, "source_sha256"),
        **_people_columns(rows, rule.subject, identity_lookup),
    }
    frame = pd.DataFrame(columns, index=rows.index)
    return frame[list(FINDINGS_COLUMNS)]


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=object) for name in FINDINGS_COLUMNS})


def combine_findings(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """All findings in one frame, sorted by rule, account and resource (ties keep table order)."""
    frames = [part for part in parts if not part.empty]
    if not frames:
        return empty_findings()
    combined = pd.concat(frames, ignore_index=True).astype(object)
    combined = combined.where(combined.notna(), None)
    combined = combined.sort_values(["rule_id", "account_id", "resource_arn"], kind="mergesort", na_position="last")
    return combined.reset_index(drop=True)


def identity_lookup(identities: pd.DataFrame) -> pd.DataFrame:
    """Classification and owner by principal ARN, so a credential's finding names its owner's facts."""
    if "arn" not in identities.columns:
        return pd.DataFrame(columns=["classification_reason", "owner"])
    return _identity_lookup(identities)
