"""IAM Access Advisor collection (botocore Stubber: moto does not implement it): jobs started, polled, paginated."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from assurance_jobs.collect import aws, service_last_accessed
from assurance_jobs.collect.aws import encode_pages
from assurance_jobs.collect.service_last_accessed import AdvisorPolling
from assurance_jobs.config import HumanMarker
from assurance_jobs.scan.runtime import snapshot_service_last_accessed
from assurance_jobs.scan.sources import iam_service_last_accessed
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.snapshot.model import CollectionStatus, Manifest, ManifestFile, Snapshot
from assurance_jobs.sources import registry

ACCOUNT = "123456789012"
USER = f"arn:aws:iam::{ACCOUNT}:user/svc-reports"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/payments-settlement"
LINKED = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport"
CREATED = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
DONE = datetime(2026, 11, 30, 6, 0, 20, tzinfo=UTC)
S3_USED = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
ENTRY = registry.source("iam_service_last_accessed")
IAM_ENDPOINT = "https://iam.amazonaws.com/"


def job(n: int) -> str:
    """A JobId as AWS returns one (a UUID)."""
    return f"{n:08d}-5b2f-4c1e-9d3a-0f6e8b7c2a1d"


class FakeTime:
    """A clock that only moves when the poll sleeps."""

    def __init__(self) -> None:
        self.now, self.sleeps = 0.0, []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def polling(self, timeout: float = 60.0, grace: float = 15.0) -> AdvisorPolling:
        return AdvisorPolling(
            timeout_seconds=timeout, first_delay=2.0, grace_seconds=grace, sleep=self.sleep, clock=lambda: self.now
        )

    def each_poll_takes(self, iam: object, seconds: float, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make every GetServiceLastAccessedDetails call move the clock, as a real round of thousands would."""
        poll = iam.get_service_last_accessed_details

        def slow_poll(**params: object) -> dict:
            self.now += seconds
            return poll(**params)

        monkeypatch.setattr(iam, "get_service_last_accessed_details", slow_poll)


def _iam() -> object:
    return boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def _user(arn: str) -> dict:
    name = arn.rsplit("/", 1)[-1]
    return {"Path": "/", "UserName": name, "UserId": "AIDAEXAMPLE000000001", "Arn": arn, "CreateDate": CREATED}


def _role(arn: str, path: str = "/") -> dict:
    name = arn.rsplit("/", 1)[-1]
    return {"Path": path, "RoleName": name, "RoleId": "AROAEXAMPLE000000001", "Arn": arn, "CreateDate": CREATED}


def _service(namespace: str, last: datetime | None = None) -> dict:
    entry = {"ServiceName": namespace.upper(), "ServiceNamespace": namespace, "TotalAuthenticatedEntities": 0}
    if last is not None:
        entry |= {"LastAuthenticated": last, "LastAuthenticatedEntity": ROLE, "TotalAuthenticatedEntities": 1}
    return entry


def _details(status: str, services: list[dict], **more: object) -> dict:
    page = {
        "JobStatus": status,
        "JobType": "SERVICE_LEVEL",
        "JobCreationDate": CREATED,
        "ServicesLastAccessed": services,
    }
    # botocore's model makes JobCompletionDate required, so the Stubber needs it even while IN_PROGRESS.
    return page | {"JobCompletionDate": DONE} | more


def _started(stub: Stubber, *arns: str) -> None:
    for n, arn in enumerate(arns):
        stub.add_response(
            "generate_service_last_accessed_details",
            {"JobId": job(n)},
            {"Arn": arn, "Granularity": "SERVICE_LEVEL"},
        )


def test_every_page_of_a_finished_job_is_kept_and_a_running_job_is_polled_again() -> None:
    iam, clock = _iam(), FakeTime()
    with Stubber(iam) as stub:
        _started(stub, USER, ROLE)
        stub.add_response(
            "get_service_last_accessed_details", _details("IN_PROGRESS", []), {"JobId": job(0), "MaxItems": 1000}
        )
        first = _details("COMPLETED", [_service("s3", S3_USED)], IsTruncated=True, Marker="page-2")
        stub.add_response("get_service_last_accessed_details", first, {"JobId": job(1), "MaxItems": 1000})
        stub.add_response(
            "get_service_last_accessed_details",
            _details("COMPLETED", [_service("kms")], IsTruncated=False),
            {"JobId": job(1), "MaxItems": 1000, "Marker": "page-2"},
        )
        stub.add_response(
            "get_service_last_accessed_details", _details("COMPLETED", []), {"JobId": job(0), "MaxItems": 1000}
        )
        records = service_last_accessed.collect(iam, [USER, ROLE], clock.polling())
        stub.assert_no_pending_responses()
    by_arn = {r["Arn"]: r for r in records}
    assert [s["ServiceNamespace"] for s in by_arn[ROLE]["ServicesLastAccessed"]] == ["s3", "kms"]
    assert by_arn[ROLE]["ServicesLastAccessed"][0]["LastAuthenticated"] == S3_USED
    assert (by_arn[USER]["JobStatus"], clock.sleeps) == ("COMPLETED", [2.0])


def test_a_job_still_running_at_the_deadline_is_recorded_as_timed_out() -> None:
    iam, clock = _iam(), FakeTime()
    with Stubber(iam) as stub:
        _started(stub, ROLE)
        for _ in range(4):  # polls at t=0, 2, 6 and, the last wait cut short, at the 10 s deadline
            stub.add_response("get_service_last_accessed_details", _details("IN_PROGRESS", []))
        (record,) = service_last_accessed.collect(iam, [ROLE], clock.polling(timeout=10.0))
        stub.assert_no_pending_responses()
    assert (record["JobStatus"], record["Error"]["Code"], "ServicesLastAccessed" in record) == (
        "TIMED_OUT",
        "TIMED_OUT",
        False,
    )


def test_the_last_wait_is_cut_to_the_deadline_and_a_job_done_by_then_is_kept() -> None:
    iam, clock = _iam(), FakeTime()
    with Stubber(iam) as stub:
        _started(stub, ROLE)
        for _ in range(3):  # t=0, 2, 6
            stub.add_response("get_service_last_accessed_details", _details("IN_PROGRESS", []))
        stub.add_response("get_service_last_accessed_details", _details("COMPLETED", [_service("s3", S3_USED)]))
        (record,) = service_last_accessed.collect(iam, [ROLE], clock.polling(timeout=10.0))
    assert (record["JobStatus"], clock.sleeps) == ("COMPLETED", [2.0, 4.0, 4.0])


def test_a_throttled_poll_leaves_the_job_pending_for_the_next_round() -> None:
    iam, clock = _iam(), FakeTime()
    with Stubber(iam) as stub:
        _started(stub, ROLE)
        stub.add_client_error("get_service_last_accessed_details", "Throttling", "Rate exceeded", 400)
        stub.add_response("get_service_last_accessed_details", _details("COMPLETED", [_service("s3", S3_USED)]))
        (record,) = service_last_accessed.collect(iam, [ROLE], clock.polling())
    assert (record["JobStatus"], clock.sleeps) == ("COMPLETED", [2.0])


def test_a_poll_that_cannot_connect_leaves_the_job_pending_for_the_next_round(monkeypatch: pytest.MonkeyPatch) -> None:
    iam, clock = _iam(), FakeTime()
    poll, unreachable = iam.get_service_last_accessed_details, [EndpointConnectionError(endpoint_url=IAM_ENDPOINT)]

    def first_poll_unreachable(**params: object) -> dict:
        if unreachable:
            raise unreachable.pop()
        return poll(**params)

    monkeypatch.setattr(iam, "get_service_last_accessed_details", first_poll_unreachable)
    with Stubber(iam) as stub:
        _started(stub, ROLE)
        stub.add_response("get_service_last_accessed_details", _details("COMPLETED", [_service("s3", S3_USED)]))
        (record,) = service_last_accessed.collect(iam, [ROLE], clock.polling())
        stub.assert_no_pending_responses()
    assert record["JobStatus"] == "COMPLETED"


def test_a_job_throttled_until_the_deadline_is_timed_out_not_failed() -> None:
    iam, clock = _iam(), FakeTime()
    with Stubber(iam) as stub:
        _started(stub, ROLE)
        for _ in range(4):  # t=0, 2, 6, 10
            stub.add_client_error("get_service_last_accessed_details", "Throttling", "Rate exceeded", 400)
        (record,) = service_last_accessed.collect(iam, [ROLE], clock.polling(timeout=10.0))
    message = "not done after 10 s (last poll: Throttling)"
    assert (record["JobStatus"], record["Error"]["Message"]) == ("TIMED_OUT", message)


def test_the_deadline_stops_a_round_so_unpolled_principals_time_out(monkeypatch: pytest.MonkeyPatch) -> None:
    iam, clock = _iam(), FakeTime()
    arns = [f"arn:aws:iam::{ACCOUNT}:role/batch-{n:02d}" for n in range(20)]
    clock.each_poll_takes(iam, 1.0, monkeypatch)
    with Stubber(iam) as stub:
        _started(stub, *arns)
        for _ in range(11):  # one second a poll: t=0..10 fit in the 10 s budget, the other 9 are never asked
            stub.add_response("get_service_last_accessed_details", _details("IN_PROGRESS", []))
        records = service_last_accessed.collect(iam, arns, clock.polling(timeout=10.0, grace=0.0))
        stub.assert_no_pending_responses()
    assert ({r["JobStatus"] for r in records}, clock.now, clock.sleeps) == ({"TIMED_OUT"}, 11.0, [])


def test_the_principal_listing_asks_for_iams_largest_page() -> None:
    iam = _iam()
    with Stubber(iam) as stub:
        stub.add_response("list_users", {"Users": [_user(USER)], "IsTruncated": False}, {"MaxItems": 1000})
        stub.add_response("list_roles", {"Roles": [_role(ROLE)], "IsTruncated": False}, {"MaxItems": 1000})
        assert service_last_accessed.principals(iam) == [USER, ROLE]


def test_service_linked_roles_are_not_asked_about() -> None:
    iam = _iam()
    with Stubber(iam) as stub:
        stub.add_response("list_users", {"Users": [_user(USER)], "IsTruncated": False})
        roles = [_role(ROLE), _role(LINKED, "/aws-service-role/support.amazonaws.com/")]
        stub.add_response("list_roles", {"Roles": roles, "IsTruncated": False})
        assert service_last_accessed.principals(iam) == [USER, ROLE]


def test_a_failed_job_makes_the_source_partial_and_keeps_the_other_principals(monkeypatch: pytest.MonkeyPatch) -> None:
    iam, clock = _iam(), FakeTime()
    monkeypatch.setattr(aws, "ADVISOR_POLLING", clock.polling())
    failed = _details("FAILED", [], Error={"Message": "internal error", "Code": "ServiceFailure"})
    with Stubber(iam) as stub:
        stub.add_response("list_users", {"Users": [_user(USER)], "IsTruncated": False})
        stub.add_response("list_roles", {"Roles": [_role(ROLE)], "IsTruncated": False})
        _started(stub, USER, ROLE)
        stub.add_response("get_service_last_accessed_details", failed)
        stub.add_response("get_service_last_accessed_details", _details("COMPLETED", [_service("s3", S3_USED)]))
        result = aws.collect_service_last_accessed(lambda: iam, ENTRY)
    status = aws._status(ACCOUNT, ENTRY.name, ENTRY.api, None, result)
    assert (status.status, status.error_code, len(result.pages)) == ("partial", "ServiceFailure", 2)


def test_a_denied_listing_is_an_error_with_nothing_stored() -> None:
    iam = _iam()
    with Stubber(iam) as stub:
        stub.add_client_error("list_users", "AccessDenied", "not authorized to perform iam:ListUsers")
        result = aws.collect_service_last_accessed(lambda: iam, ENTRY)
    status = aws._status(ACCOUNT, ENTRY.name, ENTRY.api, None, result)
    assert (status.status, status.error_code, result.content) == ("error", "AccessDenied", None)


def test_stored_records_parse_to_services_per_principal_and_none_for_a_failed_job() -> None:
    records = [
        {"Arn": ROLE, "JobStatus": "COMPLETED", "ServicesLastAccessed": [_service("s3", S3_USED), _service("kms")]},
        {"Arn": USER, "JobStatus": "TIMED_OUT", "Error": {"Code": "TIMED_OUT", "Message": "not done"}},
    ]
    content, path = encode_pages(records), f"{ACCOUNT}/iam_service_last_accessed.json"
    file = ManifestFile(path, ACCOUNT, ENTRY.name, None, hashlib.sha256(content).hexdigest(), len(content))
    snapshot = Snapshot(Manifest("s", DONE.date(), DONE, "test", 0.0, [ACCOUNT], [file], []), "memory", {path: content})
    parsed = iam_service_last_accessed.parse(snapshot, ACCOUNT, Context(DONE, [], HumanMarker(), None))
    assert parsed is not None and parsed.services == {ROLE: {"s3": S3_USED, "kms": None}, USER: None}


def _advisor_snapshot(records: list[dict]) -> Snapshot:
    """A snapshot holding one account's advisor file (its status `ok`)."""
    content, path = encode_pages(records), f"{ACCOUNT}/iam_service_last_accessed.json"
    file = ManifestFile(path, ACCOUNT, ENTRY.name, None, hashlib.sha256(content).hexdigest(), len(content))
    status = CollectionStatus(ACCOUNT, ENTRY.name, ENTRY.api, None, "ok", pages=len(records))
    return Snapshot(
        Manifest("s", DONE.date(), DONE, "test", 0.0, [ACCOUNT], [file], [status]), "memory", {path: content}
    )


def test_the_snapshots_advisor_file_and_its_sha256_are_kept_for_the_citation() -> None:
    snapshot = _advisor_snapshot([{"Arn": ROLE, "JobStatus": "COMPLETED", "ServicesLastAccessed": []}])
    (file,) = snapshot.manifest.files
    assert snapshot_service_last_accessed(snapshot).files == {ACCOUNT: (file.path, file.sha256)}


def test_an_unreadable_last_authenticated_makes_the_principal_unknown_with_a_warning() -> None:
    unreadable = _service("s3") | {"LastAuthenticated": "soon"}
    snapshot = _advisor_snapshot([{"Arn": ROLE, "JobStatus": "COMPLETED", "ServicesLastAccessed": [unreadable]}])
    context = Context(DONE, [], HumanMarker(), None)
    parsed = iam_service_last_accessed.parse(snapshot, ACCOUNT, context)
    assert parsed is not None and parsed.services == {ROLE: None}
    assert any(ROLE in warning and "unknown" in warning for warning in context.warnings)
