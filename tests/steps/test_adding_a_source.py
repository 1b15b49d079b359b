"""A new source is one module, one registry line and one suite entry (docs/design.md, "Adding a source"): with no
other change, its rows are collected, parsed, judged by its rule and reported."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
import toy_source
import yaml
from moto import mock_aws

from assurance_jobs.app.cli import main
from assurance_jobs.evaluate.suites import DEFAULT_FOLDER
from assurance_jobs.source import AwsSource, CollectFailure, CollectResult, MakeClient
from assurance_jobs.sources import registry

RULE_ID = "NHI-TOY-001"
TOY_RULE = {
    "type": "expect_column_values_to_not_be_null",
    "kwargs": {
        "column": "owner_arn",
        "row_condition": {
            "column": {"name": "kind"},
            "operator": "==",
            "parameter": "mfa_device",
            "type": "comparison",
        },
    },
    "meta": {
        "rule_id": RULE_ID,
        "title": "Virtual MFA device assigned to nobody",
        "family": "rotation",
        "severity": "low",
        "subject": "credentials",
        "depends_on": [toy_source.NAME],
        "observed_column": "owner_arn",
        "rationale": "An unassigned device is a second factor waiting for someone to claim it.",
        "remediation": "Delete it: `aws iam delete-virtual-mfa-device --serial-number <arn>`.",
        "controls": {"nist-800-53r5": ["IA-5"]},
    },
}


@pytest.fixture
def estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """One account with two virtual MFA devices, one assigned to a user."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    with mock_aws():
        iam = boto3.client("iam")
        iam.create_user(UserName="svc-admin")
        assigned = iam.create_virtual_mfa_device(VirtualMFADeviceName="svc-admin")["VirtualMFADevice"]
        iam.enable_mfa_device(
            UserName="svc-admin",
            SerialNumber=assigned["SerialNumber"],
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
        iam.create_virtual_mfa_device(VirtualMFADeviceName="left-over")
        yield tmp_path


def add_the_toy_source(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Path:
    """The registry line and the suite entry; returns the suites folder."""
    monkeypatch.setattr(registry, "SOURCES", (*registry.SOURCES, toy_source.SOURCE))
    suites = folder / "rules"
    suites.mkdir()
    shutil.copy(DEFAULT_FOLDER / "rotation.json", suites / "rotation.json")
    rotation = json.loads((suites / "rotation.json").read_text())
    rotation["expectations"].append(TOY_RULE)
    (suites / "rotation.json").write_text(json.dumps(rotation))
    return suites


def run(folder: Path, suites: Path) -> int:
    config = folder / "assurance.yaml"
    body = {
        "storage_root": str(folder / "data"),
        "output_dir": str(folder / "out"),
        "accounts": [{"name": "test", "regions": ["us-east-1"]}],
        "expectations_dir": str(suites),
    }
    config.write_text(yaml.safe_dump(body))
    return main(["run", "--config", str(config)])


def test_a_toy_source_is_collected_parsed_judged_and_reported(estate: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suites = add_the_toy_source(monkeypatch, estate)
    assert run(estate, suites) == 0
    day = next((estate / "out").glob("20*"))
    exported = json.loads((day / "findings.json").read_text())
    toy_findings = [f for f in exported["findings"] if f["rule_id"] == RULE_ID]
    assert [f["resource_arn"] for f in toy_findings] == ["arn:aws:iam::123456789012:mfa/left-over"]
    assert toy_findings[0]["source_file"] == f"123456789012/{toy_source.NAME}.json"
    (scope,) = [r for r in exported["rule_results"] if r["rule_id"] == RULE_ID]
    assert (scope["status"], scope["evaluated"], scope["failed"]) == ("FAIL", 2, 1)
    assert RULE_ID in (day / "rules" / f"{RULE_ID}.html").read_text()


def test_a_toy_source_that_was_denied_leaves_its_rule_incomplete(estate: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suites = add_the_toy_source(monkeypatch, estate)

    def denied(make_client: MakeClient, entry: AwsSource) -> CollectResult:
        return CollectResult([], CollectFailure("AccessDenied", "not authorized: iam:ListVirtualMFADevices"))

    monkeypatch.setattr(registry, "SOURCES", (*registry.SOURCES[:-1], replace(toy_source.SOURCE, collect=denied)))
    assert run(estate, suites) == 3
    day = next((estate / "out").glob("20*"))
    exported = json.loads((day / "findings.json").read_text())
    (scope,) = [r for r in exported["rule_results"] if r["rule_id"] == RULE_ID]
    assert (scope["status"], scope["missing_sources"]) == ("INCOMPLETE", toy_source.NAME)
