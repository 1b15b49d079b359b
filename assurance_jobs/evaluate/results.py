"""Per-rule verdicts for each (account, region) scope: PASS, FAIL or INCOMPLETE.

The verdict is about evidence as much as about rows. A scope is INCOMPLETE when a source the rule depends on
was not collected cleanly for that account (and region, for regional sources), was not collected at all, or is
the directory feed and none is configured. INCOMPLETE beats FAIL and PASS: a report must not say "3 failures"
when the truth is "at least 3, the rest unknown", nor "pass" when nothing was looked at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from assurance_jobs import schema
from assurance_jobs.evaluate.gx_runner import RuleOutcome
from assurance_jobs.evaluate.suites import Rule
from assurance_jobs.scan.kubernetes.objects import SCOPE_PREFIX as CLUSTER_SCOPE_PREFIX
from assurance_jobs.sources import registry
from assurance_jobs.sources.registry import sources_feeding

REGIONAL_SOURCES: frozenset[str] = registry.regional_names()
# Evidence that is not an API call: present or not for the whole run, never "collected" per account.
CONFIGURED_INPUTS: frozenset[str] = registry.configured_input_names()
HISTORY_SOURCES: frozenset[str] = registry.names(("history",))
# Subject tables whose rows carry a region (credentials; agents: discovered agents and gateways, registry entries
# with none). A rule over another table (identities: runtime facts sum every region of an account) is judged per
# account, and a regional source it depends on must be clean in every region.
REGIONAL_SUBJECTS: frozenset[str] = frozenset({"credentials", "agents"})
# Collected per Kubernetes cluster, under the scope `k8s:<cluster>`: a rule that needs one is judged per cluster,
# and only there; every other rule only in AWS accounts (docs/kubernetes.md, "Scopes").
CLUSTER_SOURCES: frozenset[str] = frozenset(entry.name for entry in registry.cluster_sources())
RULE_RESULT_COLUMNS: tuple[str, ...] = tuple(schema.RULE_RESULT_COLUMNS)

Scope = tuple[str, str | None]


def _text_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


@dataclass(frozen=True)
class Evidence:
    """What was collected: source statuses by (account, source), and which configured inputs exist."""

    statuses: Mapping[tuple[str, str], tuple[tuple[str | None, str], ...]]
    accounts: tuple[str, ...]
    inputs_present: frozenset[str]
    notes: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """(account, history source) -> the messages of its rows that are not ok ("3 of 30 days stored, …"): why a
    scope that misses it is INCOMPLETE, in the result's `reason`."""

    @classmethod
    def build(
        cls, collection_status: pd.DataFrame, tables: Iterable[pd.DataFrame], inputs_present: Iterable[str]
    ) -> Evidence:
        statuses: dict[tuple[str, str], list[tuple[str | None, str]]] = defaultdict(list)
        notes: dict[tuple[str, str], list[str]] = defaultdict(list)
        for row in collection_status.itertuples(index=False):
            key = (str(row.account_id), str(row.source))
            statuses[key].append((_text_or_none(row.region), str(row.status)))
            message = _text_or_none(getattr(row, "message", None))
            if row.status != "ok" and message and row.source in HISTORY_SOURCES:
                notes[key].append(message)
        accounts = {str(account) for account in collection_status.get("account_id", [])}
        for table in tables:
            if "account_id" in table.columns:
                accounts.update(str(account) for account in table["account_id"].dropna().unique())
        frozen = {key: tuple(value) for key, value in statuses.items()}
        noted = {key: tuple(value) for key, value in notes.items()}
        return cls(frozen, tuple(sorted(accounts)), frozenset(inputs_present), noted)

    def regions(self, account: str, sources: Iterable[str]) -> set[str]:
        return {
            region for source in sources for region, _ in self.statuses.get((account, source), ()) if region is not None
        }

    def source_missing(self, account: str, region: str | None, source: str) -> bool:
        """True when `source` gives no clean evidence for this scope."""
        rows = self.statuses.get((account, source), ())
        if source in CONFIGURED_INPUTS and not rows:
            return source not in self.inputs_present
        # A configured input that was snapshotted (the directory feed) is judged by its recorded status.
        if source in REGIONAL_SOURCES and region is not None:
            rows = tuple(row for row in rows if row[0] == region)
        return not rows or any(status != "ok" for _, status in rows)


@dataclass(frozen=True)
class ScopeKeys:
    """Each row's (account, region) as one integer, computed once per table and shared by all its rules."""

    codes: np.ndarray
    scopes: tuple[Scope, ...]

    @classmethod
    def build(cls, table: pd.DataFrame, regional: bool) -> ScopeKeys:
        n = len(table)
        accounts = table["account_id"].astype(object).to_numpy() if n else np.array([], dtype=object)
        regions = table["region"].astype(object).to_numpy() if regional and "region" in table.columns else None
        account_codes, account_names = pd.factorize(accounts, use_na_sentinel=True)
        if regions is None:
            region_codes, region_names = np.full(n, -1), np.array([], dtype=object)
        else:
            region_codes, region_names = pd.factorize(regions, use_na_sentinel=True)
        width = len(region_names) + 1
        codes = np.where(account_codes < 0, -1, account_codes * width + region_codes + 1)
        scopes = tuple(
            (str(account), None if r == 0 else str(region_names[r - 1]))
            for account in account_names
            for r in range(width)
        )
        return cls(codes, scopes)

    def counts(self, positions: np.ndarray) -> dict[Scope, int]:
        codes = self.codes[positions]
        tally = np.bincount(codes[codes >= 0], minlength=len(self.scopes))
        return {self.scopes[i]: int(tally[i]) for i in np.flatnonzero(tally)}


def required_sources(rule: Rule) -> tuple[str, ...]:
    """`depends_on` plus every source that produced rows of the rule's subject table (of the kinds it reads).

    The provenance half cannot be forgotten in a suite: when GetAccountAuthorizationDetails is denied there are
    no identity rows, and a rule over identities that only names iam_roles would otherwise PASS over nothing.
    """
    derived = sources_feeding(rule.subject, rule.subject_kinds)
    return tuple(dict.fromkeys((*rule.depends_on, *derived)))


def is_regional(rule: Rule) -> bool:
    return rule.subject in REGIONAL_SUBJECTS and any(source in REGIONAL_SOURCES for source in rule.depends_on)


def is_cluster_rule(rule: Rule) -> bool:
    return any(source in CLUSTER_SOURCES for source in required_sources(rule))


def is_cluster_scope(account: str) -> bool:
    return account.startswith(CLUSTER_SCOPE_PREFIX)


def scope_sources(rule: Rule) -> frozenset[str]:
    """The regional sources whose regions are a rule's scopes: those that produce its subject's rows (a row's region
    is where they were read), else every regional source it depends on. Another regional source it needs is judged
    in the scope's region — except the CloudTrail day (`trail_wide`)."""
    if not is_regional(rule):
        return frozenset()
    regional = [source for source in rule.depends_on if source in REGIONAL_SOURCES]
    feeding = set(sources_feeding(rule.subject, rule.subject_kinds))
    return frozenset([source for source in regional if source in feeding] or regional)


def trail_wide(rule: Rule) -> frozenset[str]:
    """Regional trail sources a regional rule reads without its rows coming from them: activity is judged per
    principal over every region it acted in (an agent's role calls in any region), so the day must be clean in
    every region for each of the rule's scopes."""
    by_region = scope_sources(rule)
    return frozenset(
        source
        for source in rule.depends_on
        if source in REGIONAL_SOURCES and source not in by_region and registry.source(source).scope == "trail"
    )


def _scopes(rule: Rule, evidence: Evidence, seen: Iterable[Scope]) -> list[Scope]:
    regional = sorted(scope_sources(rule))
    scopes: set[Scope] = set(seen)
    cluster_rule = is_cluster_rule(rule)
    for account in evidence.accounts:
        if is_cluster_scope(account) != cluster_rule:
            continue  # a cluster is judged by the kubernetes rules only, an AWS account never by them
        if not regional:
            scopes.add((account, None))
            continue
        known = evidence.regions(account, regional) | {r for a, r in seen if a == account and r is not None}
        scopes.update((account, region) for region in known)
        if not known:
            scopes.add((account, None))
    return sorted(scopes, key=lambda scope: (scope[0], scope[1] or ""))


ROW_EVIDENCE_GAP = "policy_documents"


def rule_results(
    outcome: RuleOutcome, keys: ScopeKeys, evidence: Evidence, gaps: np.ndarray | None = None
) -> list[dict[str, object]]:
    """One result row per scope of one rule, in account then region order.

    `gaps`: positions of in-scope rows whose own evidence is incomplete; their scope reads INCOMPLETE.
    """
    rule = outcome.rule
    evaluated = keys.counts(np.flatnonzero(outcome.in_scope))
    failed = keys.counts(outcome.failed)
    incomplete_rows = keys.counts(gaps) if gaps is not None and len(gaps) else {}
    required, everywhere = required_sources(rule), trail_wide(rule)
    rows = []
    for account, region in _scopes(rule, evidence, evaluated):
        missing = [
            source
            for source in required
            if evidence.source_missing(account, None if source in everywhere else region, source)
        ]
        if incomplete_rows.get((account, region)):
            missing.append(ROW_EVIDENCE_GAP)
        n_failed = failed.get((account, region), 0)
        status = "INCOMPLETE" if missing else ("FAIL" if n_failed else "PASS")
        notes = [f"{source}: {note}" for source in missing for note in evidence.notes.get((account, source), ())]
        rows.append(
            {
                "rule_id": rule.rule_id,
                "family": rule.family,
                "title": rule.title,
                "severity": rule.severity,
                "account_id": account,
                "region": region,
                "status": status,
                "evaluated": evaluated.get((account, region), 0),
                "failed": n_failed,
                "missing_sources": ",".join(sorted(missing)),
                "reason": "; ".join(notes) or None,
            }
        )
    if not rows and is_cluster_rule(rule):
        rows.append(not_evaluated(rule, "no Kubernetes cluster is configured (clusters:), so none was judged"))
    elif not rows:
        rows.append(not_evaluated(rule, "no account was collected, so no scope could be judged"))
    return rows


# The scope of a rule that reached nothing: no account was collected, or no probe target is in its scope.
UNEVALUATED_SCOPE: dict[str, str] = {
    "probes": "probe:*",
    "kubernetes_subjects": f"{CLUSTER_SCOPE_PREFIX}*",
    "kubernetes_tokens": f"{CLUSTER_SCOPE_PREFIX}*",
}
ANY_ACCOUNT = "*"


def not_evaluated(rule: Rule, reason: str) -> dict[str, object]:
    """The one INCOMPLETE row of a rule that has no scope to judge because its evidence was never produced.

    Without it the rule would be absent from `rule_results`, and everything counted from them — the CLI's
    summary, the exit code, findings.json, OSCAL — would pass over it in silence. `reason` names what was missing
    ("no probe target sets revocation_probe: true (probes: orders-api)").
    """
    return {
        "rule_id": rule.rule_id,
        "family": rule.family,
        "title": rule.title,
        "severity": rule.severity,
        "account_id": UNEVALUATED_SCOPE.get(rule.subject, ANY_ACCOUNT),
        "region": None,
        "status": "INCOMPLETE",
        "evaluated": 0,
        "failed": 0,
        "missing_sources": ",".join(sorted(rule.depends_on)),
        "reason": reason,
    }


def results_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Result rows as a frame: text columns as objects with None (not NaN) for a global region."""
    frame = pd.DataFrame(rows, columns=list(RULE_RESULT_COLUMNS)).astype(object)
    frame = frame.where(frame.notna(), None)
    for name, dtype in schema.RULE_RESULT_COLUMNS.items():
        if dtype != "object":
            frame[name] = frame[name].astype(dtype)
    return frame
