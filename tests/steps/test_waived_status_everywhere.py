"""A rule whose only failures are waived reads the same everywhere: CLI summary, HTML summary and rule page,
findings.json rule_results, the asset check and the trend (which counts open findings only)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import boto3
import pytest
import yaml
from moto import mock_aws

from assurance_jobs.app.summary import print_summary
from assurance_jobs.config import AssuranceConfig, parse_config
from assurance_jobs.defs.evaluation import _check_result, declared_rules
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.output.status import with_waived_scopes
from assurance_jobs.output.waivers import apply_waivers, load_waivers
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.collect import collect_snapshot, load_partition_snapshot
from assurance_jobs.steps.evaluate import evaluate_partition
from assurance_jobs.steps.inventory import build_partition_inventory, store_inventory
from assurance_jobs.steps.publish import build_bundle, publish_partition
from assurance_jobs.steps.tables import read_table

TRUST = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
WAIVED_LABEL = "PASS (failures waived)"


@dataclass(frozen=True)
class Published:
    config: AssuranceConfig
    day: date
    out: Path


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    root = tmp_path_factory.mktemp("waived")
    with mock_aws():
        iam = boto3.client("iam")
        iam.create_role(RoleName="break-glass", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(RoleName="break-glass", PolicyName="admin", PolicyDocument=json.dumps(ADMIN))
        account = boto3.client("sts").get_caller_identity()["Account"]
        waiver = {
            "rule_id": "NHI-LP-001",
            "resource": f"arn:aws:iam::{account}:role/break-glass",
            "justification": "break-glass role, reviewed quarterly (RISK-7)",
            "approver": "ciso@example.com",
            "expires": date(2099, 1, 1),
        }
        (root / "waivers.yaml").write_text(yaml.safe_dump([waiver]))
        config = parse_config(
            {
                "storage_root": str(root / "data"),
                "output_dir": str(root / "out"),
                "waivers_file": str(root / "waivers.yaml"),
            }
        )
        day = datetime.now(UTC).date()
        manifest = collect_snapshot(config, day)
    built = build_partition_inventory(config, load_partition_snapshot(config, day))
    store_inventory(config, day, built.inventory, manifest, built.previous_date)
    evaluate_partition(config, day)
    publish_partition(config, day, run_id="test-run")
    yield Published(config, day, root / "out" / day.isoformat())


def test_findings_json_rule_results_read_waived(published: Published) -> None:
    body = json.loads((published.out / "findings.json").read_text())
    assert {row["status"] for row in body["rule_results"] if row["rule_id"] == "NHI-LP-001"} == {"WAIVED"}


def test_the_cli_summary_counts_the_rule_as_waived(published: Published) -> None:
    out = io.StringIO()
    print_summary(published.config, published.day, "test-run", out)
    line = next(line for line in out.getvalue().splitlines() if line.strip().startswith("rules"))
    assert line.endswith(f"PASS, 1 {WAIVED_LABEL}")


def test_the_html_rule_page_says_the_same(published: Published) -> None:
    page = next((published.out / "rules").glob("*LP-001*.html")).read_text()
    assert WAIVED_LABEL in page


def test_the_asset_check_passes_with_the_same_status(published: Published) -> None:
    config, day = published.config, published.day
    storage = storage_for(config.storage_root)
    findings = apply_waivers(read_table(storage, day, "findings"), load_waivers(config.waivers_file), day)
    results = with_waived_scopes(read_table(storage, day, "rule_results"), findings)
    rule = next(rule for rule in declared_rules(AssuranceSettings()) if rule.rule_id == "NHI-LP-001")
    check = _check_result(rule, findings, results)
    assert check.passed and check.metadata["status"].value == WAIVED_LABEL


def test_the_trend_counts_open_findings_only(published: Published) -> None:
    bundle = build_bundle(published.config, storage_for(published.config.storage_root), published.day)
    least_privilege = bundle.findings[bundle.findings["family"] == "least_privilege"]
    waived = int((least_privilege["waiver_status"] == "waived").sum())
    assert waived == 1
    assert bundle.history[-1].counts.get("least_privilege", 0) == len(least_privilege) - waived
