"""The day's collection as independent per-account tasks: planned once, run anywhere, in any order.

Why: an organization has hundreds of accounts, and each one is slow only because of AWS round trips. Splitting the
run into a plan (which accounts, discovered or configured), one task per account (enter its role, collect) and a
commit lets the same code run sequentially in a plain function, in threads, or as one Dagster step per account.
A task never raises for AWS trouble: an account that cannot be entered, or is suspended, yields status rows that
make its rules INCOMPLETE. Tasks hold no credentials, so a plan can be pickled between Dagster steps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.collect.aws import Throttling, collect_account, session_for
from assurance_jobs.collect.organization import (
    MANAGEMENT_QUOTA,
    Discovery,
    Member,
    discover,
    management_session,
    member_account,
)
from assurance_jobs.collect.organization_policies import OrganizationEvidence, collect_organization_sources
from assurance_jobs.config import AccountConfig, AssuranceConfig
from assurance_jobs.snapshot.model import STS_ASSUME_ROLE, CollectionStatus, SourceBlob
from assurance_jobs.source import AwsSource

MEMBER_PREFIX = "acct"  # task keys of organization members: acct_<account id>; configured accounts: cfg_<name>
ASSUME_ROLE_SOURCE = STS_ASSUME_ROLE
ASSUME_ROLE_API = "sts:AssumeRole"
SUSPENDED_CODE = "AccountSuspended"
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class AccountTask:
    """One account to collect. `key` is stable across days and safe as a Dagster mapping key."""

    key: str
    account: AccountConfig
    member: Member | None = None  # set for accounts discovered in the organization


@dataclass(frozen=True)
class CollectionPlan:
    tasks: tuple[AccountTask, ...]
    discovery: Discovery | None = None
    organization: OrganizationEvidence | None = None  # the organization-scoped sources (SCPs, RCPs), read once


@dataclass(frozen=True)
class AccountResult:
    key: str
    account_id: str
    blobs: list[SourceBlob]
    statuses: list[CollectionStatus]
    record: dict[str, Any]


def plan_collection(config: AssuranceConfig, organization_sources: Sequence[AwsSource] = ()) -> CollectionPlan:
    """Configured accounts first, then the organization's (discovery happens here, once per run, and so do the
    `organization_sources`, with the same credentials)."""
    tasks = [AccountTask(task_key("cfg", account.name), account) for account in config.accounts]
    discovery = evidence = None
    if config.organization is not None:
        org, throttling = config.organization, Throttling()
        session = management_session(org, throttling)
        discovery = discover(
            session,
            org,
            max_attempts=config.max_attempts,
            max_parallel=config.max_parallel_accounts,
            throttling=throttling,
        )
        caller = discovery.management_account_id
        evidence = collect_organization_sources(
            session, caller, organization_sources, max_attempts=config.max_attempts, throttling=throttling
        )
        tasks += [
            AccountTask(task_key(MEMBER_PREFIX, m.account_id), member_account(org, m, discovery.partition), m)
            for m in discovery.members
        ]
    return CollectionPlan(tuple(tasks), discovery, evidence)


def task_key(prefix: str, label: str) -> str:
    return f"{prefix}_{_KEY_UNSAFE.sub('_', label)}"


def organization_members(account_status: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every account the organization listed, from a manifest's account records: collected, suspended,
    unreachable and excluded alike (configured accounts outside the organization are not members)."""
    return sorted(
        {str(r["account_id"]) for r in account_status if str(r.get("key", "")).startswith(f"{MEMBER_PREFIX}_")}
    )


def management_sts(config: AssuranceConfig, throttling: Throttling | None = None) -> Any | None:
    """The STS client every member's AssumeRole goes through: made once, on the management credentials (one
    AssumeRole of the management role, if configured), and shared by the accounts' threads — boto3 clients are
    thread-safe, sessions are not, and a session and a client per account cost ~10 ms of CPU each. The
    credentials stay in memory only."""
    if config.organization is None:
        return None
    org = config.organization
    session = management_session(org, throttling)
    return (throttling or Throttling()).client(session, "sts", org.regions[0], MANAGEMENT_QUOTA, config.max_attempts)


def collect_task(
    config: AssuranceConfig,
    task: AccountTask,
    partition_date: date,
    sources: Sequence[AwsSource],
    management: Any | None = None,
    on_status: Callable[[CollectionStatus], None] | None = None,
    throttling: Throttling | None = None,
) -> AccountResult:
    """Enter the account and collect it; a suspended or unenterable account becomes status rows, not an error.

    `management` is the organization's shared STS client (`management_sts`), through which members are entered;
    `throttling` holds the collection's rate limiters: members' AssumeRole calls share the management
    credentials' limiter, each account's own calls its own."""
    member = task.member
    if member is not None and not member.active:
        status = _entry_failure(
            member.account_id, SUSPENDED_CODE, f"the organization lists the account as {member.state}"
        )
        return _result(task, member.account_id, [], [status])
    known_id = member.account_id if member is not None else f"unreachable:{task.account.name}"
    throttling = throttling or Throttling()
    try:
        session = session_for(
            task.account,
            throttling=throttling,
            max_attempts=config.max_attempts,
            sts=management if member is not None else None,
        )
    except (ClientError, BotoCoreError) as error:
        return _result(task, known_id, [], [_entry_failure(known_id, _code(error), str(error))])
    blobs, statuses, account_id = collect_account(
        session,
        task.account,
        sources,
        max_attempts=config.max_attempts,
        trail=config.trail_for(task.account),  # members read the organization trail
        partition_date=partition_date,
        on_status=on_status,
        throttling=throttling,
    )
    return _result(task, account_id, blobs, statuses)


def collection_state(statuses: list[CollectionStatus]) -> str:
    """complete | incomplete (some source not ok) | unreachable (role not assumed) | suspended."""
    entry = [s for s in statuses if s.source == ASSUME_ROLE_SOURCE and s.status != "ok"]
    if entry:
        return "suspended" if entry[0].error_code == SUSPENDED_CODE else "unreachable"
    return "complete" if statuses and all(s.status == "ok" for s in statuses) else "incomplete"


def account_record(task: AccountTask, account_id: str, state: str, carried_over_from: str | None = None) -> dict:
    member = task.member
    return {
        "key": task.key,
        "account_id": account_id,
        "name": member.name if member else task.account.name,
        "ou_id": member.ou_id if member else "",
        "ou_path": member.ou_path if member else "",
        "state": member.state if member else "",
        "collection": state,
        "carried_over_from": carried_over_from,
    }


def excluded_record(member: Member) -> dict:
    """An account the configuration leaves out: listed in the manifest for coverage, never a rule scope."""
    task = AccountTask(task_key(MEMBER_PREFIX, member.account_id), AccountConfig(name=member.account_id), member)
    return account_record(task, member.account_id, "excluded")


def failed_result(task: AccountTask, error: BaseException) -> AccountResult:
    """A task that crashed (a bug, not AWS): its account is recorded as failed, so its rules read INCOMPLETE."""
    account_id = task.member.account_id if task.member else f"unreachable:{task.account.name}"
    status = CollectionStatus(
        account_id, ASSUME_ROLE_SOURCE, ASSUME_ROLE_API, None, "error", type(error).__name__, str(error)[:500]
    )
    return AccountResult(task.key, account_id, [], [status], account_record(task, account_id, "failed"))


def _result(
    task: AccountTask, account_id: str, blobs: list[SourceBlob], statuses: list[CollectionStatus]
) -> AccountResult:
    return AccountResult(
        task.key, account_id, blobs, statuses, account_record(task, account_id, collection_state(statuses))
    )


def _entry_failure(account_id: str, code: str, message: str) -> CollectionStatus:
    return CollectionStatus(account_id, ASSUME_ROLE_SOURCE, ASSUME_ROLE_API, None, "error", code, message)


def _code(error: ClientError | BotoCoreError) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    return type(error).__name__
