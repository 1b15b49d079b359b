"""Faults injected between the real collector and AWS (moto) end as INCOMPLETE for exactly the scopes they touch.

Every collected API is failed in every way AWS fails: AccessDenied, throttling that outlasts the retries, 5xx,
connection resets, and pagination cut short (truncated without a marker, a marker that repeats, a marker then
a 500). The faults go in through botocore's own event hooks (see collect_fixtures), so botocore's retry logic,
the collector, the snapshot, the inventory and the evaluation all run unmodified; each case asserts the exact set
of (rule, account, region) scopes that read INCOMPLETE.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
from botocore.exceptions import ConnectionClosedError
from botocore.loaders import Loader, create_loader
from botocore.retries import bucket, standard
from collect_fixtures import (
    Script,
    http_response,
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
from assurance_jobs.collect.aws import collect_account
from assurance_jobs.config import AccountConfig, parse_config
from assurance_jobs.evaluate import EvaluationInputs, Suite, evaluate, load_suites
from assurance_jobs.evaluate.results import ROW_EVIDENCE_GAP
from assurance_jobs.snapshot.store import LocalStorage, read_snapshot, write_snapshot
from assurance_jobs.sources import registry
from assurance_jobs.steps.inventory import build_partition_inventory

ACCOUNT = AccountConfig(name="prod", regions=["us-east-1", "eu-west-1"], collect_organizations=True)
MOTO = "123456789012"
DAY = date(2026, 11, 25)
Scope = tuple[str, str, str | None]

# Without a baseline, directory feed, previous day, agent registry or trail these read INCOMPLETE on a clean day.
CLEAN_INCOMPLETE: frozenset[Scope] = frozenset(
    (rule, MOTO, None)
    for rule in (
        "NHI-BL-001",
        "NHI-BL-002",
        "NHI-BL-003",
        "NHI-BL-004",
        "NHI-BL-005",
        "NHI-DRIFT-001",
        "NHI-DRIFT-002",
        "NHI-OFF-004",
        # no CloudTrail trail is configured: the runtime rules have no activity evidence
        "NHI-RT-001",
        "NHI-RT-002",
        "NHI-RT-003",
        "NHI-RT-004",
        "NHI-RT-005",
        "NHI-RT-006",
        "NHI-RT-007",
        "NHI-RT-008",
        # agent discovery (`collect_agents`) is off: the agent rules have no platform evidence
        *(f"NHI-AG-00{n}" for n in range(1, 8)),
    )
)


def _global(*rules: str) -> frozenset[Scope]:
    return frozenset((rule, MOTO, None) for rule in rules)


IDENTITY_RULES = ("NHI-EXP-001", "NHI-LP-001", "NHI-LP-002", "NHI-LP-003", "NHI-LP-004", "NHI-LP-005")
# What each source's failure adds to the clean day's INCOMPLETE scopes: the specification of this file.
ADDED: dict[str, frozenset[Scope]] = {
    "iam_authorization_details": _global(*IDENTITY_RULES, "NHI-LP-006", "NHI-LP-007", "NHI-OFF-002", "NHI-OFF-003")
    | _global("NHI-LP-008", "NHI-ROT-002"),
    "iam_roles": _global("NHI-EXP-001"),
    "iam_credential_report": _global("NHI-EXP-002", "NHI-LP-007", "NHI-OFF-001", "NHI-ROT-001", "NHI-ROT-002"),
    "iam_server_certificates": _global("NHI-ROT-005", "NHI-ROT-006"),
    "secretsmanager_secrets": frozenset(
        (rule, MOTO, "eu-west-1") for rule in ("NHI-OFF-005", "NHI-ROT-003", "NHI-ROT-004")
    ),
    "organizations_accounts": frozenset(),  # recorded as missing evidence, but no rule reads it
    # only svc-function-updater holds a Lambda method: its escalation verdicts are unknown, nobody else's
    "lambda_functions": _global("NHI-LP-003", "NHI-LP-008"),
}


# Sources no rule depends on as a whole: their failure reaches a rule through the principals whose verdict needed
# them (meta `incomplete_if`), and the scope names that row-level gap.
THROUGH_PRINCIPALS = frozenset({"lambda_functions"})


@dataclass(frozen=True)
class Api:
    source: str
    service: str
    operation: str
    json_protocol: bool = False
    list_key: str | None = None  # None: not paginated
    marker_key: str = "Marker"
    region: str | None = None  # fault only this region (regional sources)

    def applies(self, url: str) -> bool:
        return self.region is None or self.region in url

    def error(self, code: str, status: int) -> Any:
        if not self.json_protocol:
            return query_error(code, status)
        body = json.dumps({"__type": code, "message": "injected"}).encode()
        return http_response(status, body, {"Content-Type": "application/x-amz-json-1.1"})


APIS = (
    Api("sts_caller_identity", "sts", "GetCallerIdentity"),
    Api("iam_credential_report", "iam", "GenerateCredentialReport"),
    Api("iam_credential_report", "iam", "GetCredentialReport"),
    Api("iam_authorization_details", "iam", "GetAccountAuthorizationDetails", list_key="UserDetailList"),
    Api("iam_roles", "iam", "ListRoles", list_key="Roles"),
    Api("iam_server_certificates", "iam", "ListServerCertificates", list_key="ServerCertificateMetadataList"),
    Api("secretsmanager_secrets", "secretsmanager", "ListSecrets", True, "SecretList", "NextToken", "eu-west-1"),
    Api("organizations_accounts", "organizations", "ListAccounts", True, "Accounts", "NextToken"),
    Api("lambda_functions", "lambda", "ListFunctions", True, "Functions", "NextMarker", "eu-west-1"),
)


def _answer_calls(session: boto3.Session, api: Api, answer: Callable[[], Any]) -> None:
    """Answer the API's calls (no HTTP) in the faulted region; other regions reach moto."""

    def handler(params: dict[str, Any], **_: Any) -> Any:
        return answer() if api.applies(params.get("url", "")) else None

    on_call(session, api.service, api.operation, handler)


def _fail_sends(session: boto3.Session, api: Api, failure: Callable[[], Any]) -> None:
    """Replace every HTTP attempt (so botocore retries and gives up) in the faulted region."""

    def handler(request: Any, **_: Any) -> Any:
        return failure() if api.applies(request.url) else None

    on_send_first(session, api.service, api.operation, handler)


def _reset(**_: Any) -> None:
    raise ConnectionClosedError(endpoint_url="https://aws.invalid/")


def access_denied(session: boto3.Session, api: Api) -> str:
    code = "AccessDeniedException" if api.json_protocol else "AccessDenied"
    _answer_calls(session, api, lambda: parsed_error(code))
    return code


def throttled(session: boto3.Session, api: Api) -> str:
    code = "ThrottlingException" if api.json_protocol else "Throttling"
    _fail_sends(session, api, lambda: api.error(code, 400))
    return code


def server_error(session: boto3.Session, api: Api) -> str:
    code = "InternalFailure" if api.json_protocol else "ServiceFailure"
    _fail_sends(session, api, lambda: api.error(code, 500))
    return code


def connection_reset(session: boto3.Session, api: Api) -> str:
    _fail_sends(session, api, lambda: _reset())
    return "ConnectionClosedError"


def _page(api: Api, marker: str | None = None, truncated: bool = True) -> Any:
    body: dict[str, Any] = {str(api.list_key): []}
    if not api.json_protocol:
        body["IsTruncated"] = truncated
    if marker:
        body[api.marker_key] = marker
    return parsed_ok(body)


def truncated_without_marker(session: boto3.Session, api: Api) -> str:
    _answer_calls(session, api, lambda: _page(api))
    return "TruncatedWithoutMarker"


def repeating_marker(session: boto3.Session, api: Api) -> str:
    _answer_calls(session, api, lambda: _page(api, marker="same-marker"))
    return "PaginationError"


def marker_then_500(session: boto3.Session, api: Api) -> str:
    first = Script([_page(api, marker="1")])  # numeric: moto still sees the send and parses it
    _answer_calls(session, api, first)  # the first call gets a page and a marker; the next ones go to HTTP
    return server_error(session, api)


FAULTS: dict[str, Callable[[boto3.Session, Api], str]] = {
    "access_denied": access_denied,
    "throttled": throttled,
    "server_error": server_error,
    "connection_reset": connection_reset,
    "truncated_without_marker": truncated_without_marker,
    "repeating_marker": repeating_marker,
    "marker_then_500": marker_then_500,
}
PAGINATION_FAULTS = {"truncated_without_marker", "repeating_marker", "marker_then_500"}


def _cases() -> Iterator[Any]:
    for api in APIS:
        for fault in FAULTS:
            if fault in PAGINATION_FAULTS and api.list_key is None:
                continue
            if fault == "truncated_without_marker" and api.json_protocol:
                continue  # JSON APIs signal more pages only by NextToken: there is no "truncated" flag to lie
            yield pytest.param(api, fault, id=f"{api.operation}-{fault}")


@pytest.fixture(autouse=True)
def instant_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep botocore's real retry decisions but skip the seconds of backoff they would sleep."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(bucket.TokenBucket, "_sleep_amount", lambda self, amount: 0)
    polling = replace(credential_report.DEFAULT_POLLING, sleep=lambda seconds: None)
    monkeypatch.setattr(credential_report, "DEFAULT_POLLING", polling)


@pytest.fixture(scope="module")
def estate() -> Iterator[None]:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        seed_estate(session)
        session.client("organizations").create_organization(FeatureSet="ALL")
        iam = session.client("iam")  # a resource method: latent on a clean day (no function), unknown if unlisted
        iam.create_user(UserName="svc-function-updater", Tags=[{"Key": "owner", "Value": "team@example.com"}])
        update = {"Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": "*"}
        document = json.dumps({"Version": "2012-10-17", "Statement": [update]})
        iam.put_user_policy(UserName="svc-function-updater", PolicyName="deploy", PolicyDocument=document)
        yield


@pytest.fixture(scope="module")
def loader() -> Loader:
    return create_loader()


@pytest.fixture(scope="module")
def suites() -> list[Suite]:
    return load_suites()


@pytest.fixture
def session(estate: None, loader: Loader) -> boto3.Session:
    return session_sharing(loader)


@dataclass(frozen=True)
class Run:
    statuses: pd.DataFrame
    results: pd.DataFrame

    def incomplete(self) -> frozenset[Scope]:
        rows = self.results[self.results["status"] == "INCOMPLETE"]
        return frozenset(zip(rows["rule_id"], rows["account_id"], rows["region"], strict=True))

    def missing(self, scope: Scope) -> set[str]:
        rule, account, region = scope
        rows = self.results[(self.results["rule_id"] == rule) & (self.results["account_id"] == account)]
        rows = rows[rows["region"].isna()] if region is None else rows[rows["region"] == region]
        return set(str(rows["missing_sources"].iloc[0]).split(","))

    def not_ok(self) -> list[tuple[str, str | None, str, str]]:
        rows = self.statuses[self.statuses["status"] != "ok"].astype(object)
        rows = rows.where(rows.notna(), None)
        return list(zip(rows["source"], rows["region"], rows["status"], rows["error_code"], strict=True))


TAKEN_AT = datetime.now(UTC)
# evaluate() is pure: faults that leave byte-identical files and the same statuses (denied vs throttled, say)
# get the same verdicts, so GX (seconds per run) runs once per distinct evidence, not once per case.
_EVALUATIONS: dict[tuple[Any, ...], pd.DataFrame] = {}


def collect_and_evaluate(session: boto3.Session, root: Path, suites: list[Suite]) -> Run:
    """The real steps: collect → immutable snapshot → inventory with facts → evaluation."""
    config = parse_config({"storage_root": str(root), "accounts": [ACCOUNT.model_dump()]})
    blobs, statuses, account_id = collect_account(session, ACCOUNT, registry.aws_sources(), max_attempts=3)
    storage = LocalStorage(root)
    manifest = write_snapshot(storage, DAY, TAKEN_AT, blobs, statuses, [account_id], 1.0)
    inventory = build_partition_inventory(config, read_snapshot(storage, DAY, manifest.snapshot_id)).inventory
    evidence = (
        tuple(sorted((entry.path, entry.sha256) for entry in manifest.files)),
        tuple(sorted((s.account_id, s.source, s.region or "", s.status) for s in statuses)),
    )
    if evidence in _EVALUATIONS:
        return Run(inventory.collection_status, _EVALUATIONS[evidence])
    evaluation = evaluate(
        EvaluationInputs(
            tables={
                "identities": inventory.identities,
                "credentials": inventory.credentials,
                "agents": inventory.agents,
            },
            collection_status=inventory.collection_status,
            suites=suites,
            snapshot_id=manifest.snapshot_id,
            partition_date=DAY,
        )
    )
    _EVALUATIONS[evidence] = evaluation.rule_results
    return Run(inventory.collection_status, evaluation.rule_results)


def test_a_clean_collection_is_incomplete_only_where_inputs_are_not_configured(
    session: boto3.Session, tmp_path: Path, suites: list[Suite]
) -> None:
    run = collect_and_evaluate(session, tmp_path, suites)
    assert run.not_ok() == []
    assert run.incomplete() == CLEAN_INCOMPLETE


@pytest.mark.parametrize(("api", "fault"), list(_cases()))
def test_fault_makes_exactly_the_dependent_scopes_incomplete(
    session: boto3.Session, tmp_path: Path, suites: list[Suite], api: Api, fault: str
) -> None:
    code = FAULTS[fault](session, api)
    run = collect_and_evaluate(session, tmp_path, suites)
    (failed,) = run.not_ok()
    assert (failed[0], failed[1], failed[3]) == (api.source, api.region, code)
    if api.source == "sts_caller_identity":
        assert set(run.results["account_id"]) == {"unknown-prod"}
        assert set(run.results["status"]) == {"INCOMPLETE"}
        assert all("sts_caller_identity" in text for text in run.results["missing_sources"])
        return
    added = ADDED[api.source]
    assert run.incomplete() == CLEAN_INCOMPLETE | added
    named = ROW_EVIDENCE_GAP if api.source in THROUGH_PRINCIPALS else api.source
    assert all(named in run.missing(scope) for scope in added)
