"""The IAM change sensor against an emulated SQS queue: bursts become one rerun per account, garbage is dropped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import dagster as dg
import pytest
from events_fixtures import ACCOUNT_A, ACCOUNT_B, S3_NOTIFICATION, eventbridge_body, sns_wrapped
from moto import mock_aws

from assurance_jobs.definitions import assets_for
from assurance_jobs.defs import sensors
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.defs.sensors import SENSOR_JOBS, SENSORS, iam_change_sensor
from assurance_jobs.events import drain_queue

ALL_ASSETS = assets_for(AssuranceSettings())

T0 = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
QUIET = 120


class FakeClock:
    """The sensor's clock, moved by hand: Dagster itself keeps the real time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(T0)
    monkeypatch.setattr(sensors, "clock", fake)
    return fake


@pytest.fixture
def sqs() -> Iterator:
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


@pytest.fixture
def queue_url(sqs) -> str:
    return sqs.create_queue(QueueName="nhi-change-events")["QueueUrl"]


@pytest.fixture(scope="module")
def instance() -> Iterator[dg.DagsterInstance]:
    """One test instance for the module: the sensor only reads it, and creating one costs seconds."""
    with dg.instance_for_test() as test_instance:
        yield test_instance


def settings_for(tmp_path: Path, queue_url: str | None, max_messages: int = 100) -> AssuranceSettings:
    config = tmp_path / "assurance.yaml"
    text = f"storage_root: {tmp_path / 'data'}\n"
    if queue_url:
        text += f"change_events:\n  queue_url: {queue_url}\n  max_messages_per_tick: {max_messages}\n"
    config.write_text(text)
    return AssuranceSettings(config_path=str(config))


def send(sqs, queue_url: str, bodies: list[str]) -> None:
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)


def messages_left(sqs, queue_url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def tick(settings: AssuranceSettings, instance: dg.DagsterInstance, cursor: str | None = None) -> dg.SensorResult:
    context = dg.build_sensor_context(cursor=cursor, instance=instance, resources={"settings": settings})
    return iam_change_sensor(context)


def test_burst_per_account_yields_one_run_request_each_once_quiet(
    tmp_path: Path, sqs, queue_url: str, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    settings = settings_for(tmp_path, queue_url)
    send(sqs, queue_url, [eventbridge_body("AttachRolePolicy", ACCOUNT_A)] * 20)
    send(sqs, queue_url, [eventbridge_body("CreateAccessKey", ACCOUNT_B)] * 3)
    first = tick(settings, instance)
    assert not first.run_requests
    clock.advance(QUIET)
    second = tick(settings, instance, first.cursor)
    requests = {request.tags["assurance/account"]: request for request in second.run_requests or []}
    assert sorted(requests) == [ACCOUNT_A, ACCOUNT_B]
    assert requests[ACCOUNT_A].tags["assurance/change-event-count"] == "20"
    assert requests[ACCOUNT_B].tags["assurance/change-events"] == "CreateAccessKey"


def test_nothing_is_requested_while_the_account_is_still_busy(
    tmp_path: Path, sqs, queue_url: str, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    settings = settings_for(tmp_path, queue_url)
    send(sqs, queue_url, [eventbridge_body()])
    cursor = tick(settings, instance).cursor
    clock.advance(QUIET - 30)
    send(sqs, queue_url, [eventbridge_body("PutRolePolicy")])
    result = tick(settings, instance, cursor)
    assert not result.run_requests
    assert f"waiting for quiet before rerunning: {ACCOUNT_A}" in str(result.skip_reason)


def test_run_request_targets_todays_partition_with_an_idempotent_run_key(
    tmp_path: Path, sqs, queue_url: str, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    settings = settings_for(tmp_path, queue_url)
    send(sqs, queue_url, [eventbridge_body("UpdateAssumeRolePolicy")])
    cursor = tick(settings, instance).cursor
    clock.advance(QUIET)
    (request,) = tick(settings, instance, cursor).run_requests or []
    assert request.partition_key == "2026-03-14"
    assert request.run_key == f"iam-change-{ACCOUNT_A}-2026-03-14-20260314T100000Z"
    assert request.tags["assurance/trigger"] == "iam-change"


def test_events_read_over_several_ticks_join_one_burst_through_the_cursor(
    tmp_path: Path, sqs, queue_url: str, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    settings = settings_for(tmp_path, queue_url)
    cursor = None
    for name in ("CreateRole", "PutRolePolicy", "AttachRolePolicy"):
        send(sqs, queue_url, [eventbridge_body(name)])
        cursor = tick(settings, instance, cursor).cursor
        clock.advance(30)
    clock.advance(QUIET)
    (request,) = tick(settings, instance, cursor).run_requests or []
    assert request.tags["assurance/change-events"] == "AttachRolePolicy,CreateRole,PutRolePolicy"
    assert request.tags["assurance/change-event-count"] == "3"


def test_triggered_burst_leaves_the_cursor_and_does_not_repeat(
    tmp_path: Path, sqs, queue_url: str, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    settings = settings_for(tmp_path, queue_url)
    send(sqs, queue_url, [eventbridge_body()])
    cursor = tick(settings, instance).cursor
    clock.advance(QUIET)
    fired = tick(settings, instance, cursor)
    clock.advance(QUIET)
    again = tick(settings, instance, fired.cursor)
    assert len(fired.run_requests or []) == 1
    assert not again.run_requests


def test_malformed_unrelated_and_blank_messages_are_counted_and_deleted(sqs, queue_url: str) -> None:
    send(sqs, queue_url, ["{not json", S3_NOTIFICATION, " ", sns_wrapped("[]"), eventbridge_body()])
    batch = drain_queue(sqs, queue_url, limit=100)
    assert dict(batch.rejected) == {"not_json": 1, "unrelated_source": 1, "empty": 1, "not_an_object": 1}
    assert len(batch.events) == 1
    assert (batch.received, batch.deleted) == (5, 5)
    assert messages_left(sqs, queue_url) == 0


def test_garbage_alongside_real_changes_does_not_stop_the_rerun(
    tmp_path: Path, sqs, queue_url: str, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    settings = settings_for(tmp_path, queue_url)
    send(sqs, queue_url, ["{not json", S3_NOTIFICATION, " ", eventbridge_body("CreateLoginProfile")])
    cursor = tick(settings, instance).cursor
    clock.advance(QUIET)
    (request,) = tick(settings, instance, cursor).run_requests or []
    assert request.tags["assurance/change-events"] == "CreateLoginProfile"
    assert messages_left(sqs, queue_url) == 0


def test_only_max_messages_per_tick_are_read(
    tmp_path: Path, sqs, queue_url: str, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    settings = settings_for(tmp_path, queue_url, max_messages=5)
    send(sqs, queue_url, [eventbridge_body()] * 12)
    tick(settings, instance)
    assert messages_left(sqs, queue_url) == 7


def test_unconfigured_change_events_skip_without_touching_aws(
    tmp_path: Path, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    result = tick(settings_for(tmp_path, queue_url=None), instance)
    assert not result.run_requests
    assert "change_events is not configured" in str(result.skip_reason)


def test_missing_queue_is_reported_as_a_skip_not_a_crash(
    tmp_path: Path, sqs, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    settings = settings_for(tmp_path, "https://sqs.us-east-1.amazonaws.com/123456789012/no-such-queue")
    result = tick(settings, instance)
    assert not result.run_requests
    assert "queue unavailable" in str(result.skip_reason)


def test_pending_bursts_still_fire_while_the_queue_is_unavailable(
    tmp_path: Path, sqs, queue_url: str, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    send(sqs, queue_url, [eventbridge_body()])
    cursor = tick(settings_for(tmp_path, queue_url), instance).cursor
    clock.advance(QUIET)
    broken = settings_for(tmp_path, "https://sqs.us-east-1.amazonaws.com/123456789012/no-such-queue")
    assert len(tick(broken, instance, cursor).run_requests or []) == 1


def test_corrupt_cursor_does_not_crash_the_sensor(
    tmp_path: Path, sqs, queue_url: str, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    result = tick(settings_for(tmp_path, queue_url), instance, cursor="{garbage")
    assert result.skip_reason is not None
    assert result.cursor == '{"pending":[],"version":1}'


def test_sensor_is_on_by_default_and_targets_the_change_rerun_job() -> None:
    assert iam_change_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert iam_change_sensor.job_name == "change_rerun"
    assert iam_change_sensor.minimum_interval_seconds == 30


def test_tick_evaluated_as_the_daemon_does_resolves_todays_partition_of_the_job(
    tmp_path: Path, sqs, queue_url: str, instance: dg.DagsterInstance, clock: FakeClock
) -> None:
    settings = settings_for(tmp_path, queue_url)
    defs = dg.Definitions(assets=ALL_ASSETS, jobs=SENSOR_JOBS, sensors=SENSORS, resources={"settings": settings})

    def daemon_tick(cursor: str | None) -> tuple[list[dg.RunRequest], str | None]:
        context = dg.build_sensor_context(
            cursor=cursor, instance=instance, repository_def=defs.get_repository_def(), resources={"settings": settings}
        )
        data = iam_change_sensor.evaluate_tick(context)
        return list(data.run_requests or []), data.cursor

    send(sqs, queue_url, [eventbridge_body()])
    _, cursor = daemon_tick(None)
    clock.advance(QUIET)
    (request,), _ = daemon_tick(cursor)
    assert request.tags["dagster/partition"] == "2026-03-14"
    assert request.tags["dagster/sensor_name"] == "iam_change_sensor"
