"""Turn the rows each rule failed into `findings` rows (the contract with `output/`, see docs/design.md).

One finding per (rule, resource) that fails, whatever the scope's completeness: a failing row is evidence even
when the rule's overall verdict for that account is INCOMPLETE.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from assurance_jobs import schema
from assurance_jobs.evaluate.gx_runner import RuleOutcome

FINDINGS_COLUMNS: tuple[str, ...] = tuple(schema.FINDINGS_COLUMNS)

_ROW_COLUMNS = (
    "account_id",
    "agent_id",
    "kind",
    "arn",
    "credential_id",
    "owner_arn",
    "region",
    "classification_reason",
    "owner",
    "resource",
    "principal",
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


def finding_id(rule_id: str, account_id: str | None, resource_arn: str | None, element: str | None = None) -> str:
    """The finding's id for its whole life: the same rule failing on the same resource (and, for a multi-valued
    rule, the same element) has the same id every day, so a SIEM updates one finding instead of receiving a new
    one daily. 32 hex of a sha256 over the parts (no date)."""
    parts = (rule_id, account_id or "", resource_arn or "", element or "")
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def observed_kind(rule_meta: Mapping[str, Any], observed_column: str) -> str:
    """How a rule's observed value reads: its meta `observed_kind`, else the kind declared for its fact column."""
    return str(rule_meta.get("observed_kind") or schema.OBSERVED_KINDS.get(observed_column, "text"))


def _finding_ids(rule_id: str, accounts: np.ndarray, resources: np.ndarray, elements: np.ndarray) -> np.ndarray:
    ids = [finding_id(rule_id, a, r, e) for a, r, e in zip(accounts, resources, elements, strict=True)]
    return np.array(ids, dtype=object)


def _observed(values: pd.Series) -> pd.Series:
    """Format each distinct value once: hundreds of thousands of findings share a few thousand values."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    labels = np.array([format_observed(value) for value in uniques] + ["missing"], dtype=object)
    return pd.Series(labels[codes], index=values.index, dtype=object)


def _objects(values: pd.Series | None, n: int) -> np.ndarray:
    """A column as plain Python objects with None for missing (pyarrow strings are slow past this point)."""
    if values is None:
        return np.full(n, None, dtype=object)
    return values.to_numpy(dtype=object, na_value=None)


def _people_columns(rows: pd.DataFrame, subject: str, lookup: pd.DataFrame) -> dict[str, np.ndarray]:
    n = len(rows)
    if subject in ("identities", "kubernetes_subjects"):
        arns = _objects(rows.get("arn"), n)
        return {
            "resource_arn": arns,
            "identity_arn": arns,
            "region": np.full(n, None, dtype=object),
            "classification_reason": _objects(rows.get("classification_reason"), n),
            "owner": _objects(rows.get("owner"), n),
        }
    if subject == "agents":
        return {
            "resource_arn": _objects(rows.get("agent_id"), n),
            "identity_arn": _objects(rows.get("arn"), n),
            "region": _objects(rows.get("region"), n),
            "classification_reason": _objects(rows.get("classification_reason"), n),
            "owner": _objects(rows.get("owner"), n),
        }
    if subject == "probes":
        return {
            "resource_arn": _objects(rows.get("resource"), n),
            "identity_arn": _objects(rows.get("principal"), n),
            "region": np.full(n, None, dtype=object),
            "classification_reason": np.full(n, "runtime probe", dtype=object),
            "owner": np.full(n, None, dtype=object),
        }
    owner_arns = _objects(rows.get("owner_arn"), n)
    owners = lookup.reindex(owner_arns)
    return {
        "resource_arn": _objects(rows.get("credential_id"), n),
        "identity_arn": owner_arns,
        "region": _objects(rows.get("region"), n),
        "classification_reason": _objects(owners.get("classification_reason"), n),
        "owner": _objects(owners.get("owner"), n),
    }


def rule_findings(
    outcome: RuleOutcome,
    table: pd.DataFrame,
    identity_lookup: pd.DataFrame,
    snapshot_id: str,
    partition_date: str,
    input_files: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The findings of one rule, sorted by account and resource: its failed rows of `table` with its metadata."""
    rule = outcome.rule
    # meta `source_columns` names the evidence file columns when the facts come from another source than the row
    # (runtime facts trace to the CloudTrail object listing, not to the IAM authorization details).
    file_column, sha_column = rule.meta.get("source_columns") or ("source_file", "source_sha256")
    cited = "; ".join(input_files[name] for name in rule.depends_on if name in (input_files or {})) or None
    element_column = rule.meta.get("finding_element")
    wanted = [name for name in _ROW_COLUMNS if name in table.columns and name != rule.observed_column]
    extra = (file_column, sha_column, element_column)
    wanted += [name for name in extra if name and name in table.columns and name not in wanted]
    rows = table[[*wanted, rule.observed_column]].take(outcome.failed)
    n = len(rows)
    people = _people_columns(rows, rule.subject, identity_lookup)
    accounts = _objects(rows.get("account_id"), n)
    elements = _as_text(_objects(rows.get(element_column) if element_column else None, n))
    columns: dict[str, Any] = {
        "rule_id": rule.rule_id,
        "family": rule.family,
        "title": rule.title,
        "severity": rule.severity,
        "status": "FAIL",
        "account_id": accounts,
        "resource_kind": _objects(rows.get("kind"), n),
        "observed": _observed(rows[rule.observed_column]).to_numpy(),
        "threshold": rule.threshold,
        "snapshot_id": snapshot_id,
        "partition_date": partition_date,
        "source_file": _objects(rows.get(file_column), n),
        "source_sha256": _objects(rows.get(sha_column), n),
        "input_files": cited,
        "finding_id": _finding_ids(rule.rule_id, accounts, people["resource_arn"], elements),
        "element": elements,
        "observed_kind": observed_kind(rule.meta, rule.observed_column),
        **people,
    }
    # dtype=object explicitly: pandas 3 would otherwise re-infer every text column as pyarrow strings.
    frame = pd.DataFrame({name: _as_object(columns[name], n) for name in FINDINGS_COLUMNS}, dtype=object)
    return frame.sort_values(["account_id", "resource_arn"], kind="mergesort", na_position="last")


def _as_text(values: np.ndarray) -> np.ndarray:
    """Element values as text (None stays None): an element is part of an id, so it must print the same way."""
    return np.array([None if v is None else format_observed(v) for v in values], dtype=object)


def _as_object(value: Any, n: int) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    return np.full(n, value, dtype=object)


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({name: [] for name in FINDINGS_COLUMNS}, dtype=object)


def combine_findings(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """All findings in one frame, by rule id, then (within each rule's part) account and resource."""
    frames = sorted((part for part in parts if not part.empty), key=lambda part: part["rule_id"].iat[0])
    if not frames:
        return empty_findings()
    return pd.concat(frames, ignore_index=True)


def identity_lookup(identities: pd.DataFrame) -> pd.DataFrame:
    """Classification and owner by principal ARN (plain objects), so a credential's finding names its owner."""
    columns = [name for name in ("arn", "classification_reason", "owner") if name in identities.columns]
    if "arn" not in columns:
        return pd.DataFrame(columns=["classification_reason", "owner"])
    lookup = identities[columns].drop_duplicates("arn")
    return pd.DataFrame({name: lookup[name].to_numpy(dtype=object, na_value=None) for name in columns}).set_index("arn")


def with_finding_ids(findings: pd.DataFrame) -> pd.DataFrame:
    """`findings` with `finding_id` (and `element`, `observed_kind`) filled: days stored before findings carried
    their id get the same id their rows would get today, so their lifecycle joins up."""
    missing = [name for name in ("finding_id", "element", "observed_kind") if name not in findings.columns]
    if not missing and not findings["finding_id"].isna().any():
        return findings
    result = findings.copy()
    if "element" not in result.columns:
        result["element"] = None
    if "observed_kind" not in result.columns:
        result["observed_kind"] = "text"
    n = len(result)
    parts = (_objects(result.get(name), n) for name in ("rule_id", "account_id", "resource_arn", "element"))
    computed = np.array([finding_id(str(r), a, res, e) for r, a, res, e in zip(*parts, strict=True)], dtype=object)
    current = _objects(result.get("finding_id"), n)
    result["finding_id"] = np.where(pd.isna(current), computed, current)
    return result
