"""Everything the HTML report needs, gathered before rendering so that rendering does no I/O and reads no clock.

An auditor must be able to reproduce a report from stored evidence: the same bundle gives byte-identical files.
That only holds if the renderer's inputs are all here, explicit, including the as-of time (the snapshot's
`taken_at`, never `now()`) and the history used for the trend and the day-over-day changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from assurance_jobs.output.waivers import Waiver

FAMILIES: tuple[str, ...] = ("rotation", "expiry", "least_privilege", "offboarding", "baseline", "drift", "probes")
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")


def family_label(family: str) -> str:
    """A family as a reader sees it ("least privilege"): suites name families in snake_case ids."""
    return family.replace("_", " ")


@dataclass(frozen=True)
class EvidenceFile:
    """One file the report's conclusions rest on, with the digest an auditor can recompute."""

    path: str
    sha256: str
    bytes: int | None = None
    kind: str = "snapshot"  # 'snapshot' | 'suite' | 'waivers' | anything else worth listing
    base: str = "store"
    """What `path` is relative to: 'store' (the storage root) or 'report' (this report's folder)."""


@dataclass(frozen=True)
class Evidence:
    """The evidence appendix: what was read, its digests, and which run produced the report."""

    snapshot_id: str | None = None
    files: Sequence[EvidenceFile] = ()
    tool_version: str | None = None
    dagster_run_id: str | None = None
    roots: Sequence[tuple[str, str]] = ()
    """(label, folder) the files live under — the snapshot first: the appendix names each folder once and lists
    files relative to it (the sha256 pins each file). Folders are relative to the storage root, never host paths."""
    manifest_sha256: str | None = None
    """The sha256 of the snapshot's manifest.json: what the hash chain and `verify` anchor on."""
    previous_manifest: Mapping[str, str] | None = None
    """The manifest's link to the snapshot committed before it (partition_date, snapshot_id, sha256)."""
    signing_key: str | None = None
    """Fingerprint of the Ed25519 key that signs the manifest and the report (None: signing is off)."""


@dataclass(frozen=True)
class Lifecycle:
    """The findings' life as of the report's day (evaluate/lifecycle.py): what the day was compared with, what
    was resolved, what could not be re-checked, and how long remediation takes."""

    previous_day: date | None = None
    """The stored day this one was compared with (None: the first stored day)."""
    missing_days: Sequence[date] = ()
    """Days between that one and this one with nothing stored: a gap, never a resolution."""
    ledger: pd.DataFrame | None = None
    """Every finding seen up to this day with its raw status (new, open, reopened, resolved)."""
    resolved: pd.DataFrame | None = None
    """Findings resolved this day: their rows as last published (open the previous stored day, absent today)."""
    not_rechecked: pd.DataFrame | None = None
    """Ledger rows still open that this day's evidence could not re-check (their scope INCOMPLETE)."""
    mean_time_to_remediate: Sequence[Mapping[str, Any]] = ()
    sla_days: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryPoint:
    """Findings per family on one stored partition date (the trend chart's data)."""

    day: date
    counts: Mapping[str, int]


@dataclass(frozen=True)
class DriftDay:
    """One earlier stored day's drift tables (what changed between it and the stored day before it).

    `tables` is empty for a stored day with no drift tables (the first stored day): the day still counts
    towards the history window, so the page can say which days it covers."""

    day: date
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportBundle:
    """The renderer's whole input. DataFrames follow the design.md contracts; missing optional columns are fine.

    `findings` should already carry the waiver columns (`apply_waivers`); rows without them count as open.
    `rules` is the expectation meta per rule plus an optional `threshold` text (or `kwargs` dict).
    `previous_findings` is None when no earlier partition is stored: the report then says so instead of
    calling every finding new.
    """

    partition_date: date
    as_of: datetime
    accounts: Sequence[str]
    identities: pd.DataFrame
    credentials: pd.DataFrame
    findings: pd.DataFrame
    rule_results: pd.DataFrame
    rules: Sequence[Mapping[str, Any]]
    catalogue: Any = None  # assurance_jobs.output.catalogue.Catalogue; Any keeps the import optional
    collection_status: Sequence[Mapping[str, Any]] = ()
    evidence: Evidence = field(default_factory=Evidence)
    history: Sequence[HistoryPoint] = ()
    previous_findings: pd.DataFrame | None = None
    waivers: Sequence[Waiver] = ()
    drift: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    """Day-over-day drift tables by name (identity_changes, permission_changes, …); empty on the first day."""
    drift_history: Sequence[DriftDay] = ()
    """Earlier stored days of the identity pages' drift history (`drift_history_days`), newest first; `drift`
    stays the report day's own."""
    probes: Sequence[Mapping[str, Any]] = ()
    """The "Runtime probes" page: one view per probe target (output/probes.py), empty when none is configured."""
    policies: pd.DataFrame | None = None
    """The inventory's policies table (one row per principal and document); None when not supplied."""
    activity: pd.DataFrame | None = None
    """The covered day's CloudTrail activity table (None when no trail was read): the runtime activity page."""
    account_status: Sequence[Mapping[str, Any]] = ()
    """Per account the run had to cover (manifest `account_status`): name, OU, collection state, carried over."""
    incomplete_resources: pd.DataFrame | None = None
    """Resources whose verdict is unknown (an unreadable policy document), per rule; listed on the rule pages."""
    input_warnings: Sequence[str] = ()
    kubernetes_subjects: pd.DataFrame | None = None
    """The clusters' subjects (output/kubernetes.py): cluster, namespace and RBAC facts on their identity pages."""
    disabled_rules: Sequence[Mapping[str, Any]] = ()
    """Rules the configuration's `disabled_rules` took out (rule_id, title, justification, approver): not
    evaluated, and listed on the summary so the exception is as visible as a waiver."""
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    """The findings' life across stored days; `findings` carry the published lifecycle columns."""
    previous_report: date | None = None
    """The previous stored day, whose report the header links to (`output_dir/<day>/`, a sibling folder)."""
    """Warnings about the day's inputs (duplicate HR feed rows, unreadable dates in the snapshot), shown as-is."""
    agents: pd.DataFrame | None = None
    """The inventory's `agents` table (discovered agents and gateways, registry entries): the "AI agents" pages."""
    agent_tools: pd.DataFrame | None = None
    """The tools each discovered agent can reach, with `approved` (the agents' tool graphs)."""
