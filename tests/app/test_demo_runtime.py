"""The demo's runtime half: planted CloudTrail behaviour is reported, traced to the stored log-object listing."""

from __future__ import annotations

import json

import pandas as pd
from conftest_demo import DemoRun, demo_run  # noqa: F401

from assurance_jobs.demo.activity import ALICE, EXPORT_IP, KMS_SECRET_READ, NEW_REGION, RUNTIME_LEDGER, THIEF_IP
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import latest_snapshot


def _runtime(demo_run: DemoRun) -> list[dict]:  # noqa: F811
    return [f for f in demo_run.findings() if f["rule_id"].startswith("NHI-RT-")]


def test_every_planted_runtime_behaviour_is_reported_on_its_identity(demo_run: DemoRun) -> None:  # noqa: F811
    reported = {(f["rule_id"], f["resource_arn"]) for f in _runtime(demo_run)}
    assert set(RUNTIME_LEDGER.items()) - reported == set()


def test_a_person_signing_in_to_the_console_is_not_reported(demo_run: DemoRun) -> None:  # noqa: F811
    assert [f for f in _runtime(demo_run) if f["resource_arn"] == ALICE] == []


def test_runtime_findings_trace_to_the_log_object_listings_in_the_snapshot(demo_run: DemoRun) -> None:  # noqa: F811
    snapshot = latest_snapshot(storage_for(str(demo_run.out / "data")), demo_run.partition_date)
    listed = {(e.path, e.sha256) for e in snapshot.manifest.files if e.source == "cloudtrail_objects"}
    for finding in _runtime(demo_run):
        pairs = set(zip(finding["source_file"].split(","), finding["source_sha256"].split(","), strict=True))
        assert pairs and pairs <= listed


def test_the_covered_day_is_complete_and_the_two_day_window_is_judged(demo_run: DemoRun) -> None:  # noqa: F811
    inventory = demo_run.out / "data" / "inventory" / demo_run.partition_date.isoformat()
    status = pd.read_parquet(inventory / "collection_status.parquet")
    trail = status[status["source"].str.startswith("cloudtrail")]
    assert len(trail) == 6 and set(trail["status"]) == {"ok"}  # two configured regions and the one it delivers
    assert NEW_REGION in set(trail["region"])
    results = pd.read_parquet(inventory / "rule_results.parquet").set_index("rule_id")
    assert results.loc["NHI-RT-005", "status"] == "FAIL"
    assert json.loads(
        (demo_run.out / "data" / "activity" / demo_run.partition_date.isoformat() / "coverage.json").read_text()
    )["fully_covered"]


def test_a_decrypt_of_the_tagged_key_counts_and_of_the_untagged_key_does_not(demo_run: DemoRun) -> None:  # noqa: F811
    (finding,) = [f for f in _runtime(demo_run) if (f["rule_id"], f["resource_arn"]) == KMS_SECRET_READ]
    assert finding["observed"] == f"kms:Decrypt from {THIEF_IP} ×1"
    assert EXPORT_IP not in finding["observed"]


def test_the_key_inventory_is_collected_in_every_trail_region(demo_run: DemoRun) -> None:  # noqa: F811
    inventory = demo_run.out / "data" / "inventory" / demo_run.partition_date.isoformat()
    status = pd.read_parquet(inventory / "collection_status.parquet")
    keys = status[status["source"] == "kms_keys"]
    assert len(keys) == len(set(keys["region"])) >= 1 and set(keys["status"]) == {"ok"}


LEARNED_RULES = ("NHI-RT-006", "NHI-RT-007", "NHI-RT-008")


def test_the_learned_rules_report_exactly_the_behaviour_planted_for_them(demo_run: DemoRun) -> None:  # noqa: F811
    learned = {(f["rule_id"], f["resource_arn"]) for f in _runtime(demo_run) if f["rule_id"] in LEARNED_RULES}
    assert learned == {(rule, RUNTIME_LEDGER[rule]) for rule in LEARNED_RULES}


def test_only_the_learned_baseline_catches_it_no_approved_rule_does(demo_run: DemoRun) -> None:  # noqa: F811
    approved_rules = ("NHI-RT-001", "NHI-RT-003")
    learned_only = {RUNTIME_LEDGER[rule] for rule in LEARNED_RULES}
    assert [f for f in _runtime(demo_run) if f["rule_id"] in approved_rules and f["resource_arn"] in learned_only] == []


def test_findings_json_says_how_every_nhi_is_judged_at_runtime(demo_run: DemoRun) -> None:  # noqa: F811
    findings = json.loads(
        (demo_run.out / "reports" / demo_run.partition_date.isoformat() / "findings.json").read_text()
    )
    coverage = findings["runtime_coverage"]
    assert coverage["approved"] >= 4 and coverage["learned"] > coverage["approved"]
    assert coverage["approved"] + coverage["learned"] + coverage["not_judged"] == coverage["nhis"]
    assert sum(coverage["why_not_judged"].values()) == coverage["not_judged"]
