"""The learned behavioural baseline: every NHI judged against what its own stored activity shows (pure).

WHY: an approved baseline (`approved_networks`, `approved_actions`) is written by hand, and almost no NHI of a real
estate has one — so without this, the runtime half judges only the few identities someone described. Here each
identity's history (the `learned_baseline_days` window of stored days) is its baseline, and the covered day is
judged against it:

* NHI-RT-006: a secrets-store read from a network never seen for the identity (IPv4 /24, IPv6 /48, endpoint id);
* NHI-RT-007: the first use of a sensitive action — an IAM write, `sts:AssumeRole*` into a role never assumed,
  `kms:Decrypt` with a key never used, `GetSecretValue` of a secret never read;
* NHI-RT-008: activity from a region never seen (or, where the baseline approves regions, outside them).

Each day stores a compact profile (`activity/<date>/profile.parquet`): the distinct (identity, kind, value) it
showed, never counts or addresses — a new source port, an address rotating inside its /24 or a new Lambda version
(same client class) leave it unchanged. The learned baseline of a day is the union of the window's profiles
before it (DuckDB over Arrow tables: millions of rows in about a second).

Who is judged by it: an NHI whose account has at least `learned_baseline_min_days` stored days in the window and
that has existed that long itself; not service-linked roles (AWS acts as them). An approved baseline is judged
first: a dimension the baseline governs (networks, actions, regions) is judged against it (NHI-RT-001/003, or
approved regions here) and the learned rule for it is NA. `rt_judged_by` / `rt_not_judged_reason` record which,
for the coverage the summary, the CLI and findings.json report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pyarrow as pa

from assurance_jobs.scan import actions
from assurance_jobs.scan.cloudtrail_actions import display_action, iam_actions
from assurance_jobs.scan.policy import EffectivePermissions
from assurance_jobs.scan.runtime_calls import Approvals, network_unit, on_behalf
from assurance_jobs.schema import LEARNED_FACT_COLUMNS

WINDOW_DAYS = 30
MIN_DAYS = 14
PROFILE_COLUMNS = ("principal_arn", "kind", "value")
NETWORK, CALL, REGION, AGENT = "network", "call", "region", "agent"
ROLE, SECRET, KEY = "assumed_role", "secret", "kms_key"
GLOBAL_SOURCES = frozenset(
    {
        "iam.amazonaws.com",
        "signin.amazonaws.com",
        "organizations.amazonaws.com",
        "cloudfront.amazonaws.com",
        "route53.amazonaws.com",
        "support.amazonaws.com",
        "health.amazonaws.com",
        "ce.amazonaws.com",
    }
)
"""Services CloudTrail records in one region whatever the caller's (us-east-1): never a "new region"."""
DISPLAY_CAP = 10
APPROVED, LEARNED, NOT_JUDGED = "approved", "learned", "not judged"
NO_TRAIL_REASON = "no CloudTrail activity is read for its account"
SERVICE_LINKED_REASON = "service-linked role: AWS acts as it"
_API_VERSION_SUFFIX = re.compile(r"^([A-Za-z]+?)\d{8}(v\d+)?$")


def call_key(event_source: str, event_name: str) -> str:
    """`eventSource:eventName`, Lambda's API-version suffix removed (so a new SDK version is not a new call)."""
    undated = _API_VERSION_SUFFIX.match(event_name)
    return f"{event_source}:{undated.group(1) if undated else event_name}"


def empty_profile() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in PROFILE_COLUMNS})


def daily_profile(activity: pd.DataFrame) -> pd.DataFrame:
    """What one day of (principal-resolved) activity shows per identity: the networks, calls and regions of its
    successful calls, its client classes, and the roles, secrets and KMS keys it used — distinct, sorted, no counts.
    Denied calls teach nothing: a thief's refused attempts from a new region must not make that region familiar."""
    if activity.empty:
        return empty_profile()
    ok = activity["error_code"].astype(str) == ""
    service_network = _by_service(activity)
    regional = _regional(activity)
    mine = ok & ~service_network
    parts = [
        _part(activity[mine], NETWORK, activity["network"][mine].map(network_unit)),
        _part(activity[ok], CALL, _call_keys(activity[ok])),
        _part(activity[ok & regional], REGION, activity["region"][ok & regional]),
        _part(activity, AGENT, activity["user_agent_class"]),
        *[_part(rows, kind, rows[column]) for kind, rows, column in _targets(activity[ok])],
    ]
    profile = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
    if profile is None:
        return empty_profile()
    profile = profile.dropna().astype(object).drop_duplicates()
    return profile.sort_values(list(PROFILE_COLUMNS), kind="mergesort", ignore_index=True)


def _part(rows: pd.DataFrame, kind: str, values: pd.Series | Iterable) -> pd.DataFrame:
    return pd.DataFrame(
        {"principal_arn": rows["principal_arn"].to_numpy(dtype=object), "kind": kind, "value": list(values)}
    )


def _call_keys(rows: pd.DataFrame) -> list[str]:
    return [call_key(str(s), str(n)) for s, n in zip(rows["event_source"], rows["event_name"], strict=True)]


def _by_service(rows: pd.DataFrame) -> pd.Series:
    """Which calls an AWS service made on the caller's behalf (their network is the service, not an address)."""
    return pd.Series([on_behalf(str(n)) for n in rows["network"]], index=rows.index, dtype=bool)


def _regional(activity: pd.DataFrame) -> pd.Series:
    return ~activity["event_source"].isin(GLOBAL_SOURCES) & ~_by_service(activity)


def _targets(rows: pd.DataFrame) -> list[tuple[str, pd.DataFrame, str]]:
    source, name = rows["event_source"], rows["event_name"].astype(str)
    target = rows["target"] if "target" in rows.columns else pd.Series(None, index=rows.index, dtype=object)
    assumed = (source == "sts.amazonaws.com") & name.str.startswith("AssumeRole") & target.notna()
    secret = (source == "secretsmanager.amazonaws.com") & (name == "GetSecretValue") & target.notna()
    key = (source == "kms.amazonaws.com") & (name == "Decrypt") & rows["kms_key_arn"].notna()
    frame = rows.assign(target=target)
    return [(ROLE, frame[assumed], "target"), (SECRET, frame[secret], "target"), (KEY, frame[key], "kms_key_arn")]


def _encoded(table: pa.Table) -> pa.Table:
    """Every profile column dictionary-encoded (stored days are read that way; derived ones are encoded here)."""
    return table if table.schema.equals(_PROFILE_SCHEMA) else table.cast(_PROFILE_SCHEMA)


def learned_union(days: Sequence[pa.Table | pd.DataFrame]) -> pd.DataFrame:
    """The distinct profile rows of several stored days (the learned baseline), in one vectorised pass."""
    tables = [pa.Table.from_pandas(d, preserve_index=False) if isinstance(d, pd.DataFrame) else d for d in days]
    tables = [_encoded(t.select(list(PROFILE_COLUMNS))) for t in tables if t.num_rows]
    if not tables:
        return empty_profile()
    history = pa.concat_tables(tables)  # noqa: F841 (read by DuckDB by name)
    connection = duckdb.connect(config={"threads": 2})
    try:
        return connection.sql("SELECT DISTINCT principal_arn, kind, value FROM history").df()
    finally:
        connection.close()


_PROFILE_SCHEMA = pa.schema([(name, pa.dictionary(pa.int32(), pa.string())) for name in PROFILE_COLUMNS])


@dataclass(frozen=True)
class LearnedHistory:
    """The learned baseline of one day: what the window's stored days before it showed, and how many were stored."""

    profile: pd.DataFrame  # distinct (principal_arn, kind, value) over the window (the covered day excluded)
    days_stored: Mapping[str, int]  # account -> days of the window with its activity stored (the day excluded)
    window_days: int = WINDOW_DAYS
    min_days: int = MIN_DAYS
    as_of: datetime | None = None  # the snapshot's as-of time: identity ages are measured against it
    used_calls: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """principal -> call keys that succeeded over the window and the covered day (granted vs used)."""

    def ready(self, account: str) -> bool:
        return self.days_stored.get(account, 0) >= self.min_days

    def learning_reason(self, account: str) -> str:
        stored = self.days_stored.get(account, 0)
        return f"learning: {stored} of {self.window_days} days stored, {self.min_days} needed"


def used_calls(history_profile: pd.DataFrame, today_profile: pd.DataFrame) -> dict[str, frozenset[str]]:
    """principal -> every call key that succeeded in the window or on the covered day."""
    calls = pd.concat([history_profile, today_profile], ignore_index=True)
    calls = calls[calls["kind"] == CALL]
    return {str(p): frozenset(map(str, values)) for p, values in calls.groupby("principal_arn")["value"]}


# ------------------------------------------------------------------------------------------------ facts


def _candidates(activity: pd.DataFrame, secret_keys: frozenset[str]) -> pd.DataFrame:
    """The covered day's calls the learned rules judge, as (principal, fact, kind, value, label, event_count)."""
    ok = activity[activity["error_code"].astype(str) == ""]
    frames = []
    reads = ok[ok["secret_read"].astype(bool) & ~_by_service(ok)]
    decrypt = reads["event_source"].eq("kms.amazonaws.com") & reads["event_name"].eq("Decrypt")
    reads = reads[~decrypt | reads["kms_key_arn"].isin(secret_keys)]
    units = reads["network"].astype(str).map(network_unit)
    labels = [f"{_action(r)} from {u}" for r, u in zip(reads.itertuples(index=False), units, strict=True)]
    frames.append(_candidate_rows(reads, "rt_secret_reads_new_network", NETWORK, units, labels))
    iam = ok[ok["event_source"] == "iam.amazonaws.com"]
    iam = iam[pd.Series([_is_write(r) for r in _it(iam)], index=iam.index, dtype=bool)]
    frames.append(_candidate_rows(iam, "rt_first_sensitive_use", CALL, _call_keys(iam), map(_action, _it(iam))))
    for kind, rows, column in _targets(ok):
        labels = [f"{_action(r)} {_TARGET_WORD[kind]} {getattr(r, column)}" for r in _it(rows)]
        frames.append(_candidate_rows(rows, "rt_first_sensitive_use", kind, rows[column], labels))
    regional = activity[_regional(activity)]
    frames.append(_candidate_rows(regional, "rt_new_regions", REGION, regional["region"], regional["region"]))
    found = [frame for frame in frames if len(frame)]
    if not found:
        return pd.DataFrame(columns=_CANDIDATE_COLUMNS)
    keys = _CANDIDATE_COLUMNS[:-1]  # one row per distinct candidate: the day's regions repeat on every call
    return pd.concat(found, ignore_index=True).groupby(keys, as_index=False, sort=False)["event_count"].sum()


_TARGET_WORD = {ROLE: "into", SECRET: "of", KEY: "with"}
_CANDIDATE_COLUMNS = ["principal_arn", "fact", "kind", "value", "label", "event_count"]


def _it(rows: pd.DataFrame):
    return rows.itertuples(index=False)


def _action(row) -> str:
    return display_action(str(row.event_source), str(row.event_name))


def _is_write(row) -> bool:
    """An IAM call whose action writes, manages permissions or tags (the catalogue's access level)."""
    found = iam_actions(str(row.event_source), str(row.event_name))
    return bool(found) and any(actions.expand_mask(a) & actions.mutating_mask() for a in found)


def _candidate_rows(rows: pd.DataFrame, fact: str, kind: str, values, labels) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "principal_arn": rows["principal_arn"].to_numpy(dtype=object),
            "fact": fact,
            "kind": kind,
            "value": list(values),
            "label": list(labels),
            "event_count": rows["event_count"].to_numpy(dtype="int64"),
        },
        columns=_CANDIDATE_COLUMNS,
    )


def novel(candidates: pd.DataFrame, learned: pd.DataFrame) -> pd.DataFrame:
    """The candidates whose (principal, kind, value) the learned baseline never showed."""
    if candidates.empty:
        return candidates
    seen = learned.assign(_seen=True)
    merged = candidates.merge(seen, on=list(PROFILE_COLUMNS), how="left")
    return merged[merged["_seen"].isna()].drop(columns="_seen")


def _display(items: Mapping[str, int]) -> str:
    ordered = sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{name} ×{count}" for name, count in ordered[:DISPLAY_CAP])
    more = len(ordered) - DISPLAY_CAP
    return shown + (f" (+{more} more)" if more > 0 else "")


def _tallies(rows: pd.DataFrame) -> dict[tuple[str, str], tuple[str, int]]:
    """(principal, fact) -> (display text, count) of the novel rows."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    for principal, fact, label, count in zip(
        rows["principal_arn"], rows["fact"], rows["label"], rows["event_count"], strict=True
    ):
        labels = found.setdefault((str(principal), str(fact)), {})
        labels[str(label)] = labels.get(str(label), 0) + int(count)
    return {key: (_display(labels), sum(labels.values())) for key, labels in found.items()}


@dataclass(frozen=True)
class IdentityRecord:
    account_id: str
    arn: str
    created: datetime | None
    is_service_linked: bool


def learnable(record: IdentityRecord, history: LearnedHistory, accounts: frozenset[str]) -> str | None:
    """Why the identity's history cannot judge it (None: it can)."""
    if record.account_id not in accounts:
        return NO_TRAIL_REASON
    if record.is_service_linked:
        return SERVICE_LINKED_REASON
    if not history.ready(record.account_id):
        return history.learning_reason(record.account_id)
    age = _age_days(record.created, history.as_of)
    if age is not None and age < history.min_days:
        return f"created {age} days ago: fewer than {history.min_days} days of behaviour to learn from"
    return None


def judged_by(approvals: Approvals, not_learnable: str | None, has_evidence: bool) -> tuple[str, str | None]:
    """('approved' | 'learned' | 'not judged', why not): an approved baseline is judged first."""
    if has_evidence and approvals.governs_runtime:
        return APPROVED, None
    if not_learnable is None:
        return LEARNED, None
    return NOT_JUDGED, not_learnable


def _age_days(created: datetime | None, as_of: datetime | None) -> int | None:
    if created is None or as_of is None:
        return None
    return max(0, (pd.Timestamp(as_of) - pd.Timestamp(created)) // timedelta(days=1))


_LEARNED_RULE_FACTS = ("rt_secret_reads_new_network", "rt_first_sensitive_use", "rt_new_regions")
_COUNT = {
    "rt_secret_reads_new_network": "rt_secret_reads_new_network_count",
    "rt_first_sensitive_use": "rt_first_sensitive_use_count",
    "rt_new_regions": "rt_new_region_count",
}


def learned_identity_facts(
    identities: pd.DataFrame,
    activity: pd.DataFrame,
    accounts: frozenset[str],
    history: LearnedHistory,
    approvals: Mapping[str, Approvals],
    permissions: Mapping[str, EffectivePermissions],
    secret_keys: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """One row per identity (`account_id`, `arn`, then LEARNED_FACT_COLUMNS), in the identities' order.

    `activity`: the covered day's principal-resolved activity; `accounts`: accounts with activity evidence today;
    `secret_keys`: the secret-bearing KMS keys (a Decrypt with another key is no secrets-store read)."""
    candidates = _candidates(activity, secret_keys) if not activity.empty else pd.DataFrame(columns=_CANDIDATE_COLUMNS)
    tallies = _tallies(novel(candidates, history.profile))
    outside_regions = _outside_approved_regions(candidates, approvals)
    rows = []
    cache: dict[tuple[int, frozenset[str], int], tuple[str, int, int]] = {}
    for record in _records(identities):
        approval = approvals.get(record.arn, Approvals(None, None))
        why_not = learnable(record, history, accounts)
        judged, reason = judged_by(approval, why_not, record.account_id in accounts)
        row: dict[str, object] = {"account_id": record.account_id, "arn": record.arn}
        row |= {"rt_judged_by": judged, "rt_not_judged_reason": reason}
        if record.account_id in accounts:
            days = history.days_stored.get(record.account_id, 0)
            row["rt_learned_days"] = days
            row |= _granted_vs_used(permissions.get(record.arn), history.used_calls.get(record.arn), days, cache)
            row |= _rule_facts(record.arn, why_not is None, approval, tallies, outside_regions)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["account_id", "arn", *LEARNED_FACT_COLUMNS])
    for name, dtype in LEARNED_FACT_COLUMNS.items():
        values = frame[name].astype(object)
        frame[name] = values.where(values.notna(), None) if dtype == "object" else frame[name].astype(dtype)
    return frame


def _records(identities: pd.DataFrame) -> Iterable[IdentityRecord]:
    created = identities["created"] if "created" in identities.columns else [None] * len(identities)
    linked = identities["is_service_linked"] if "is_service_linked" in identities.columns else [False] * len(identities)
    for account, arn, made, service_linked in zip(
        identities["account_id"], identities["arn"], created, linked, strict=True
    ):
        when = None if made is None or pd.isna(made) else made
        yield IdentityRecord(str(account), str(arn), when, bool(service_linked is True))


def _rule_facts(
    arn: str,
    learnable: bool,
    approval: Approvals,
    tallies: Mapping[tuple[str, str], tuple[str, int]],
    outside_regions: Mapping[str, tuple[str, int]],
) -> dict[str, object]:
    """The learned rules' facts: NA where the dimension is governed by the approved baseline or not learnable."""
    facts: dict[str, object] = {}
    governed = {
        "rt_secret_reads_new_network": approval.networks is not None,
        "rt_first_sensitive_use": approval.action_mask is not None,
        "rt_new_regions": approval.regions is not None,
    }
    for fact in _LEARNED_RULE_FACTS:
        if fact == "rt_new_regions" and governed[fact]:
            text, count = outside_regions.get(arn, ("", 0))
        elif governed[fact] or not learnable:
            text, count = None, None
        else:
            text, count = tallies.get((arn, fact), ("", 0))
        facts[fact], facts[_COUNT[fact]] = text, count
    return facts


def _outside_approved_regions(candidates: pd.DataFrame, approvals: Mapping[str, Approvals]) -> dict[str, tuple]:
    """principal -> (display, count) of the day's calls from regions its approved regions do not list."""
    regions = candidates[candidates["fact"] == "rt_new_regions"] if len(candidates) else candidates
    found: dict[str, dict[str, int]] = {}
    columns = (regions["principal_arn"], regions["value"], regions["event_count"])
    for principal, region, count in zip(*columns, strict=True):
        approved = approvals.get(str(principal))
        if approved is None or approved.regions is None or region in approved.regions:
            continue
        labels = found.setdefault(str(principal), {})
        labels[str(region)] = labels.get(str(region), 0) + int(count)
    return {p: (_display(labels), sum(labels.values())) for p, labels in found.items()}


# ------------------------------------------------------------------------------------------------ granted vs used


def used_actions(calls: Iterable[str]) -> frozenset[str]:
    """The IAM actions a set of call keys exercised (unknown calls add nothing: nothing is granted by a guess)."""
    found: set[str] = set()
    for key in calls:
        source, _, name = key.rpartition(":")
        found.update(iam_actions(source, name) or ())
    return frozenset(found)


def _granted_vs_used(
    permissions: EffectivePermissions | None,
    calls: frozenset[str] | None,
    days: int,
    cache: dict[tuple[int, frozenset[str], int], tuple[str, int, int]],
) -> dict[str, object]:
    """How much of what the identity is granted it used over the window (IAM Access Analyzer's comparison)."""
    granted = permissions.allowed_mask if permissions is not None else 0
    key = (granted, calls or frozenset(), days)
    if key not in cache:
        used = actions.set_to_mask(used_actions(calls or ())) & granted
        cache[key] = (_granted_vs_used_text(granted, used, calls or frozenset(), days), used.bit_count(), granted)
    text, used_count, granted_mask = cache[key]
    return {
        "rt_granted_vs_used": text,
        "rt_used_action_count": used_count,
        "rt_granted_action_count": granted_mask.bit_count(),
    }


def _granted_vs_used_text(granted: int, used: int, calls: frozenset[str], days: int) -> str:
    if not granted:
        return "no action granted"
    names = actions.catalogue().names
    ranges = actions.catalogue().service_ranges
    granted_services = {s for s, (a, b) in ranges.items() if granted >> a & ((1 << (b - a)) - 1)}
    used_services = {s for s, (a, b) in ranges.items() if used >> a & ((1 << (b - a)) - 1)}
    unused_services = sorted(granted_services - used_services)
    unused = granted & ~used
    shown: list[str] = []
    rest = unused
    while rest and len(shown) < DISPLAY_CAP:
        low = rest & -rest
        shown.append(names[low.bit_length() - 1])
        rest ^= low
    more = unused.bit_count() - len(shown)
    text = f"used {used.bit_count()} of {granted.bit_count()} granted actions over {days + 1} stored days"
    if unused_services:
        text += f"; unused services: {', '.join(unused_services[:DISPLAY_CAP])}"
        text += f" (+{len(unused_services) - DISPLAY_CAP} more)" if len(unused_services) > DISPLAY_CAP else ""
    if unused:
        text += f"; unused actions: {', '.join(shown)}" + (f" (+{more} more)" if more else "")
    unknown = sorted(k for k in calls if iam_actions(*k.rsplit(":", 1)) is None)
    if unknown:
        text += f"; calls of unknown action: {', '.join(unknown[:DISPLAY_CAP])}"
    return text


# ------------------------------------------------------------------------------------------------ coverage


def runtime_coverage(identities: pd.DataFrame) -> dict[str, object]:
    """How many NHIs are judged at runtime against an approved baseline, only against learned behaviour, and not
    at all — and why not (the summary, the CLI and findings.json report it)."""
    if "rt_judged_by" not in identities.columns or "is_nhi" not in identities.columns:
        return {"nhis": 0, APPROVED: 0, LEARNED: 0, "not_judged": 0, "why_not_judged": {}}
    nhis = identities[identities["is_nhi"].fillna(False).astype(bool)]
    judged = nhis["rt_judged_by"].fillna(NOT_JUDGED)
    reasons = nhis.loc[judged == NOT_JUDGED, "rt_not_judged_reason"].fillna(NO_TRAIL_REASON)
    return {
        "nhis": len(nhis),
        APPROVED: int((judged == APPROVED).sum()),
        LEARNED: int((judged == LEARNED).sum()),
        "not_judged": int((judged == NOT_JUDGED).sum()),
        "why_not_judged": {str(k): int(v) for k, v in sorted(reasons.value_counts().items())},
    }
