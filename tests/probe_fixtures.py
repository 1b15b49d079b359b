"""A real local OAuth2 issuer and relying services on 127.0.0.1, and probe configurations pointing at them."""

from __future__ import annotations

from typing import Any

from assurance_jobs.config import AssuranceConfig, parse_config
from assurance_jobs.evaluate.probes import evaluate_probes
from assurance_jobs.evaluate.suites import load_suites
from assurance_jobs.probes.record import ProbeRecord
from assurance_jobs.probes.runner import run_probes
from assurance_jobs.scan.probe_facts import probe_table

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
