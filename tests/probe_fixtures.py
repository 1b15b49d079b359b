"""A real local OAuth2 issuer and relying services on 127.0.0.1, and probe configurations pointing at them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import boto3
from botocore.stub import Stubber

from assurance_jobs.config import AssuranceConfig, parse_config
from assurance_jobs.evaluate.probes import evaluate_probes
from assurance_jobs.evaluate.suites import load_suites
from assurance_jobs.probes.clock import FakeClock
from assurance_jobs.probes.record import ProbeRecord
from assurance_jobs.probes.runner import run_probes
from assurance_jobs.scan.probe_table import probe_table

CLIENT_ID = "svc-orders-sync"
CLIENT_SECRET = "probe-client-secret-7f3a9c"  # a test value that must never be stored
SECRET_ENV = "PROBE_TEST_CLIENT_SECRET"


def oauth2_target(name: str, token_endpoint: str, resource_url: str, **extra: Any) -> dict[str, Any]:
    """A target with no tolerated leeway unless the test gives one: tokens here live seconds, not an hour."""
    return {
        "name": name,
        "token_endpoint": token_endpoint,
        "client_id": CLIENT_ID,
        "client_secret": {"env": SECRET_ENV},
        "resource_url": resource_url,
        "leeway_seconds": 0,
        **extra,
    }


def probes_config(targets: list[dict[str, Any]], storage_root: str = "./unused", **settings: Any) -> AssuranceConfig:
    """Seconds-long margins and windows, so a probe run against a local issuer takes a few seconds."""
    probes = {
        "expiry_margin_seconds": 0.5,
        "late_replay_seconds": 0.5,
        "revocation_window_seconds": 1,
        "request_timeout_seconds": 3,
        "oauth2": targets,
        **settings,
    }
    return parse_config({"storage_root": storage_root, "probes": probes})


def run_targets(targets: list[dict[str, Any]], **settings: Any) -> dict[str, ProbeRecord]:
    """One probe run over the targets (in parallel), records by target name."""
    return {record.target: record for record in run_probes(probes_config(targets, **settings).probes).records}


def judge(records: dict[str, ProbeRecord]) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """The suite's verdicts and the failing findings' severities, both keyed by (rule id, target)."""
    rows = [(record, f"{record.target}/token_probes.json", "0" * 64) for record in records.values()]
    table = probe_table(rows, [], "20261125T063000Z-0a1b2c3d")
    evaluation = evaluate_probes(
        table, load_suites(), probe_run_id="20261125T063000Z-0a1b2c3d", partition_date="2026-11-25"
    )
    results, findings = evaluation.rule_results, evaluation.findings
    verdicts = {(r["rule_id"], r["account_id"].removeprefix("probe:")): r["status"] for r in results.to_dict("records")}
    severities = {
        (f["rule_id"], f["account_id"].removeprefix("probe:")): f["severity"] for f in findings.to_dict("records")
    }
    return verdicts, severities


# ---- STS: botocore's Stubber and a fake clock (moto never expires a session) ----------------------------

ROLE = "arn:aws:iam::123456789012:role/assurance-token-probe"
NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue0123456789"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class Clients:
    """One stubbed client per (service, whose credentials): the runner's own and the probe session's."""

    def __init__(self) -> None:
        self.clients: dict[tuple[str, bool], Any] = {}
        self.stubs: dict[tuple[str, bool], Stubber] = {}
        for service in ("sts", "iam"):
            for session in (False, True):
                client = boto3.client(service, region_name="us-east-1")
                self.clients[(service, session)] = client
                self.stubs[(service, session)] = Stubber(client)

    def __call__(self, service: str, region: str, credentials: dict[str, str] | None) -> Any:
        if credentials is not None:
            assert credentials["SessionToken"] == SESSION_TOKEN
        return self.clients[(service, credentials is not None)]

    def stub(self, service: str, session: bool) -> Stubber:
        return self.stubs[(service, session)]

    def __enter__(self) -> Clients:
        for stub in self.stubs.values():
            stub.activate()
        return self

    def __exit__(self, *exc: object) -> None:
        for stub in self.stubs.values():
            stub.deactivate()

    def assert_all_used(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def assume_role_response(duration: int = 900, server_skew: float = 0.0) -> dict[str, Any]:
    server_now = NOW + timedelta(seconds=server_skew)
    return {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLEPROBEKEY01",
            "SecretAccessKey": SECRET_KEY,
            "SessionToken": SESSION_TOKEN,
            "Expiration": server_now + timedelta(seconds=duration),
        },
        "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:assurance-probe", "Arn": f"{ROLE}/assurance-probe"},
        "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {"date": format_datetime(server_now, usegmt=True)}},
    }


IDENTITY = {"UserId": "AROAEXAMPLE:assurance-probe", "Account": "123456789012", "Arn": f"{ROLE}/assurance-probe"}


def sts_config(settings: dict[str, Any] | None = None, **target: Any):
    target = {"name": "probe-role", "role_arn": ROLE, **target}
    probes = {"expiry_margin_seconds": 5, **(settings or {}), "sts": [target]}
    return parse_config({"probes": probes})


def run_sts(clients: Clients, settings: dict[str, Any] | None = None, **target: Any):
    clock = FakeClock(NOW)
    (record,) = run_probes(sts_config(settings, **target).probes, clock=clock, sts_clients=clients).records
    return record, clock


def refuse_both_replays(clients: Clients) -> None:
    """Just after expiry and after the tolerated leeway (60 s by default): ExpiredToken both times."""
    for _ in range(2):
        clients.stub("sts", True).add_client_error("get_caller_identity", "ExpiredToken", http_status_code=403)
