"""Runtime facts: what each identity *did* on the covered day, measured against what the baseline approves (pure).

WHY facts on `identities` and not a new subject: the engine, the findings contract, waivers and reports already
judge identity rows, so five new columns make the `runtime` suite (NHI-RT-001..005) work everywhere at once.
These functions only measure; the judgement (thresholds, which rows) lives in `expectations/runtime.json`.

Conventions:
* An account without activity evidence (no trail configured, or nothing collected) gets NA runtime facts; its
  rules read INCOMPLETE through their `cloudtrail_activity` dependency and no finding is invented.
* An identity the baseline does not govern measures zero for the baseline-relative facts (RT-001, RT-003), as the
  baseline facts do; RT-004 counts every denied call of an ungoverned NHI (nothing approved to excuse it).
* Event names map to IAM actions as `<service>:<eventName>`, with the few documented exceptions below; calls the
  IAM catalogue does not know (and calls that need no permission) are never judged "outside a scope".
* A `kms:Decrypt` is a secrets-store read (NHI-RT-001) only on a secret-bearing key: one whose tags (the
  `kms_keys` source) match the baseline's `secret_key_tags`. A Decrypt on a key whose tags are unknown (another
  account's key, a key the listing could not read) from an unapproved network is counted apart
  (`rt_decrypts_unknown_key_count`), which makes the identity's RT-001 verdict INCOMPLETE rather than PASS.
* NHI-RT-005 needs `lookback_days` of fully covered activity for the account, or — where the account collects IAM
  Access Advisor (`iam_service_last_accessed`) — the principal's advisor data: a granted service then counts as
  used if the stored activity shows a call to it or the advisor's LastAuthenticated falls inside the window. A
  principal whose advisor job gave no data is not judged (NA, `rt_unused_unknown_count` 1: INCOMPLETE, never
  PASS). An identity that made no call in the window is left to the dormancy rules (NA here too). Where the
  advisor decided (window not yet stored, principal has advisor data), NHI-RT-005 cites the account's advisor
  file (`rt_unused_source_*`) instead of the CloudTrail listing the other runtime rules cite.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from assurance_jobs.config import HumanMarker
from assurance_jobs.scan import actions
from assurance_jobs.scan.cloudtrail_actions import display_action, service_of
from assurance_jobs.scan.policy import EffectivePermissions
from assurance_jobs.scan.runtime_calls import (  # noqa: F401 (re-exported: the baseline and its callers use them)
    AWS_SERVICE_NETWORK,
    Approvals,
    JitWindow,
    Origin,
    call_verdict,
    is_denial,
    network_approved,
)
from assurance_jobs.scan.sources import cloudtrail_activity, iam_service_last_accessed, kms_keys
from assurance_jobs.scan.sources.cloudtrail_activity import empty_activity_table
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.schema import ACTIVITY_TABLE_COLUMNS, RUNTIME_FACT_COLUMNS  # noqa: F401 (re-exported)

LOOKBACK_DAYS = 90
DISPLAY_CAP = 10
INTERACTIVE_AGENTS = frozenset({"console", "browser"})


def action_of(event_source: str, event_name: str) -> str:
    """How a call is named in findings: its IAM action ('lambda.amazonaws.com', 'Invoke' -> lambda:InvokeFunction);
    an unknown call keeps `<service>:<eventName>` marked `?` (scan/cloudtrail_actions.py)."""
    return display_action(str(event_source), str(event_name))


@dataclass(frozen=True)
class RuntimeEvidence:
    """The day's activity plus the history the look-back rule needs (assembled by the pipeline from storage).

    `activity`: the day's activity rows of every account and region (collect/activity.py columns plus
    `account_id`, `region`); `accounts`: accounts with activity evidence today (even if it holds no rows);
    `services_called`: principal ARN -> services it called over the look-back window (today included);
    `covered_days`: account -> days in the window whose activity was fully covered (today included).
    """

    activity: pd.DataFrame
    accounts: frozenset[str]
    services_called: Mapping[str, frozenset[str]] = field(default_factory=dict)
    covered_days: Mapping[str, int] = field(default_factory=dict)
    lookback_days: int = LOOKBACK_DAYS
    listings: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """account -> the snapshot's `cloudtrail_objects` listing files and sha256: what runtime findings trace to."""
    kms_key_tags: Mapping[str, Mapping[str, str] | None] = field(default_factory=dict)
    """KMS key ARN -> its tags (None: unreadable), every scanned account's keys (the `kms_keys` source)."""
    service_last_accessed: Mapping[str, Mapping[str, datetime | None] | None] = field(default_factory=dict)
    """principal ARN -> Access Advisor's {service namespace: last authenticated}; None: its job gave no data."""
    advisor_accounts: frozenset[str] = frozenset()
    """Accounts that collected Access Advisor (any status): their principals may be judged from it."""
    advisor_files: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """account -> the snapshot's `iam_service_last_accessed` file and sha256: what an advisor-decided RT-005 cites."""
    as_of: datetime | None = None
    """The end of the look-back window (the snapshot's as-of time), for the advisor's timestamps."""
    own_accounts: frozenset[str] = frozenset()
    """Accounts of this run beyond `accounts`: a VPC endpoint one of them owns is the organization's own."""


@dataclass(frozen=True)
class KeyClassification:
    """Which KMS keys are secret-bearing, and which keys' tags are known at all (the rest: unknown)."""

    secret: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()


def classify_keys(
    key_tags: Mapping[str, Mapping[str, str] | None], selectors: Iterable[tuple[str, str]] | None
) -> KeyClassification:
    """Keys whose tags match a (key, value glob) selector are secret-bearing.

    No selectors (the baseline names no `secret_key_tags`): every known key is, as before keys were told apart —
    a baseline that has not said which keys guard secrets must not let a Decrypt from a thief's network pass."""
    wanted = list(selectors or ())
    known = frozenset(arn for arn, tags in key_tags.items() if tags is not None)
    if not wanted:
        return KeyClassification(known, known)
    secret = frozenset(
        arn
        for arn, tags in key_tags.items()
        if tags is not None and any(k in tags and fnmatch.fnmatchcase(tags[k], v) for k, v in wanted)
    )
    return KeyClassification(secret, known)


def with_judged_secret_reads(activity: pd.DataFrame, keys: KeyClassification | None) -> pd.DataFrame:
    """The activity table with `secret_read` false for a kms:Decrypt on a key known not to be secret-bearing.

    The reduction marks every Decrypt as a possible secret read (it cannot see key tags); once the key inventory
    is joined, the report's "secrets-store reads" must list what NHI-RT-001 judges, not every envelope decrypt.
    A Decrypt on a key whose tags are unknown stays a secret read: unknown is never quietly dropped."""
    if activity.empty or keys is None:
        return activity
    ordinary = _is_decrypt(activity) & activity["kms_key_arn"].isin(keys.known - keys.secret)
    if not ordinary.any():
        return activity
    judged = activity.copy()
    judged.loc[ordinary, "secret_read"] = False
    return judged


def services_called(activity: pd.DataFrame) -> dict[str, frozenset[str]]:
    """principal ARN -> the services its calls went to (denied calls count: the service was used)."""
    if activity.empty:
        return {}
    pairs = activity[["principal_arn", "event_source"]].drop_duplicates()
    found: dict[str, set[str]] = {}
    for principal, source in zip(pairs["principal_arn"], pairs["event_source"], strict=True):
        found.setdefault(str(principal), set()).add(service_of(source))
    return {principal: frozenset(services) for principal, services in found.items()}


def _display(items: Mapping[str, int]) -> str:
    ordered = sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{name} ×{count}" for name, count in ordered[:DISPLAY_CAP])
    more = len(ordered) - DISPLAY_CAP
    return shown + (f" (+{more} more)" if more > 0 else "")


def _tally(rows: pd.DataFrame, label) -> tuple[str, int]:
    counts: dict[str, int] = {}
    for row in rows.itertuples(index=False):
        key = label(row)
        counts[key] = counts.get(key, 0) + int(row.event_count)
    return _display(counts), sum(counts.values())


def _with_actions(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    rows["action"] = [action_of(s, n) for s, n in zip(rows["event_source"], rows["event_name"], strict=True)]
    return rows


def _verdicts(rows: pd.DataFrame, approvals: Approvals) -> list[str]:
    columns = ("event_source", "event_name", "first_seen", "last_seen")
    return [
        call_verdict(str(source), str(name), approvals, first, last)
        for source, name, first, last in zip(*(rows[c] for c in columns), strict=True)
    ]


def _origins(rows: pd.DataFrame) -> list[Origin]:
    source_ip = rows["source_ip"] if "source_ip" in rows.columns else [None] * len(rows)
    owner = rows["endpoint_account_id"] if "endpoint_account_id" in rows.columns else [None] * len(rows)
    return [
        Origin(str(network), None if pd.isna(ip) else str(ip), None if pd.isna(account) else str(account))
        for network, ip, account in zip(rows["network"], source_ip, owner, strict=True)
    ]


APPROVED_FACTS = (
    "rt_events",
    "rt_secret_reads_outside_networks",
    "rt_secret_reads_outside_networks_count",
    "rt_decrypts_unknown_key_count",
    "rt_interactive_use",
    "rt_interactive_use_count",
    "rt_calls_outside_scope",
    "rt_calls_outside_scope_count",
    "rt_calls_unknown_action_count",
    "rt_denied_outside_baseline",
    "rt_denied_outside_baseline_count",
)
"""The day's facts of `_identity_facts`: RT-001..004 (the learned rules' are scan/runtime_learned.py's)."""
_QUIET = {name: ("" if RUNTIME_FACT_COLUMNS[name] == "object" else 0) for name in APPROVED_FACTS}
_NOT_GOVERNED_NETWORKS = {"rt_secret_reads_outside_networks": None, "rt_secret_reads_outside_networks_count": None}
_NOT_GOVERNED_ACTIONS = {"rt_calls_outside_scope": None, "rt_calls_outside_scope_count": None}


def _is_decrypt(rows: pd.DataFrame) -> pd.Series:
    return (rows["event_source"] == "kms.amazonaws.com") & (rows["event_name"] == "Decrypt")


def _identity_facts(
    rows: pd.DataFrame, is_nhi: bool, approvals: Approvals, keys: KeyClassification, own_accounts: frozenset[str]
) -> dict[str, object]:
    """The day's facts of one identity from its activity rows (already restricted to it).

    NHI-RT-001 and NHI-RT-003 judge only what the baseline governs: without `approved_networks` (or without
    approved actions) their facts are NA and the learned baseline judges the identity instead. NHI-RT-004 counts
    every denial of an ungoverned identity (nothing approved excuses it)."""
    facts = dict(_QUIET)
    if not rows.empty:
        facts |= _day_facts(_with_actions(rows), is_nhi, approvals, keys, own_accounts)
    if approvals.networks is None:
        facts |= _NOT_GOVERNED_NETWORKS
    if approvals.action_mask is None:
        facts |= _NOT_GOVERNED_ACTIONS
    return facts


def _day_facts(
    rows: pd.DataFrame, is_nhi: bool, approvals: Approvals, keys: KeyClassification, own_accounts: frozenset[str]
) -> dict[str, object]:
    succeeded = rows[rows["error_code"] == ""]
    reads = succeeded[succeeded["secret_read"].astype(bool)]
    if approvals.networks is not None:
        outside = [not network_approved(o, approvals.networks, own_accounts) for o in _origins(reads)]
        reads = reads[pd.Series(outside, index=reads.index, dtype=bool)]
    else:
        reads = reads.iloc[0:0]
    decrypt, key = _is_decrypt(reads), reads["kms_key_arn"]
    outside_networks = reads[~decrypt | key.isin(keys.secret)]
    unknown_key = reads[decrypt & ~key.isin(keys.known)]
    interactive = rows[(rows["event_name"] == "ConsoleLogin") | rows["user_agent_class"].isin(INTERACTIVE_AGENTS)]
    if not is_nhi:
        interactive = interactive.iloc[0:0]
    scope = pd.Series(_verdicts(succeeded, approvals), index=succeeded.index, dtype=object)
    governed = approvals.action_mask is not None
    outside_scope = succeeded[scope == "outside"] if governed else succeeded.iloc[0:0]
    unknown_calls = succeeded[scope == "unknown"] if governed else succeeded.iloc[0:0]
    denied = rows[[is_denial(code) for code in rows["error_code"]]]
    denied = denied[[verdict != "within" for verdict in _verdicts(denied, approvals)]]
    secrets_text, secrets_count = _tally(outside_networks, lambda r: f"{r.action} from {r.network}")
    interactive_text, interactive_count = _tally(interactive, lambda r: f"{r.event_name} via {r.user_agent_class}")
    scope_text, scope_count = _tally(outside_scope, lambda r: r.action)
    denied_text, denied_count = _tally(denied, lambda r: f"{r.action} ({r.error_code})")
    return {
        "rt_events": int(rows["event_count"].sum()),
        "rt_secret_reads_outside_networks": secrets_text,
        "rt_secret_reads_outside_networks_count": secrets_count,
        "rt_decrypts_unknown_key_count": int(unknown_key["event_count"].sum()),
        "rt_interactive_use": interactive_text,
        "rt_interactive_use_count": interactive_count,
        "rt_calls_outside_scope": scope_text,
        "rt_calls_outside_scope_count": scope_count,
        "rt_calls_unknown_action_count": int(unknown_calls["event_count"].sum()),
        "rt_denied_outside_baseline": denied_text,
        "rt_denied_outside_baseline_count": denied_count,
    }


_NO_ACTIVITY = pd.DataFrame()


def granted_services(permissions: EffectivePermissions | None, cache: dict[int, frozenset[str]]) -> frozenset[str]:
    """Services with at least one allowed action (cached by mask: many identities share their permissions)."""
    if permissions is None or permissions.allowed_mask == 0:
        return frozenset()
    mask = permissions.allowed_mask
    if mask not in cache:
        ranges = actions.catalogue().service_ranges
        cache[mask] = frozenset(s for s, (start, stop) in ranges.items() if mask >> start & ((1 << (stop - start)) - 1))
    return cache[mask]


_NOT_JUDGED = {"rt_unused_granted_services": None, "rt_unused_granted_service_count": None}


def _unused_facts(
    arn: str, account: str, evidence: RuntimeEvidence, permissions: EffectivePermissions | None, cache: dict
) -> dict[str, object]:
    """Granted services without a call in the window. NA until the window is fully covered or Access Advisor
    covers the principal, and NA for an identity with no call at all in it: a dormant identity is the dormancy
    rules' finding (NHI-OFF-001/002), not this one's. `rt_unused_unknown_count` 1 marks a principal the advisor
    was asked about but gave no data for (job failed, timed out, principal missing): never a PASS."""
    used = set(evidence.services_called.get(arn, frozenset()))
    if evidence.covered_days.get(account, 0) < evidence.lookback_days:
        if account not in evidence.advisor_accounts:
            return {**_NOT_JUDGED, "rt_unused_unknown_count": 0}
        advised = evidence.service_last_accessed.get(arn)
        if advised is None or evidence.as_of is None:
            return {**_NOT_JUDGED, "rt_unused_unknown_count": 1}
        since = evidence.as_of - timedelta(days=evidence.lookback_days)
        used |= {service for service, last in advised.items() if last is not None and last >= since}
    if not used:
        return {**_NOT_JUDGED, "rt_unused_unknown_count": 0}
    unused = sorted(granted_services(permissions, cache) - used)
    shown = ",".join(unused[:25]) + (f" (+{len(unused) - 25} more)" if len(unused) > 25 else "")
    return {
        "rt_unused_granted_services": shown,
        "rt_unused_granted_service_count": len(unused),
        "rt_unused_unknown_count": 0,
    }


def _advisor_decides(arn: str, account: str, evidence: RuntimeEvidence) -> bool:
    """The window is not yet stored and the principal's advisor data fills it (see `_unused_facts`)."""
    return (
        evidence.covered_days.get(account, 0) < evidence.lookback_days
        and account in evidence.advisor_accounts
        and evidence.service_last_accessed.get(arn) is not None
        and evidence.as_of is not None
    )


def _unused_source(arn: str, account: str, evidence: RuntimeEvidence) -> tuple[str | None, str | None]:
    """What NHI-RT-005's verdict traces to: the advisor file when it decided, else the CloudTrail listing."""
    if _advisor_decides(arn, account, evidence) and account in evidence.advisor_files:
        return evidence.advisor_files[account]
    return evidence.listings.get(account, (None, None))


def runtime_identity_facts(
    identities: pd.DataFrame,
    evidence: RuntimeEvidence | None,
    approvals: Mapping[str, Approvals],
    permissions: Mapping[str, EffectivePermissions],
    keys: KeyClassification | None = None,
) -> pd.DataFrame:
    """One row per identity (`account_id`, `arn`, then RUNTIME_FACT_COLUMNS), in the identities' order.

    `keys`: the secret-bearing KMS keys (`classify_keys`); None: no key is known, so a kms:Decrypt from an
    unapproved network is never a PASS — it counts as on an unknown key."""
    keys = keys or KeyClassification()
    columns = ["account_id", "arn", *RUNTIME_FACT_COLUMNS]
    by_principal = (
        {str(arn): rows for arn, rows in evidence.activity.groupby("principal_arn", sort=False)}
        if evidence is not None and not evidence.activity.empty
        else {}
    )
    cache: dict[int, frozenset[str]] = {}
    own_accounts = evidence.own_accounts | evidence.accounts if evidence is not None else frozenset()
    rows = []
    for record in identities[["account_id", "arn", "is_nhi"]].itertuples(index=False):
        row: dict[str, object] = {"account_id": record.account_id, "arn": record.arn}
        if evidence is not None and record.account_id in evidence.accounts:
            approval = approvals.get(record.arn, Approvals(None, None))
            activity = by_principal.get(record.arn, _NO_ACTIVITY)
            row |= _identity_facts(activity, bool(record.is_nhi), approval, keys, own_accounts)
            row |= _unused_facts(record.arn, record.account_id, evidence, permissions.get(record.arn), cache)
            row["rt_source_file"], row["rt_source_sha256"] = evidence.listings.get(record.account_id, (None, None))
            row["rt_unused_source_file"], row["rt_unused_source_sha256"] = _unused_source(
                record.arn, record.account_id, evidence
            )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=columns)
    for name, dtype in RUNTIME_FACT_COLUMNS.items():
        if dtype == "object":
            values = frame[name].astype(object)
            frame[name] = values.where(values.notna(), None)
        else:
            frame[name] = frame[name].astype(dtype)
    return frame


# ------------------------------------------------------------------------------------------- from the snapshot

ACTIVITY_SOURCE = "cloudtrail_activity"
OBJECTS_SOURCE = "cloudtrail_objects"


@dataclass(frozen=True)
class SnapshotActivity:
    """The activity blobs of one snapshot as one table, the accounts that have any, and their coverage."""

    activity: pd.DataFrame
    accounts: frozenset[str]
    fully_covered: frozenset[str]
    listings: Mapping[str, tuple[str, str]]  # account -> (listing files, their sha256), comma-joined
    kms_key_tags: Mapping[str, Mapping[str, str] | None] = field(default_factory=dict)


def snapshot_activity(snapshot, warnings: list[str] | None = None) -> SnapshotActivity:
    """Every account's `cloudtrail_activity.<region>.parquet` files of a snapshot as one table, and every
    account's KMS keys with their tags (no I/O here)."""
    accounts = sorted({e.account_id for e in snapshot.manifest.files if e.source == ACTIVITY_SOURCE})
    context = _parse_context(snapshot, warnings)
    parsed = [cloudtrail_activity.parse(snapshot, account, context) for account in accounts]
    frames = [found.frame for found in parsed if found is not None and len(found.frame)]
    activity = cloudtrail_activity.typed(pd.concat(frames, ignore_index=True)) if frames else empty_activity_table()
    key_accounts = sorted({e.account_id for e in snapshot.manifest.files if e.source == kms_keys.SOURCE})
    keys = [kms_keys.parse(snapshot, account, context) for account in key_accounts]
    key_tags = {arn: tags for found in keys if found is not None for arn, tags in found.tags.items()}
    return SnapshotActivity(
        activity,
        frozenset(accounts),
        _fully_covered(snapshot.manifest.collection_status),
        _listings(snapshot),
        key_tags,
    )


def _parse_context(snapshot, warnings: list[str] | None) -> Context:
    """The parsers' shared context for the runtime sources, whose warnings go to the caller's list."""
    return Context(snapshot.manifest.taken_at, [], HumanMarker(), None, warnings if warnings is not None else [])


@dataclass(frozen=True)
class SnapshotAdvisor:
    """Access Advisor of a snapshot: the accounts that collected it (any status) and every principal's services."""

    accounts: frozenset[str]
    services: Mapping[str, Mapping[str, datetime | None] | None]
    files: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """account -> its advisor file and sha256 (from the manifest), for NHI-RT-005's citation."""


def snapshot_service_last_accessed(snapshot, warnings: list[str] | None = None) -> SnapshotAdvisor:
    """Every account's `iam_service_last_accessed.json` (no I/O here). An account whose collection failed
    outright has a status but no file: it is listed, and its principals have no data (never judged PASS)."""
    source = iam_service_last_accessed.SOURCE
    accounts = sorted({s.account_id for s in snapshot.manifest.collection_status if s.source == source})
    context = _parse_context(snapshot, warnings)
    services: dict[str, Mapping[str, datetime | None] | None] = {}
    for account in accounts:
        parsed = iam_service_last_accessed.parse(snapshot, account, context)
        services |= parsed.services if parsed is not None else {}
    files = {e.account_id: (e.path, e.sha256) for e in snapshot.manifest.files if e.source == source}
    return SnapshotAdvisor(frozenset(accounts), services, files)


def _fully_covered(statuses) -> frozenset[str]:
    by_account: dict[str, bool] = {}
    for status in statuses:
        if status.source in (ACTIVITY_SOURCE, OBJECTS_SOURCE):
            by_account[status.account_id] = by_account.get(status.account_id, True) and status.status == "ok"
    return frozenset(account for account, ok in by_account.items() if ok)


def _listings(snapshot) -> dict[str, tuple[str, str]]:
    files: dict[str, list[tuple[str, str]]] = {}
    for entry in sorted(snapshot.manifest.files, key=lambda e: e.path):
        if entry.source == OBJECTS_SOURCE:
            files.setdefault(entry.account_id, []).append((entry.path, entry.sha256))
    return {a: (",".join(p for p, _ in items), ",".join(h for _, h in items)) for a, items in files.items()}
