"""The day's collection as independent per-account tasks: planned once, run anywhere, in any order.

Why: an organization has hundreds of accounts, and each one is slow only because of AWS round trips. Splitting the
run into a plan (which accounts, discovered or configured), one task per account (enter its role, collect) and a
commit lets the same code run sequentially in a plain function, in threads, or as one Dagster step per account.
A task never raises for AWS trouble: an account that cannot be entered, or is suspended, yields status rows that
make its rules INCOMPLETE. Tasks hold no credentials, so a plan can be pickled between Dagster steps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.collect.aws import collect_account, new_session, session_for
from assurance_jobs.collect.organization import Discovery, Member, discover, management_session, member_account
from assurance_jobs.collect.organization_policies import OrganizationEvidence, collect_organization_sources
from assurance_jobs.config import AccountConfig, AssuranceConfig
from assurance_jobs.snapshot.model import STS_ASSUME_ROLE, CollectionStatus, SourceBlob
from assurance_jobs.source import AwsSource

ASSUME_ROLE_SOURCE = STS_ASSUME_ROLE
ASSUME_ROLE_API = "sts:AssumeRole"
SUSPENDED_CODE = "AccountSuspended"
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_]")

SessionFactory = Callable[[], boto3.Session]


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
        org = config.organization
        session = management_session(org)
        discovery = discover(session, org, max_attempts=config.max_attempts)
        caller = discovery.management_account_id
        evidence = collect_organization_sources(session, caller, organization_sources, max_attempts=config.max_attempts)
        tasks += [
            AccountTask(task_key("acct", m.account_id), member_account(org, m, discovery.partition), m)
            for m in discovery.members
        ]
    return CollectionPlan(tuple(tasks), discovery, evidence)


def task_key(prefix: str, label: str) -> str:
    return f"{prefix}_{_KEY_UNSAFE.sub('_', label)}"


def base_sessions(config: AssuranceConfig) -> SessionFactory | None:
    """Fresh sessions carrying the management credentials, resolved once (one AssumeRole per process).

    boto3 sessions are not thread-safe, so each task gets its own; the credentials stay in memory only.
    """
    if config.organization is None:
        return None
    frozen = management_session(config.organization).get_credentials().get_frozen_credentials()

    def fresh() -> boto3.Session:
        return new_session(
            aws_access_key_id=frozen.access_key,
            aws_secret_access_key=frozen.secret_key,
            aws_session_token=frozen.token,
        )

    return fresh


def collect_task(
    config: AssuranceConfig,
    task: AccountTask,
    partition_date: date,
    sources: Sequence[AwsSource],
    base: SessionFactory | None = None,
    on_status: Callable[[CollectionStatus], None] | None = None,
) -> AccountResult:
    """Enter the account and collect it; a suspended or unenterable account becomes status rows, not an error."""
    member = task.member
    if member is not None and not member.active:
        status = _entry_failure(
            member.account_id, SUSPENDED_CODE, f"the organization lists the account as {member.state}"
        )
        return _result(task, member.account_id, [], [status])
    known_id = member.account_id if member is not None else f"unreachable:{task.account.name}"
    try:
        session = session_for(task.account, base() if (base and member is not None) else None)
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
    task = AccountTask(task_key("acct", member.account_id), AccountConfig(name=member.account_id), member)
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
