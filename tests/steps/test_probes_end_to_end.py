"""The probe job end to end through Dagster: probes against a real local issuer land in today's partition as
checksummed evidence, today's evaluation and report pick them up, and no token or client secret is written
anywhere — evidence, inventory, findings, report, exports or logs."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime

import dagster as dg
import pytest
from botocore.exceptions import ClientError
from probe_fixtures import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, oauth2_target

from assurance_jobs.app.runner import RunRequestOptions, materialize_probes
from assurance_jobs.collect import plan
from assurance_jobs.config import parse_config
from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running
from assurance_jobs.probes.evidence import latest_probe_run
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.collect import collect_snapshot, load_partition_snapshot
from assurance_jobs.steps.evaluate import evaluate_partition
from assurance_jobs.steps.inventory import build_partition_inventory, store_inventory
from assurance_jobs.steps.tables import read_table


def _denied(*_: object, **__: object) -> None:
    raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no AWS in this test"}}, "AssumeRole")


@pytest.fixture(scope="module")
def probed_day(tmp_path_factory: pytest.TempPathFactory):
    """Today evaluated once (without AWS), then the probe job run through Dagster against honest and planted
    resources; yields the folder everything was written to, the tokens issued and the captured log text."""
    root = tmp_path_factory.mktemp("probed-day")
    issuer = LocalIssuer(lifetime_seconds=3, clients={CLIENT_ID: CLIENT_SECRET})
    honest = ResourceServer(issuer, "orders-api")
    planted = ResourceServer(issuer, "ledger-api", verify_exp=False, verify_aud=False)
    log_file = root / "probe.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    with pytest.MonkeyPatch.context() as patch, running(issuer, honest, planted):
        patch.setenv(SECRET_ENV, CLIENT_SECRET)
        patch.setattr(plan, "session_for", _denied)
        config_body = {
            "storage_root": str(root / "data"),
            "output_dir": str(root / "out"),
            "accounts": [{"name": "prod", "role_arn": "arn:aws:iam::210987654321:role/AssuranceReadOnly"}],
            "probes": {
                "expiry_margin_seconds": 0.5,
                "late_replay_seconds": 0.5,
                "oauth2": [
                    oauth2_target("orders", issuer.token_endpoint, honest.url, audience="orders-api"),
                    oauth2_target("ledger", issuer.token_endpoint, planted.url, audience="ledger-api"),
                ],
            },
        }
        config_path = root / "assurance.yaml"
        config_path.write_text(json.dumps(config_body))
        config = parse_config(config_body)
        today = datetime.now(UTC).date()
        manifest = collect_snapshot(config, today)
        built = build_partition_inventory(config, load_partition_snapshot(config, today))
        store_inventory(config, today, built.inventory, manifest)
        before = evaluate_partition(config, today).evaluation.rule_results
        outcome = materialize_probes(
            RunRequestOptions(config_path=str(config_path)), instance=dg.DagsterInstance.ephemeral()
        )
    logging.getLogger().removeHandler(handler)
    handler.close()
    assert outcome.success, outcome.errors
    return root, config, today, before, list(issuer.issued)


def _results(config, today):
    return read_table(storage_for(config.storage_root), today, "rule_results")


def _verdict(results, rule_id: str, target: str) -> str:
    row = results[(results["rule_id"] == rule_id) & (results["account_id"] == f"probe:{target}")]
    return str(row["status"].iat[0])


def test_before_any_probe_run_the_configured_targets_are_incomplete(probed_day) -> None:
    before = probed_day[3]
    probes = before[before["account_id"].str.startswith("probe:") & (before["account_id"] != "probe:*")]
    assert set(probes["status"]) == {"INCOMPLETE"} and len(probes) == 4


def test_probe_rules_no_configured_target_is_in_scope_of_are_incomplete_not_absent(probed_day) -> None:
    before = probed_day[3]
    untested = before[before["account_id"] == "probe:*"]
    assert sorted(untested["rule_id"]) == ["NHI-PRB-003", "NHI-PRB-004"]
    assert set(untested["status"]) == {"INCOMPLETE"}


def test_probe_run_is_stored_as_checksummed_evidence_of_the_day(probed_day) -> None:
    _, config, today, _, _ = probed_day
    run = latest_probe_run(storage_for(config.storage_root), today)
    assert run is not None and run.location.endswith(f"probes/{today.isoformat()}/{run.manifest.snapshot_id}")
    assert sorted(entry.path for entry in run.manifest.files) == [
        "ledger/token_probes.json",
        "orders/token_probes.json",
    ]
    for entry in run.manifest.files:
        assert hashlib.sha256(run.contents[entry.path]).hexdigest() == entry.sha256
    assert {status.status for status in run.manifest.collection_status} == {"ok"}


def test_report_of_the_day_shows_the_planted_resource_failing_and_the_honest_one_passing(probed_day) -> None:
    root, config, today, _, _ = probed_day
    results = _results(config, today)
    assert _verdict(results, "NHI-PRB-001", "ledger") == "FAIL"
    assert _verdict(results, "NHI-PRB-001", "orders") == "PASS"
    page = (root / "out" / today.isoformat() / "probes.html").read_text()
    assert "ledger" in page and "orders" in page and "NHI-PRB-001" in page


def test_no_token_or_client_secret_is_written_anywhere(probed_day) -> None:
    root, _, _, _, tokens = probed_day
    assert len(tokens) == 2
    written = [path for path in root.rglob("*") if path.is_file()]
    assert len(written) > 20
    secrets = [CLIENT_SECRET.encode(), *(token.encode() for token in tokens)]
    secrets += [token.split(".")[2].encode() for token in tokens]  # the signature alone identifies a JWT
    leaked = [str(path) for path in written for secret in secrets if secret in path.read_bytes()]
    assert leaked == []
