"""The approved operating model for Kubernetes service accounts, and the RBAC they gained since the previous
stored day (pure, no I/O).

* `unapproved_bindings`: the account's own bindings (not those of its groups) that no baseline entry selecting it
  approves; an account no entry selects has nothing approved. `unapproved_aws_roles`: the IRSA and Pod Identity
  roles it can become beyond `approved_aws_roles`.
* `drift_rbac_gained`: effective RBAC rules (each with the binding that grants it) the account holds today and did
  not hold on the previous stored day, through a binding the baseline does not approve — a role edited to grant
  more, a new binding, or a new grant to a group it is in. Accounts new today are judged by the baseline rule.
  Without a previous day's kubernetes table the counts are NA, so the drift rule reads INCOMPLETE, never PASS.

The IAM drift of `baseline/drift.py` compares action bit masks of the policy engine's catalogue; RBAC rules are
no IAM actions, so drift here compares the rule texts themselves (one set difference per account).
"""

from __future__ import annotations

import fnmatch
from dataclasses import replace

import pandas as pd

from assurance_jobs.baseline.model import Baseline, ServiceAccountEntry
from assurance_jobs.scan.inventory import Inventory
from assurance_jobs.scan.kubernetes.inventory import BINDING_SEPARATOR
from assurance_jobs.schema import is_missing

BASELINE_COLUMNS = ("in_baseline", "unapproved_bindings", "unapproved_binding_count")


def _entries(baseline: Baseline, cluster: str, namespace: str, name: str) -> list[ServiceAccountEntry]:
    return [entry for entry in baseline.service_accounts if entry.selects(cluster, namespace, name)]


def _approved(patterns: list[str], value: str) -> bool:
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def _patterns(entries: list[ServiceAccountEntry], field: str) -> list[str]:
    return [p for entry in entries for p in getattr(entry, field) or []]


def _text(value: object) -> str:
    """A text cell, '' when absent (pandas spells a missing `str` cell NaN, which is truthy)."""
    return "" if is_missing(value) else str(value)


def grant_of(rule_text: str) -> str:
    """The binding label a rule text of `rbac_rules` ends with: `… (RoleBinding/ci/x → ClusterRole/edit)`."""
    return rule_text.rsplit(" (", 1)[-1].removesuffix(")")


def subject_baseline_facts(subjects: pd.DataFrame, baseline: Baseline | None) -> pd.DataFrame:
    """Baseline facts per subject row (NA counts without a baseline: nothing can be judged unapproved)."""
    out = subjects.copy()
    n = len(out)
    if baseline is None:
        out["in_baseline"] = False
        for column in ("unapproved_bindings", "unapproved_aws_roles"):
            out[column] = ""
        for column in ("unapproved_binding_count", "unapproved_aws_role_count"):
            out[column] = pd.Series([pd.NA] * n, dtype="Int64", index=out.index)
        return out
    in_baseline, bindings, roles = [], [], []
    for row in out.itertuples(index=False):
        entries = (
            _entries(baseline, row.cluster, _text(row.namespace), row.name) if row.kind == "serviceaccount" else []
        )
        in_baseline.append(bool(entries))
        allowed = _patterns(entries, "approved_bindings")
        own = [b for b in _text(row.bindings).split(BINDING_SEPARATOR) if b]
        bindings.append([b for b in own if not _approved(allowed, b)])
        aws = [r.strip() for r in _text(row.aws_roles).split(",") if r.strip()]
        roles.append([r for r in aws if not _approved(_patterns(entries, "approved_aws_roles"), r)])
    out["in_baseline"] = in_baseline
    out["unapproved_bindings"] = ["; ".join(b) for b in bindings]
    out["unapproved_binding_count"] = pd.Series([len(b) for b in bindings], dtype="Int64", index=out.index)
    out["unapproved_aws_roles"] = [", ".join(r) for r in roles]
    out["unapproved_aws_role_count"] = pd.Series([len(r) for r in roles], dtype="Int64", index=out.index)
    return out


def subject_drift_facts(
    subjects: pd.DataFrame, previous: pd.DataFrame | None, baseline: Baseline | None
) -> pd.DataFrame:
    """RBAC gained since `previous` (that day's kubernetes_subjects), outside the baseline."""
    out = subjects.copy()
    if previous is None or "rbac_rules" not in previous.columns:
        out["drift_rbac_gained"] = ""
        out["drift_rbac_gained_count"] = pd.Series([pd.NA] * len(out), dtype="Int64", index=out.index)
        return out
    before = {arn: set(rules) for arn, rules in zip(previous["arn"], previous["rbac_rules"], strict=True)}
    gained_texts, counts = [], []
    for row in out.itertuples(index=False):
        if row.arn not in before:
            gained_texts.append("")
            counts.append(0)
            continue
        entries = _entries(baseline, row.cluster, _text(row.namespace), row.name) if baseline else []
        allowed = _patterns(entries, "approved_bindings")
        gained = sorted(r for r in set(row.rbac_rules) - before[row.arn] if not _approved(allowed, grant_of(r)))
        gained_texts.append("; ".join(gained))
        counts.append(len(gained))
    out["drift_rbac_gained"] = gained_texts
    out["drift_rbac_gained_count"] = pd.Series(counts, dtype="Int64", index=out.index)
    return out


def inventory_with_kubernetes_baseline(
    inventory: Inventory, baseline: Baseline | None, previous: Inventory | None
) -> Inventory:
    """The kubernetes subjects with their baseline and drift facts."""
    subjects = subject_baseline_facts(inventory.kubernetes_subjects, baseline)
    earlier = (
        previous.kubernetes_subjects if previous is not None and len(previous.kubernetes_subjects.columns) else None
    )
    if earlier is not None and previous is not None and not _stored(previous):
        earlier = None
    subjects = subject_drift_facts(subjects, earlier, baseline)
    return replace(inventory, kubernetes_subjects=subjects)


def _stored(previous: Inventory) -> bool:
    """An earlier day stored before clusters were collected holds the empty default table: nothing to compare."""
    return "rbac_rules" in previous.kubernetes_subjects.columns and len(previous.kubernetes_subjects) > 0
