"""The collector against moto: every design source, all pages kept, failures recorded and never fatal."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.loaders import Loader, create_loader
from botocore.retries import bucket, standard
from collect_fixtures import (
    SECRET_VALUE,
    Script,
    on_call,
    on_send_first,
    parsed_error,
    parsed_ok,
    query_error,
    seed_estate,
    session_sharing,
)
from moto import mock_aws

from assurance_jobs.collect import credential_report
from assurance_jobs.collect.aws import collect_account, encode_pages
from assurance_jobs.collect.requests import RequestCounter
from assurance_jobs.config import AccountConfig
from assurance_jobs.snapshot.model import CollectionStatus, SourceBlob
from assurance_jobs.snapshot.store import LocalStorage, read_snapshot, write_snapshot
from assurance_jobs.sources import registry

ACCOUNT = AccountConfig(name="prod", regions=["us-east-1", "eu-west-1"])
MOTO_ACCOUNT = "123456789012"


@pytest.fixture(autouse=True)
def instant_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep botocore's real retry decisions but skip the seconds of backoff they would sleep."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(bucket.TokenBucket, "_sleep_amount", lambda self, amount: 0)
    polling = replace(credential_report.DEFAULT_POLLING, sleep=lambda seconds: None)
    monkeypatch.setattr(credential_report, "DEFAULT_POLLING", polling)


@pytest.fixture(scope="module")
def estate() -> Iterator[None]:
    """One seeded moto account for the module: collection only reads, and seeding is the slow part."""
    with mock_aws():
        seed_estate(boto3.Session(region_name="us-east-1"))
        yield


@pytest.fixture(scope="module")
def loader() -> Loader:
    return create_loader()


@pytest.fixture
def session(estate: None, loader: Loader) -> boto3.Session:
    """A fresh session per test, so each test's injected event handlers stay its own."""
    return session_sharing(loader)


@pytest.fixture
def counter(session: boto3.Session) -> RequestCounter:
    return RequestCounter().attach(session)


def collect(session: boto3.Session, account: AccountConfig = ACCOUNT, max_attempts: int = 3) -> Any:
    return collect_account(session, account, registry.aws_sources(), max_attempts=max_attempts)


def status_of(statuses: list[CollectionStatus], source: str, region: str | None = None) -> CollectionStatus:
    return next(s for s in statuses if s.source == source and s.region == region)


def blob_of(blobs: list[SourceBlob], source: str, region: str | None = None) -> SourceBlob | None:
    return next((b for b in blobs if b.source == source and b.region == region), None)


def pages_of(blobs: list[SourceBlob], source: str, region: str | None = None) -> list[dict[str, Any]]:
    blob = blob_of(blobs, source, region)
    assert blob is not None, f"no blob for {source} {region}"
    return json.loads(blob.content)["pages"]


def test_collects_every_design_source_with_design_paths(session: boto3.Session) -> None:
    blobs, statuses, account_id = collect(session)
    assert account_id == MOTO_ACCOUNT
    assert sorted(blob.relative_path for blob in blobs) == sorted(
        f"{MOTO_ACCOUNT}/{name}"
        for name in (
            "sts_caller_identity.json",
            "iam_credential_report.csv",
            "iam_authorization_details.json",
            "iam_roles.json",
            "iam_server_certificates.json",
            "secretsmanager_secrets.us-east-1.json",
            "secretsmanager_secrets.eu-west-1.json",
            *RESOURCE_FILES,
        )
    )
    assert {status.status for status in statuses} == {"ok"}


RESOURCE_FILES = tuple(
    f"{entry.name}.{region}.json"
    for entry in registry.aws_sources()
    if entry.enabled_by == "collect_resources"
    for region in ACCOUNT.regions
)
"""The existing resources, listed per region by default (`collect_resources`): an empty listing is still a file."""


def test_organizations_accounts_only_collected_when_enabled(session: boto3.Session) -> None:
    blobs, statuses, _ = collect(session, ACCOUNT.model_copy(update={"collect_organizations": True}))
    assert status_of(statuses, "organizations_accounts").api == "organizations:ListAccounts"
    assert blob_of(blobs, "organizations_accounts") is not None
    blobs_without, statuses_without, _ = collect(session)
    assert blob_of(blobs_without, "organizations_accounts") is None
    assert all(s.source != "organizations_accounts" for s in statuses_without)


def test_json_sources_drop_response_metadata_and_write_iso_datetimes(session: boto3.Session) -> None:
    blobs, _, _ = collect(session)
    role = pages_of(blobs, "iam_roles")[0]["Roles"][0]
    assert "ResponseMetadata" not in pages_of(blobs, "iam_roles")[0]
    assert role["CreateDate"].startswith("20") and "T" in role["CreateDate"]
    assert role["MaxSessionDuration"] == 7200


def test_authorization_details_hold_the_seeded_users_roles_groups_and_policies(session: boto3.Session) -> None:
    blobs, _, _ = collect(session)
    page = pages_of(blobs, "iam_authorization_details")[0]
    assert {user["UserName"] for user in page["UserDetailList"]} == {"ci-bot", "backup-bot"}
    assert {role["RoleName"] for role in page["RoleDetailList"]} == {"lambda-exec", "etl-runner"}
    assert [group["GroupName"] for group in page["GroupDetailList"]] == ["deployers"]
    assert [policy["Arn"].rsplit("/", 1)[-1] for policy in page["Policies"]] == ["s3-everything"]


def test_credential_report_is_the_raw_csv_with_a_row_per_user(session: boto3.Session) -> None:
    blobs, statuses, _ = collect(session)
    report = blob_of(blobs, "iam_credential_report")
    assert report is not None and report.extension == "csv"
    rows = list(csv.DictReader(io.StringIO(report.content.decode())))
    assert {row["user"] for row in rows} == {"ci-bot", "backup-bot"}
    assert status_of(statuses, "iam_credential_report").status == "ok"


def test_credential_report_in_progress_is_polled_until_complete(session: boto3.Session) -> None:
    generate = Script([parsed_ok({"State": "STARTED"}), parsed_ok({"State": "INPROGRESS"})])
    get = Script([parsed_error("ReportInProgress", 410)])
    on_call(session, "iam", "GenerateCredentialReport", generate)
    on_call(session, "iam", "GetCredentialReport", get)
    blobs, statuses, _ = collect(session)
    assert status_of(statuses, "iam_credential_report").status == "ok"
    assert len(generate.calls) >= 4 and len(get.calls) == 2
    assert blob_of(blobs, "iam_credential_report") is not None


def test_all_authorization_detail_pages_are_kept_when_the_response_is_truncated(session: boto3.Session) -> None:
    requests: list[dict[str, Any]] = []
    session.events.register(
        "before-parameter-build.iam.GetAccountAuthorizationDetails", lambda params, **_: requests.append(dict(params))
    )
    first = parsed_ok({"UserDetailList": [{"UserName": "page-one"}], "IsTruncated": True, "Marker": "m-2"})
    second = parsed_ok({"UserDetailList": [{"UserName": "page-two"}], "IsTruncated": False})
    on_call(session, "iam", "GetAccountAuthorizationDetails", Script([first, second]))
    blobs, statuses, _ = collect(session)
    pages = pages_of(blobs, "iam_authorization_details")
    assert [page["UserDetailList"][0]["UserName"] for page in pages] == ["page-one", "page-two"]
    assert status_of(statuses, "iam_authorization_details").pages == 2
    assert requests == [{"MaxItems": 1000}, {"MaxItems": 1000, "Marker": "m-2"}]


def test_truncated_page_without_a_marker_is_partial(session: boto3.Session) -> None:
    cut = parsed_ok({"Roles": [{"RoleName": "only-some"}], "IsTruncated": True})
    on_call(session, "iam", "ListRoles", Script([cut]))
    blobs, statuses, _ = collect(session)
    status = status_of(statuses, "iam_roles")
    assert (status.status, status.error_code, status.pages) == ("partial", "TruncatedWithoutMarker", 1)
    assert pages_of(blobs, "iam_roles")[0]["Roles"] == [{"RoleName": "only-some"}]


def test_failure_after_some_pages_is_partial_and_keeps_those_pages(session: boto3.Session) -> None:
    first = parsed_ok({"Roles": [{"RoleName": "first-page"}], "IsTruncated": True, "Marker": "m-2"})
    on_call(session, "iam", "ListRoles", Script([first, parsed_error("AccessDenied")]))
    blobs, statuses, _ = collect(session)
    status = status_of(statuses, "iam_roles")
    assert (status.status, status.error_code, status.pages) == ("partial", "AccessDenied", 1)
    assert pages_of(blobs, "iam_roles")[0]["Roles"] == [{"RoleName": "first-page"}]


def test_access_denied_on_one_api_is_recorded_and_the_others_still_collected(session: boto3.Session) -> None:
    on_call(session, "iam", "GetAccountAuthorizationDetails", Script([parsed_error("AccessDenied", message="no")]))
    blobs, statuses, _ = collect(session)
    denied = status_of(statuses, "iam_authorization_details")
    assert (denied.status, denied.api, denied.error_code, denied.message) == (
        "error",
        "iam:GetAccountAuthorizationDetails",
        "AccessDenied",
        "no",
    )
    assert blob_of(blobs, "iam_authorization_details") is None
    assert [s.source for s in statuses if s.status != "ok"] == ["iam_authorization_details"]
    assert blob_of(blobs, "iam_roles") is not None


def test_access_denied_in_one_region_names_that_region(session: boto3.Session) -> None:
    def deny_eu(params: dict[str, Any], **_: Any) -> Any:
        return parsed_error("AccessDeniedException", 400) if "eu-west-1" in params["url"] else None

    on_call(session, "secretsmanager", "ListSecrets", deny_eu)
    blobs, statuses, _ = collect(session)
    eu = status_of(statuses, "secretsmanager_secrets", "eu-west-1")
    assert (eu.status, eu.region, eu.error_code) == ("error", "eu-west-1", "AccessDeniedException")
    assert status_of(statuses, "secretsmanager_secrets", "us-east-1").status == "ok"
    assert blob_of(blobs, "secretsmanager_secrets", "eu-west-1") is None
    assert blob_of(blobs, "secretsmanager_secrets", "us-east-1") is not None


def test_throttled_requests_are_retried_by_botocore_then_succeed(
    session: boto3.Session, counter: RequestCounter
) -> None:
    throttle = Script([query_error("Throttling"), query_error("Throttling")])
    on_send_first(session, "iam", "ListRoles", throttle)
    _, statuses, _ = collect(session, max_attempts=3)
    assert status_of(statuses, "iam_roles").status == "ok"
    assert counter.counts["iam:ListRoles"] == 3


def test_throttling_that_outlasts_max_attempts_is_an_error_with_the_throttling_code(
    session: boto3.Session, counter: RequestCounter
) -> None:
    on_send_first(session, "iam", "ListRoles", Script([query_error("Throttling")] * 5))
    blobs, statuses, _ = collect(session, max_attempts=3)
    status = status_of(statuses, "iam_roles")
    assert (status.status, status.error_code) == ("error", "Throttling")
    assert counter.counts["iam:ListRoles"] == 3
    assert blob_of(blobs, "iam_authorization_details") is not None


def test_unreachable_endpoint_is_an_error_status_not_a_crash(session: boto3.Session) -> None:
    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://iam.amazonaws.com/")

    on_send_first(session, "iam", "ListServerCertificates", unreachable)
    _, statuses, _ = collect(session)
    status = status_of(statuses, "iam_server_certificates")
    assert (status.status, status.error_code) == ("error", "EndpointConnectionError")


def test_failed_caller_identity_is_recorded_and_a_placeholder_account_used(session: boto3.Session) -> None:
    on_call(session, "sts", "GetCallerIdentity", Script([parsed_error("AccessDenied")]))
    blobs, statuses, account_id = collect(session)
    assert account_id == "unknown-prod"
    sts = status_of(statuses, "sts_caller_identity")
    assert (sts.status, sts.account_id, sts.error_code) == ("error", "unknown-prod", "AccessDenied")
    assert blob_of(blobs, "iam_roles") is not None


def test_secret_values_are_never_requested_or_stored(session: boto3.Session, counter: RequestCounter) -> None:
    blobs, _, _ = collect(session)
    assert counter.called("secretsmanager:ListSecrets")
    assert not counter.called("secretsmanager:GetSecretValue")
    assert all(SECRET_VALUE.encode() not in blob.content for blob in blobs)
    secret = pages_of(blobs, "secretsmanager_secrets", "eu-west-1")[0]["SecretList"][0]
    assert secret["Name"] == "db-password-eu-west-1"


def test_request_counter_counts_one_authorization_details_request_for_the_whole_graph(
    session: boto3.Session, counter: RequestCounter
) -> None:
    collect(session)
    assert counter.counts["iam:GetAccountAuthorizationDetails"] == 1
    assert counter.counts["secretsmanager:ListSecrets"] == 2
    assert counter.total == sum(counter.counts.values())


def test_encoded_pages_are_byte_identical_for_equal_responses() -> None:
    first = encode_pages([{"b": 1, "a": {"y": 2, "x": 1}}])
    second = encode_pages([{"a": {"x": 1, "y": 2}, "b": 1}])
    assert first == second == b'{"pages":[{"a":{"x":1,"y":2},"b":1}]}'


def test_a_collection_with_a_failed_source_writes_a_readable_snapshot(session: boto3.Session, tmp_path: Path) -> None:
    on_call(session, "iam", "ListServerCertificates", Script([parsed_error("AccessDenied")]))
    blobs, statuses, account_id = collect(session)
    storage = LocalStorage(tmp_path)
    manifest = write_snapshot(storage, date(2026, 11, 25), datetime.now(UTC), blobs, statuses, [account_id], 1.0)
    snapshot = read_snapshot(storage, date(2026, 11, 25), manifest.snapshot_id)
    assert snapshot.pages(account_id, "iam_roles") == pages_of(blobs, "iam_roles")
    failed = [s for s in snapshot.manifest.collection_status if s.status != "ok"]
    assert [(s.source, s.error_code) for s in failed] == [("iam_server_certificates", "AccessDenied")]
