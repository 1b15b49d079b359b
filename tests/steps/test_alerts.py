"""Alerts for newly opened findings: exactly once per finding and destination, signed, retried, never fatal."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import dagster as dg
import pandas as pd
import pytest
from moto import mock_aws

from assurance_jobs.config import ConfigError, parse_config
from assurance_jobs.defs.alerts import findings_alert_sensor, partition_day
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.evaluate.findings import FINDINGS_COLUMNS, finding_id, with_finding_ids
from assurance_jobs.evaluate.lifecycle import advance
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.alerts import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    deliver_new_findings,
    newly_opened,
    payload,
    sign,
)

TODAY, YESTERDAY = date(2026, 12, 1), date(2026, 11, 30)
HMAC_KEY = "test-hmac-key-not-a-real-secret"


def _finding(rule_id: str, resource: str, severity: str = "high") -> dict:
    row = dict.fromkeys(FINDINGS_COLUMNS)
    row.update(
        rule_id=rule_id,
        title=f"title of {rule_id}",
        severity=severity,
        status="FAIL",
        account_id="123456789012",
        resource_arn=resource,
        identity_arn=resource,
        observed="secretsmanager:GetSecretValue from 185.220.101.45 ×3",
        threshold="no secret reads from unapproved networks",
        partition_date=TODAY.isoformat(),
        snapshot_id="snap",
        source_file="123456789012/cloudtrail_objects.us-east-1.json",
        source_sha256="ab" * 32,
    )
    return row


OLD = _finding("NHI-ROT-001", "arn:aws:iam::123456789012:user/svc-old#access_key_1")
NEW = _finding("NHI-RT-001", "arn:aws:iam::123456789012:role/payments-settlement")
LOW = _finding("NHI-RT-005", "arn:aws:iam::123456789012:role/quiet", severity="low")


def _store(root: Path, day: date, rows: list[dict]) -> None:
    buffer = io.BytesIO()
    pd.DataFrame(rows, columns=list(FINDINGS_COLUMNS)).to_parquet(buffer, index=False)
    storage_for(str(root)).write_bytes(f"inventory/{day.isoformat()}/findings.parquet", buffer.getvalue())


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if server.failures_left > 0:  # type: ignore[attr-defined]
            server.failures_left -= 1  # type: ignore[attr-defined]
            self.send_response(503)
            self.end_headers()
            return
        server.received.append((self.path, dict(self.headers), body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received, server.failures_left = [], 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _config(root: Path, destinations: list[dict], **alerts):
    return parse_config(
        {"storage_root": str(root), "alerts": {"min_severity": "high", "destinations": destinations, **alerts}}
    )


def _webhook(server: ThreadingHTTPServer) -> dict:
    return {"type": "webhook", "url": f"http://127.0.0.1:{server.server_port}/hook", "secret_env": "ALERT_HMAC_KEY"}


@pytest.fixture
def two_days(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ALERT_HMAC_KEY", HMAC_KEY)
    _store(tmp_path, YESTERDAY, [OLD])
    _store(tmp_path, TODAY, [OLD, NEW, LOW])
    return tmp_path


def _ledger(yesterday: list[dict], today: list[dict]) -> pd.DataFrame:
    before = advance(None, with_finding_ids(pd.DataFrame(yesterday)), pd.DataFrame(), YESTERDAY, "y")
    return advance(before, with_finding_ids(pd.DataFrame(today)), pd.DataFrame(), TODAY, "t")


def test_only_findings_opened_since_the_previous_day_at_the_severity_are_new() -> None:
    today = pd.DataFrame([OLD, NEW, LOW])
    opened = newly_opened(today, _ledger([OLD], [OLD, NEW, LOW]), "high")
    assert opened["rule_id"].tolist() == ["NHI-RT-001"]


def test_an_alert_carries_the_findings_lasting_id_and_when_it_is_due() -> None:
    (alert,) = [
        payload(row) for row in newly_opened(pd.DataFrame([NEW]), _ledger([], [NEW]), "high").to_dict("records")
    ]
    assert alert["finding_id"] == finding_id("NHI-RT-001", "123456789012", NEW["resource_arn"])
    assert (alert["lifecycle_status"], alert["first_seen"], alert["sla_days"]) == ("new", TODAY.isoformat(), "30")
    assert alert["due_date"] == "2026-12-31"


def test_a_new_finding_reaches_the_webhook_once_however_often_delivery_runs(two_days: Path, receiver) -> None:
    config = _config(two_days, [_webhook(receiver)])
    for _ in range(3):
        deliver_new_findings(config, TODAY)
    assert len(receiver.received) == 1
    body = json.loads(receiver.received[0][2])
    assert (body["rule_id"], body["resource_arn"]) == ("NHI-RT-001", NEW["resource_arn"])


def test_the_webhook_body_is_signed_with_hmac_sha256(two_days: Path, receiver) -> None:
    deliver_new_findings(_config(two_days, [_webhook(receiver)]), TODAY)
    _, headers, body = receiver.received[0]
    assert headers[SIGNATURE_HEADER] == sign(HMAC_KEY.encode(), headers[TIMESTAMP_HEADER], body)


def test_no_hmac_key_or_other_secret_is_in_the_alert(two_days: Path, receiver) -> None:
    deliver_new_findings(_config(two_days, [_webhook(receiver)]), TODAY)
    assert HMAC_KEY.encode() not in receiver.received[0][2]


def test_a_failing_destination_is_retried_on_the_next_run_and_then_delivered_once(two_days: Path, receiver) -> None:
    receiver.failures_left = 1
    config = _config(two_days, [_webhook(receiver)])
    first = deliver_new_findings(config, TODAY)
    second = deliver_new_findings(config, TODAY)
    third = deliver_new_findings(config, TODAY)
    assert (first.failed, second.delivered, third.already_sent) == (1, 1, 1)
    assert len(receiver.received) == 1


def test_an_unreachable_destination_is_given_up_after_max_attempts_without_raising(two_days: Path) -> None:
    dead = {"type": "webhook", "url": "http://127.0.0.1:9/hook", "secret_env": "ALERT_HMAC_KEY"}
    config = _config(two_days, [dead], max_attempts=2, timeout_seconds=2)
    reports = [deliver_new_findings(config, TODAY) for _ in range(3)]
    assert [(r.failed, r.given_up) for r in reports] == [(1, 0), (0, 1), (0, 0)]


def test_slack_gets_a_text_message_from_the_url_in_the_environment(two_days: Path, receiver, monkeypatch) -> None:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", f"http://127.0.0.1:{receiver.server_port}/slack")
    deliver_new_findings(_config(two_days, [{"type": "slack", "url_env": "SLACK_WEBHOOK_URL"}]), TODAY)
    assert len(receiver.received) == 1
    assert "NHI-RT-001" in json.loads(receiver.received[0][2])["text"]


def test_sns_subscribers_receive_the_finding_exactly_once(two_days: Path) -> None:
    with mock_aws():
        sns, sqs = boto3.client("sns", region_name="eu-west-1"), boto3.client("sqs", region_name="eu-west-1")
        topic = sns.create_topic(Name="nhi-alerts")["TopicArn"]
        queue = sqs.create_queue(QueueName="alert-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        config = _config(two_days, [{"type": "sns", "topic_arn": topic}])
        deliver_new_findings(config, TODAY)
        deliver_new_findings(config, TODAY)
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    assert len(messages) == 1
    assert json.loads(json.loads(messages[0]["Body"])["Message"])["rule_id"] == "NHI-RT-001"


def test_the_first_evaluated_day_sends_nothing(tmp_path: Path, receiver, monkeypatch) -> None:
    monkeypatch.setenv("ALERT_HMAC_KEY", HMAC_KEY)
    _store(tmp_path, TODAY, [NEW])
    deliver_new_findings(_config(tmp_path, [_webhook(receiver)]), TODAY)
    assert receiver.received == []


def test_a_webhook_must_be_https_outside_loopback() -> None:
    bad = {"type": "webhook", "url": "http://alerts.example.com/hook", "secret_env": "K"}
    with pytest.raises(ConfigError, match=r"alerts\.destinations\.0\.url"):
        parse_config({"alerts": {"destinations": [bad]}})


def test_the_sensor_finds_the_day_in_a_multi_partition_key() -> None:
    assert partition_day("2026-12-01|123456789012") == date(2026, 12, 1)
    assert partition_day("123456789012") is None


def test_the_sensor_delivers_for_the_latest_findings_partition_once(two_days: Path, receiver) -> None:
    config_path = two_days / "assurance.yaml"
    config_path.write_text(
        json.dumps({"storage_root": str(two_days), "alerts": {"destinations": [_webhook(receiver)]}})
    )

    @dg.asset(name="findings", partitions_def=dg.DailyPartitionsDefinition(start_date="2026-11-01"))
    def findings_stub() -> None:
        return None

    with dg.instance_for_test() as instance:
        dg.materialize([findings_stub], instance=instance, partition_key=TODAY.isoformat())
        settings = AssuranceSettings(config_path=str(config_path))
        for _ in range(2):
            context = dg.build_sensor_context(instance=instance, resources={"settings": settings})
            result = findings_alert_sensor(context)
    assert len(receiver.received) == 1
    assert "already sent 1" in result.skip_message
