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
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from assurance_jobs.config import HumanMarker
from assurance_jobs.scan import actions
from assurance_jobs.scan.policy import EffectivePermissions
from assurance_jobs.scan.sources import cloudtrail_activity, iam_service_last_accessed, kms_keys
from assurance_jobs.scan.sources.cloudtrail_activity import empty_activity_table
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.schema import ACTIVITY_TABLE_COLUMNS, RUNTIME_FACT_COLUMNS  # noqa: F401 (re-exported)

LOOKBACK_DAYS = 90
AWS_SERVICE_NETWORK = "aws-service"  # baseline `approved_networks` entry: calls AWS services make on one's behalf
DISPLAY_CAP = 10
DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation"}
)
INTERACTIVE_AGENTS = frozenset({"console", "browser"})
NO_PERMISSION_NEEDED = frozenset({"sts:getcalleridentity"})
# Event sources whose IAM prefix differs from the host name's first label.
SERVICE_OF_SOURCE = {"monitoring": "cloudwatch", "email": "ses", "api.ecr": "ecr"}
# (service, eventName) whose IAM action differs from the event name.
ACTION_OF_EVENT = {
    ("lambda", "Invoke"): "lambda:InvokeFunction",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "HeadBucket"): "s3:ListBucket",
}
_API_VERSION_SUFFIX = re.compile(r"\d{8}(v\d+)?$")  # Lambda logs "GetFunction20150331v2"


def service_of(event_source: str) -> str:
    """'secretsmanager.amazonaws.com' -> 'secretsmanager'."""
    host = str(event_source).removesuffix(".amazonaws.com")
    return SERVICE_OF_SOURCE.get(host, host.split(".")[0])


def action_of(event_source: str, event_name: str) -> str:
    """The IAM action a CloudTrail event exercises, e.g. ('lambda.amazonaws.com', 'Invoke') -> lambda:InvokeFunction."""
    service = service_of(event_source)
    name = _API_VERSION_SUFFIX.sub("", str(event_name))
    return ACTION_OF_EVENT.get((service, name), f"{service}:{name}")


def network_approved(network: str, approved: Iterable[str]) -> bool:
    """Is a call's network (source IP, vpce id or AWS service host) inside the approved set?"""
    is_service = network.endswith(".amazonaws.com") or network == "AWS Internal"
    address = None
    if not is_service and not network.startswith("vpce-"):
        try:
            address = ipaddress.ip_address(network)
        except ValueError:
            return False
    for entry in approved:
        if entry == AWS_SERVICE_NETWORK:
            if is_service:
                return True
        elif entry.startswith("vpce-"):
            if fnmatch.fnmatchcase(network, entry):
                return True
        elif address is not None and address in ipaddress.ip_network(entry, strict=False):
            return True
    return False


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


@dataclass(frozen=True)
class Approvals:
    """What the baseline approves for one identity at runtime (None = not governed)."""

    networks: tuple[str, ...] | None
    action_mask: int | None


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


def _within(action: str, mask: int | None) -> bool:
    if action.lower() in NO_PERMISSION_NEEDED:
        return True
    wanted = actions.expand_mask(action)
    if wanted == 0:
        return True  # unknown to the catalogue: cannot be judged outside a scope
    return mask is not None and wanted & mask == wanted


def _with_actions(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    rows["action"] = [action_of(s, n) for s, n in zip(rows["event_source"], rows["event_name"], strict=True)]
    return rows


_QUIET = {name: ("" if dtype == "object" else 0) for name, dtype in RUNTIME_FACT_COLUMNS.items()}


def _is_decrypt(rows: pd.DataFrame) -> pd.Series:
    return (rows["event_source"] == "kms.amazonaws.com") & (rows["event_name"] == "Decrypt")


def _identity_facts(
    rows: pd.DataFrame, is_nhi: bool, approvals: Approvals, keys: KeyClassification
) -> dict[str, object]:
    """The day's facts of one identity from its activity rows (already restricted to it)."""
    if rows.empty:
        return {k: v for k, v in _QUIET.items() if not k.startswith(("rt_unused", "rt_source"))}
    rows = _with_actions(rows)
    succeeded = rows[rows["error_code"] == ""]
    reads = rows[rows["secret_read"].astype(bool) & (rows["error_code"] == "")]
    if approvals.networks is not None:
        outside = [not network_approved(str(n), approvals.networks) for n in reads["network"]]
        reads = reads[pd.Series(outside, index=reads.index, dtype=bool)]
    else:
        reads = reads.iloc[0:0]
    decrypt, key = _is_decrypt(reads), reads["kms_key_arn"]
    outside_networks = reads[~decrypt | key.isin(keys.secret)]
    unknown_key = reads[decrypt & ~key.isin(keys.known)]
    interactive = rows[(rows["event_name"] == "ConsoleLogin") | rows["user_agent_class"].isin(INTERACTIVE_AGENTS)]
    if not is_nhi:
        interactive = interactive.iloc[0:0]
    outside_scope = (
        succeeded[[not _within(a, approvals.action_mask) for a in succeeded["action"]]]
        if approvals.action_mask is not None
        else succeeded.iloc[0:0]
    )
    denied = rows[rows["error_code"].isin(DENIED_CODES)]
    denied = denied[[not _within(a, approvals.action_mask) for a in denied["action"]]]
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
    rows = []
    for record in identities[["account_id", "arn", "is_nhi"]].itertuples(index=False):
        row: dict[str, object] = {"account_id": record.account_id, "arn": record.arn}
        if evidence is not None and record.account_id in evidence.accounts:
            approval = approvals.get(record.arn, Approvals(None, None))
            activity = by_principal.get(record.arn, _NO_ACTIVITY)
            row |= _identity_facts(activity, bool(record.is_nhi), approval, keys)
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
