"""Alerts: send each finding a day's evaluation *opened* (not open the previous stored day) to the configured
destinations — Slack incoming webhook, SNS topic, generic HTTPS webhook with an HMAC-SHA256 signature.

Why it looks like this:
* Idempotent per finding: a delivery ledger per day (`alerts/<date>/ledger.json` in storage) records, for each
  (finding, destination), delivered or the failed attempts so far. A rerun, a second sensor tick or a re-evaluation
  of the same day never sends a finding twice; a finding still open tomorrow is not "new" and is never sent again.
* Failures are not fatal: an unreachable destination is logged and retried on the next call (one attempt per
  sensor tick) up to `max_attempts`, then recorded as given up.
* No secret values: the payload is a fixed list of finding fields (rule, resource, observed fact, evidence file and
  sha256), and the secrets needed to deliver (Slack URL, HMAC key) are read from environment variables.
No Dagster here; defs/alerts.py is the sensor that calls `deliver_new_findings`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from assurance_jobs.config import AlertDestination, AlertsConfig, AssuranceConfig
from assurance_jobs.evaluate.findings import with_finding_ids
from assurance_jobs.evaluate.lifecycle import DEFAULT_SLA_DAYS, NEW, REOPENED, published_lifecycle
from assurance_jobs.output.observed import render as render_observed
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.steps.layout import alert_ledger_key
from assurance_jobs.steps.lifecycle import stored_ledger
from assurance_jobs.steps.tables import days_with_table, has_table, read_table

LOG = logging.getLogger(__name__)
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
PAYLOAD_FIELDS = (
    "finding_id",
    "rule_id",
    "title",
    "severity",
    "account_id",
    "region",
    "resource_arn",
    "identity_arn",
    "observed",
    "observed_kind",
    "threshold",
    "partition_date",
    "snapshot_id",
    "source_file",
    "source_sha256",
    "lifecycle_status",
    "first_seen",
    "sla_days",
    "due_date",
)
SIGNATURE_HEADER = "X-Assurance-Signature"
TIMESTAMP_HEADER = "X-Assurance-Timestamp"


class DeliveryError(Exception):
    """One destination could not take one alert (logged and retried, never raised to the caller)."""


def newly_opened(
    today: pd.DataFrame, ledger: pd.DataFrame, min_severity: str, sla_days: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """Findings of `today` at or above `min_severity` that the day's lifecycle ledger calls new or re-opened (seen
    for the first time, or again after they were resolved), with their lifecycle columns (first seen, SLA, due)."""
    if today.empty:
        return today
    rank = SEVERITY_RANK[min_severity]
    findings = with_finding_ids(today)
    serious = findings[findings["severity"].map(SEVERITY_RANK).fillna(99) <= rank]
    opened_ids = set(ledger.loc[ledger["status"].isin((NEW, REOPENED)), "finding_id"]) if len(ledger) else set()
    opened = serious[serious["finding_id"].isin(opened_ids)]
    if opened.empty:
        return opened.reset_index(drop=True)
    day = date.fromisoformat(str(opened["partition_date"].iat[0]))
    return published_lifecycle(opened, ledger, day, sla_days or DEFAULT_SLA_DAYS).reset_index(drop=True)


def payload(finding: dict[str, Any]) -> dict[str, Any]:
    """The alert body: only the listed finding fields (never anything else of the row); `finding_id` is the
    finding's id for its whole life (the same one the OCSF export's `finding_info.uid` carries)."""
    return {name: (None if _absent(finding.get(name)) else str(finding.get(name))) for name in PAYLOAD_FIELDS}


def _absent(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>` (the timestamp header lets receivers refuse replays)."""
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except OSError as error:  # URLError, HTTPError and timeouts are all OSErrors
        raise DeliveryError(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from None


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise DeliveryError(f"environment variable {name} is not set")
    return value


def _slack_text(alert: dict[str, Any]) -> str:
    observed = render_observed(alert["observed"], alert.get("observed_kind"))
    return (
        f":rotating_light: *{alert['severity'].upper()}* {alert['rule_id']} {alert['title']}\n"
        f"`{alert['resource_arn']}` (account {alert['account_id']}) — observed: {observed} "
        f"(threshold: {alert['threshold']}), {alert['partition_date']}; due {alert.get('due_date')}"
    )


Sender = Callable[[AlertDestination, dict[str, Any], float], None]


def send_slack(destination: AlertDestination, alert: dict[str, Any], timeout: float) -> None:
    body = json.dumps({"text": _slack_text(alert)}).encode()
    _post(_env(str(destination.url_env)), body, {}, timeout)


def send_webhook(destination: AlertDestination, alert: dict[str, Any], timeout: float) -> None:
    body = json.dumps(alert, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    signature = sign(_env(str(destination.secret_env)).encode(), timestamp, body)
    _post(str(destination.url), body, {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: timestamp}, timeout)


def send_sns(destination: AlertDestination, alert: dict[str, Any], timeout: float) -> None:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    arn = str(destination.topic_arn)
    config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"mode": "standard", "max_attempts": 2})
    client = boto3.client("sns", region_name=arn.split(":")[3], config=config)
    try:
        client.publish(
            TopicArn=arn,
            Subject=f"[{alert['severity']}] {alert['rule_id']} {alert['title']}"[:99],
            Message=json.dumps(alert, sort_keys=True),
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": alert["severity"]},
                "rule_id": {"DataType": "String", "StringValue": alert["rule_id"]},
            },
        )
    except (ClientError, BotoCoreError) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from None


SENDERS: dict[str, Sender] = {"slack": send_slack, "sns": send_sns, "webhook": send_webhook}


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    given_up: int = 0
    already_sent: int = 0


def _read_ledger(storage: Storage, partition_date: date) -> dict[str, dict[str, dict[str, Any]]]:
    key = alert_ledger_key(partition_date)
    return json.loads(storage.read_bytes(key)) if storage.exists(key) else {}


def _findings(storage: Storage, day: date) -> pd.DataFrame | None:
    return read_table(storage, day, "findings") if has_table(storage, day, "findings") else None


def previous_findings_date(storage: Storage, partition_date: date) -> date | None:
    """The latest earlier day with stored findings: what "not open the day before" compares with."""
    days = days_with_table(storage, "findings", before=partition_date)
    return days[-1] if days else None


def deliver_new_findings(
    config: AssuranceConfig, partition_date: date, senders: dict[str, Sender] | None = None
) -> DeliveryReport:
    """Send the day's newly opened findings once to each destination; retry earlier failures. Never raises
    for a delivery problem (they are logged and kept in the ledger)."""
    report = DeliveryReport()
    alerts: AlertsConfig | None = config.alerts
    if alerts is None:
        return report
    storage = storage_for(config.storage_root)
    today = _findings(storage, partition_date)
    if today is None:
        return report
    previous = previous_findings_date(storage, partition_date)
    if previous is None:  # the first evaluated day is the baseline of "open": alerting on all of it is noise
        return report
    ledger = stored_ledger(storage, partition_date)
    opened = newly_opened(today, ledger, alerts.min_severity, config.finding_sla_days.model_dump())
    ledger = _read_ledger(storage, partition_date)
    for finding in opened.to_dict("records"):
        alert = payload(finding)
        entries = ledger.setdefault(alert["finding_id"], {})
        for destination in alerts.destinations:
            _deliver_one(destination, alert, entries, alerts, senders or SENDERS, report)
        storage.write_bytes(alert_ledger_key(partition_date), json.dumps(ledger, indent=1, sort_keys=True).encode())
    return report


def _deliver_one(
    destination: AlertDestination,
    alert: dict[str, Any],
    entries: dict[str, dict[str, Any]],
    alerts: AlertsConfig,
    senders: dict[str, Sender],
    report: DeliveryReport,
) -> None:
    entry = entries.setdefault(destination.label, {"status": "pending", "attempts": 0})
    if entry["status"] == "delivered":
        report.already_sent += 1
        return
    if entry["status"] == "given_up":
        return
    entry["attempts"] += 1
    try:
        senders[destination.type](destination, alert, alerts.timeout_seconds)
    except DeliveryError as error:
        entry["last_error"] = str(error)[:300]
        if entry["attempts"] >= alerts.max_attempts:
            entry["status"] = "given_up"
            report.given_up += 1
            LOG.error(
                "alert %s to %s given up after %d attempts: %s",
                alert["finding_id"],
                destination.label,
                entry["attempts"],
                error,
            )
        else:
            report.failed += 1
            LOG.warning(
                "alert %s to %s failed (attempt %d, will retry): %s",
                alert["finding_id"],
                destination.label,
                entry["attempts"],
                error,
            )
        return
    entry["status"] = "delivered"
    entry.pop("last_error", None)
    report.delivered += 1
