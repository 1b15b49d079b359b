"""End to end on the demo estate: collector → snapshot → inventory → rules reports exactly the planted ledger.

Built only from the public functions of the other parts (collect, scan, evaluate), so a change anywhere in the
chain that loses or invents a finding shows up here against a ledger a person can read (demo/planted.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pandas as pd
import pytest

from assurance_jobs.baseline.inventory_join import inventory_with_baseline_facts, inventory_with_runtime_facts
from assurance_jobs.baseline.model import EMPTY_BASELINE
from assurance_jobs.collect.aws import collect_account
from assurance_jobs.config import AccountConfig, DirectoryFeedConfig, HumanMarker
from assurance_jobs.demo.estate import DemoEstate, seed_demo_estate
from assurance_jobs.demo.server import emulated_aws
from assurance_jobs.evaluate.engine import EvaluationInputs, evaluate
from assurance_jobs.evaluate.suites import load_suites
from assurance_jobs.scan.inventory import build_inventory
from assurance_jobs.scan.ownership import parse_directory_feed
from assurance_jobs.scan.policy_join import inventory_with_policy_facts
from assurance_jobs.scan.privesc_snapshot import collected_privesc_inputs
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.snapshot.model import CollectionStatus, Manifest, ManifestFile, Snapshot, SourceBlob
from assurance_jobs.sources import registry

SNAPSHOT_ID = "20261125T060000Z-0000demo"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoEstate, pd.DataFrame]]:
    """Seed as of the wall clock (the collector stamps nothing itself), collect, and evaluate at that time."""
    now = datetime.now(UTC).replace(microsecond=0)
    with emulated_aws() as endpoint_url:
        estate = seed_demo_estate(endpoint_url, now=now, size=45, feed_dir=tmp_path_factory.mktemp("feed"))
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        blobs, statuses, account_id = _collect(session, endpoint_url)
    files = [
        ManifestFile(
            b.relative_path, b.account_id, b.source, b.region, hashlib.sha256(b.content).hexdigest(), len(b.content)
        )
        for b in blobs
    ]
    manifest = Manifest(SNAPSHOT_ID, now.date(), now, "test", 0.0, [account_id], files, statuses)
    snapshot = Snapshot(manifest, "memory", {blob.relative_path: blob.content for blob in blobs})
    feed_config = DirectoryFeedConfig(path=str(estate.directory_feed_path))
    feed = parse_directory_feed(estate.directory_feed_path.read_text(encoding="utf-8"), feed_config)
    inventory = build_inventory(
        snapshot, registry.parsers("inventory"), owner_tag_keys=["owner"], human_marker=HumanMarker(), directory=feed
    )
    ctx = Context(now, ["owner"], HumanMarker(), None)
    collected = collected_privesc_inputs(snapshot, registry.parsers("privesc"), inventory.iam_estate, ctx)
    inventory = inventory_with_policy_facts(
        inventory, [], now, resources=collected.resources, organization=collected.organization
    )
    inventory, _ = inventory_with_baseline_facts(inventory, EMPTY_BASELINE, None, now, None)
    inventory = inventory_with_runtime_facts(inventory, None, EMPTY_BASELINE, None, now)  # no trail: NA, no findings
    evaluation = evaluate(
        EvaluationInputs(
            tables={
                "identities": inventory.identities,
                "credentials": inventory.credentials,
                "agents": inventory.agents,
            },
            collection_status=inventory.collection_status,
            suites=load_suites(),
            snapshot_id=SNAPSHOT_ID,
            partition_date=now.date(),
            inputs_present=frozenset({"directory_feed"}),
        )
    )
    yield estate, evaluation.findings


def _collect(session: boto3.Session, endpoint_url: str) -> tuple[list[SourceBlob], list[CollectionStatus], str]:
    """The collector reaches the emulator through AWS_ENDPOINT_URL, which the shared fixture clears per test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", endpoint_url)
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        patch.delenv("AWS_SECURITY_TOKEN", raising=False)
        return collect_account(session, AccountConfig(name="demo"), registry.aws_sources(), max_attempts=2)


def _pairs(findings: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(findings["rule_id"], findings["resource_arn"], strict=True))


def test_every_planted_defect_is_reported(scanned: tuple[DemoEstate, pd.DataFrame]) -> None:
    estate, findings = scanned
    assert estate.expected_findings() - _pairs(findings) == set()


def test_nothing_outside_the_ledger_is_reported(scanned: tuple[DemoEstate, pd.DataFrame]) -> None:
    estate, findings = scanned
    assert _pairs(findings) - estate.expected_findings() == set()


def test_look_alikes_are_not_reported(scanned: tuple[DemoEstate, pd.DataFrame]) -> None:
    estate, findings = scanned
    assert {(case.rule_id, case.resource) for case in estate.not_flagged} & _pairs(findings) == set()


def test_compliant_identities_have_no_finding(scanned: tuple[DemoEstate, pd.DataFrame]) -> None:
    estate, findings = scanned
    compliant = set(estate.compliant_arns) | set(estate.compliant_resources)
    assert set(findings["identity_arn"]) & compliant == set()
    assert set(findings["resource_arn"]) & compliant == set()


def test_no_finding_carries_a_canary_or_a_credential(scanned: tuple[DemoEstate, pd.DataFrame]) -> None:
    estate, findings = scanned
    text = findings.to_csv()
    assert [value for value in (*estate.canaries, *estate.sensitive_values) if value in text] == []
