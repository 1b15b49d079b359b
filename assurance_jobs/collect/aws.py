"""The boto3 collector: one account's raw IAM / Secrets Manager / Organizations responses plus their statuses.

Why it looks like this:
* It keeps raw API pages, not parsed objects, so a snapshot is evidence that can be re-analysed later and
  checked against `aws iam get-account-authorization-details` output.
* Retries belong to botocore (standard mode, plus its adaptive client-side rate limiter — one per AWS quota, shared
  by every thread that draws on that quota, see `Throttling`); the only hand-written wait is the credential report
  poll.
* A failure never aborts the run and is never hidden: every API call ends as a CollectionStatus row
  (ok / partial / error), and rules that depend on a non-ok source report INCOMPLETE instead of PASS.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.retries import adaptive

from assurance_jobs.collect import credential_report, service_last_accessed
from assurance_jobs.collect.cloudtrail import collect_cloudtrail
from assurance_jobs.config import AccountConfig, TrailConfig
from assurance_jobs.snapshot.model import STS_CALLER_IDENTITY, CollectionStatus, SourceBlob
from assurance_jobs.source import AwsSource, CollectFailure, CollectResult, MakeClient

ROLE_SESSION_NAME = "assurance-jobs"
UNKNOWN_ACCOUNT_PREFIX = "unknown"
# IAM's largest page (MaxItems=1000); the other services cap lower.
PAGE_SIZES = {"iam": 1000, "secretsmanager": 100, "organizations": 20, "kms": 1000}
ADVISOR_POLLING = service_last_accessed.DEFAULT_POLLING


def client_config(max_attempts: int) -> Config:
    """Standard retries; the adaptive rate limiter is attached per quota by `Throttling.client`."""
    return Config(retries={"mode": "standard", "total_max_attempts": max_attempts})


class Throttling:
    """botocore's adaptive rate limiter, one per AWS quota instead of one per client.

    botocore's `adaptive` retry mode gives every client its own token bucket, so sixteen threads calling the same
    API each learn the throttling rate on their own and together keep exceeding it. AWS counts a quota per calling
    account, service and region (IAM per account, STS AssumeRole per calling account, Organizations per
    organization), so every client that draws on the same quota shares one limiter here: `quota` names who calls
    (the member account read, or the credentials that assume roles). Accounts do not share a quota, so one
    throttled account slows itself down, not the others. botocore's limiter is thread-safe (it holds a lock).
    One collection (a run's accounts, or one Dagster step's) makes one `Throttling` and passes it down, so what a
    limiter learned never outlives the collection."""

    def __init__(self) -> None:
        self._limiters: dict[tuple[str, str, str], adaptive.ClientRateLimiter] = {}
        self._lock = threading.Lock()

    def client(self, session: boto3.Session, service: str, region: str, quota: str, max_attempts: int) -> Any:
        """A client with standard retries whose sends wait on the quota's shared adaptive limiter."""
        client = session.client(service, region_name=region, config=client_config(max_attempts))
        key = (quota, service, region)
        with self._lock:
            limiter = self._limiters.get(key)
            if limiter is None:  # botocore builds and registers its limiter on this first client
                self._limiters[key] = adaptive.register_retry_handler(client)
                return client
        client.meta.events.register("before-send", limiter.on_sending_request)
        client.meta.events.register("needs-retry", limiter.on_receiving_response)
        return client


class _SharedLoader(botocore.loaders.Loader):
    """botocore's loader of service models, endpoint rules and partitions, shared by every session we make.

    Each new boto3 session otherwise starts with an empty loader and reads and JSON-parses the IAM, STS and
    Secrets Manager models again: with one assumed-role session per account that was most of the collector's
    CPU per account. Loading is read-only and its cache tolerates a duplicate miss, so threads may share it.
    boto3 appends its own data folder to every new session's loader; this one holds it once already and hands
    out a copy of its paths, so that list does not grow by one entry per session."""

    @property
    def search_paths(self) -> list[str]:
        return list(self._search_paths)


@lru_cache(maxsize=4)
def _shared_loader(data_path: str | None) -> _SharedLoader:
    """botocore's own search order: `data_path` (AWS_DATA_PATH, custom or patched models) first, then boto3's."""
    extra = [os.path.expanduser(p) for p in (data_path or "").split(os.pathsep) if p]
    return _SharedLoader(extra_search_paths=[*extra, os.path.join(os.path.dirname(boto3.__file__), "data")])


def new_session(**arguments: Any) -> boto3.Session:
    """A boto3 session (same arguments as boto3.Session) that reuses the process's loaded service models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _shared_loader(core.get_config_variable("data_path")))
    return boto3.Session(botocore_session=core, **arguments)


def session_for(
    account: AccountConfig,
    base: boto3.Session | None = None,
    *,
    throttling: Throttling | None = None,
    caller: str | None = None,
    max_attempts: int = 10,
    sts: Any | None = None,
) -> boto3.Session:
    """A session for `account`: its profile (or the standard chain), then its role if it names one.

    No endpoint_url is passed anywhere, so AWS_ENDPOINT_URL / AWS_PROFILE behave exactly as for the AWS CLI.
    The assumed-role credentials last one hour (the STS default), ample for one account's collection. `caller`
    names whose STS quota the AssumeRole draws on (the management credentials of an organization: all accounts'
    threads share its limiter); by default the account's profile, else the ambient credentials. `sts`, a client
    that may assume the role (an organization's, shared by the accounts' threads: clients are thread-safe), saves
    making a session and a client per account (~10 ms of CPU each time).
    """
    if account.role_arn is None or sts is None:
        base = base or (new_session(profile_name=account.profile) if account.profile else new_session())
        if account.role_arn is None:
            return base
        quota = caller or f"caller:{account.profile or 'ambient'}"
        sts = (throttling or Throttling()).client(base, "sts", account.regions[0], quota, max_attempts)
    request: dict[str, Any] = {"RoleArn": account.role_arn, "RoleSessionName": ROLE_SESSION_NAME}
    if account.external_id:
        request["ExternalId"] = account.external_id
    credentials = sts.assume_role(**request)["Credentials"]
    return new_session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=base.region_name if base else None,
    )


def collect_account(
    session: boto3.Session,
    account: AccountConfig,
    sources: Sequence[AwsSource],
    *,
    max_attempts: int,
    trail: TrailConfig | None = None,
    partition_date: date | None = None,
    on_status: Callable[[CollectionStatus], None] | None = None,
    throttling: Throttling | None = None,
) -> tuple[list[SourceBlob], list[CollectionStatus], str]:
    """Collect `sources` (the registry's AWS sources, in its order) for one account; return (blobs, statuses,
    account_id). The caller identity comes first: it names the account of every file.

    With a `trail`, the account's CloudTrail day covered by `partition_date` is read too (docs/runtime.md).
    `on_status` hears each source's status as soon as its calls finish (the operator's progress display);
    `throttling` holds the collection's shared rate limiters (by default, this account's own)."""
    throttling = throttling or Throttling()
    home = account.regions[0]
    clients: dict[tuple[str, str], Any] = {}
    quota = f"account:{account.role_arn or account.name}"  # this account's own API quotas

    def client(service: str, region: str = home) -> Any:
        if (service, region) not in clients:  # client creation is costly (endpoint rules, models): reuse
            clients[service, region] = throttling.client(session, service, region, quota, max_attempts)
        return clients[service, region]

    caller = next(entry for entry in sources if entry.name == STS_CALLER_IDENTITY)
    identity = caller.collect(lambda: client(caller.service), caller)
    account_id = _account_id(identity, account)
    blobs: list[SourceBlob] = []
    statuses: list[CollectionStatus] = []

    def collect(entry: AwsSource, region: str | None) -> None:
        if entry.name == STS_CALLER_IDENTITY:
            result = identity
        else:
            result = entry.collect(lambda: client(entry.service, region or home), entry)
        statuses.append(_status(account_id, entry.name, entry.api, region, result))
        if on_status is not None:
            on_status(statuses[-1])
        if result.content is not None:
            blobs.append(SourceBlob(account_id, entry.name, result.content, region, entry.extension))

    for entry, region in planned_sources(account, sources):
        collect(entry, region)
    if trail is not None and partition_date is not None:
        for entry in (e for e in sources if e.scope == "trail"):  # what activity is judged with, where it is read
            for region in trail.regions or account.regions:
                collect(entry, region)
        trail_blobs, trail_statuses = collect_cloudtrail(
            client("s3"), trail, account_id, account.regions, partition_date
        )
        blobs += trail_blobs
        statuses += trail_statuses
        for status in trail_statuses if on_status is not None else []:
            on_status(status)
    return blobs, statuses, account_id


def planned_source_count(account: AccountConfig, sources: Sequence[AwsSource]) -> int:
    """How many (source, region) collections one account makes: the progress display's total."""
    return len(planned_sources(account, sources))


def planned_sources(account: AccountConfig, sources: Sequence[AwsSource]) -> list[tuple[AwsSource, str | None]]:
    """The account-scoped sources for this account in registry order: regional ones once per region, optional
    ones only where their account setting switches them on. Trail-scoped ones come with the CloudTrail day."""
    planned: list[tuple[AwsSource, str | None]] = []
    for entry in sources:
        if entry.scope != "account":
            continue
        if entry.enabled_by is not None and not getattr(account, entry.enabled_by):
            continue
        regions: list[str | None] = list(account.regions) if entry.regional else [None]
        planned.extend((entry, region) for region in regions)
    return planned


def collect_caller_identity(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """sts:GetCallerIdentity: a single response kept as one page."""
    return _with_pages_content(_run(lambda: [make_client().get_caller_identity()]))


def collect_pages(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """Every page of the paginated operation named by the entry's API ("iam:ListRoles" → list_roles)."""

    def pages() -> Iterable[dict[str, Any]]:  # the client is made inside _run so its errors are recorded too
        paginator = make_client().get_paginator(xform_name(entry.operation))  # botocore's own naming
        return paginator.paginate(PaginationConfig={"PageSize": PAGE_SIZES[entry.service]})

    return _with_pages_content(_run(pages))


def collect_kms_keys(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """kms:ListKeys pages, each key gaining its `Tags` (kms:ListResourceTags, every page) — metadata only.

    A key whose tags cannot be read (its key policy does not delegate to IAM, it was deleted meanwhile) keeps
    `TagsError` instead of `Tags`, and the source is `partial`: an unknown key is never taken as untagged."""
    size = {"PageSize": PAGE_SIZES["kms"]}
    result = _run(lambda: make_client().get_paginator("list_keys").paginate(PaginationConfig=size))
    denied: CollectFailure | None = None
    for page in result.pages:
        for key in page.get("Keys") or []:
            try:
                tags = make_client().get_paginator("list_resource_tags").paginate(KeyId=key["KeyId"])
                key["Tags"] = [tag for tag_page in tags for tag in tag_page.get("Tags") or []]
            except (ClientError, BotoCoreError) as error:
                denied = denied or _failure(error)
                key["TagsError"] = _failure(error).code
    if result.failure is None and denied is not None:
        result = dataclasses.replace(result, failure=denied)
    return _with_pages_content(result)


def collect_service_last_accessed(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """Access Advisor for every user and role (collect/service_last_accessed.py): one page per principal.

    A listing failure is an `error`; a principal whose job failed or timed out keeps its record with `JobStatus`
    and `Error` and makes the status `partial` — that principal's NHI-RT-005 facts then read INCOMPLETE."""
    try:
        iam = make_client()
        records = service_last_accessed.collect(iam, service_last_accessed.principals(iam), ADVISOR_POLLING)
    except (ClientError, BotoCoreError) as error:
        return CollectResult([], _failure(error))
    failed = service_last_accessed.failed(records)
    failure = None
    if failed:
        first = failed[0]["Error"]
        failure = CollectFailure(
            first["Code"], f"{len(failed)} of {len(records)} principals without data: {first['Message']}"
        )
    return CollectResult(records or [{}], failure, content=encode_pages(records))


def collect_credential_report(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """The raw credential report CSV, generated and polled until ready."""
    try:
        content = credential_report.fetch_credential_report(make_client(), credential_report.DEFAULT_POLLING)
    except (ClientError, BotoCoreError) as error:
        return CollectResult([], _failure(error))
    except credential_report.CredentialReportTimeout as error:
        return CollectResult([], CollectFailure(error.error_code, str(error)))
    return CollectResult([{}], content=content)


def _with_pages_content(result: CollectResult) -> CollectResult:
    if not result.pages:
        return result
    return dataclasses.replace(result, content=encode_pages(result.pages))


def _account_id(identity: CollectResult, account: AccountConfig) -> str:
    if identity.failure is None and identity.pages:
        return str(identity.pages[0]["Account"])
    return f"{UNKNOWN_ACCOUNT_PREFIX}-{account.name}"


def _run(call: Callable[[], Iterable[dict[str, Any]]]) -> CollectResult:
    """Drain the pages `call` yields, turning any AWS failure into a recorded CollectFailure (pages kept)."""
    pages: list[dict[str, Any]] = []
    try:
        for page in call():
            pages.append({key: value for key, value in page.items() if key != "ResponseMetadata"})
    except (ClientError, BotoCoreError) as error:
        return CollectResult(pages, _failure(error))
    cut_short = bool(pages) and bool(pages[-1].get("IsTruncated")) and not pages[-1].get("Marker")
    return CollectResult(pages, truncated_without_marker=cut_short)


def _failure(error: ClientError | BotoCoreError) -> CollectFailure:
    """The AWS error code when there is one (AccessDenied, Throttling), else the exception's name."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return CollectFailure(details.get("Code") or "ClientError", details.get("Message") or str(error))
    return CollectFailure(type(error).__name__, str(error))


def _status(account_id: str, source: str, api: str, region: str | None, result: CollectResult) -> CollectionStatus:
    pages = len(result.pages)
    if result.failure is not None:
        state = "partial" if pages else "error"
        code, message = result.failure.code, result.failure.message
    elif result.truncated_without_marker:
        state, code = "partial", "TruncatedWithoutMarker"
        message = "the last page said IsTruncated but gave no Marker to continue from"
    else:
        state, code, message = "ok", None, None
    return CollectionStatus(account_id, source, api, region, state, code, message, pages)


def encode_pages(pages: list[dict[str, Any]]) -> bytes:
    """Deterministic JSON: same responses, same bytes, same sha256 — so unchanged estates hash the same."""
    text = json.dumps({"pages": pages}, sort_keys=True, separators=(",", ":"), default=_json_default)
    return text.encode("utf-8")


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
