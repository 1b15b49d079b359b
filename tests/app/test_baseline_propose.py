"""`assurance-jobs baseline propose`: on a known stored history, exactly the expected drafts — never applied."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml

from assurance_jobs.app.cli import main
from assurance_jobs.baseline.model import parse_baseline
from assurance_jobs.config import load_config
from assurance_jobs.evaluate import synthetic as s
from assurance_jobs.scan.runtime import ACTIVITY_TABLE_COLUMNS
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.inventory import store_activity_history
from assurance_jobs.steps.tables import store_table

ACCOUNT = s.ACCOUNT
APP = s.role_arn("orders-api")
QUIET = s.role_arn("quiet-batch")
LAST = date(2026, 12, 1)
GRANTED = ["dynamodb:Query", "dynamodb:GetItem", "secretsmanager:GetSecretValue", "sqs:SendMessage"]
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": GRANTED}]}


def _row(**row: object) -> dict:
    base = {"account_id": ACCOUNT, "region": "eu-west-1", "principal_arn": APP, "principal_type": "AssumedRole",
            "network": "10.0.1.15", "user_agent_class": "sdk", "error_code": "", "secret_read": False,
            "event_count": 3, "first_seen": pd.Timestamp("2026-11-28T10:00Z"),
            "last_seen": pd.Timestamp("2026-11-28T11:00Z")}  # fmt: skip
    return {**base, **row}


def _day(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(ACTIVITY_TABLE_COLUMNS))
    return frame.astype({k: v for k, v in ACTIVITY_TABLE_COLUMNS.items() if v != "object"})


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    """Three stored days (one missing in the middle of a four-day window) and the last day's inventory."""
    config_path = tmp_path / "assurance.yaml"
    config_path.write_text(yaml.safe_dump({"storage_root": str(tmp_path / "data"), "output_dir": str(tmp_path / "out"),
                                           "baseline_dir": str(tmp_path / "baseline")}))  # fmt: skip
    from assurance_jobs.config import load_config

    config = load_config(config_path)
    query = {"event_source": "dynamodb.amazonaws.com", "event_name": "Query"}
    days = {
        LAST - timedelta(days=3): _day(_row(**query)),
        LAST - timedelta(days=1): _day(
            _row(**query, network="10.0.1.77"),
            _row(
                event_source="secretsmanager.amazonaws.com",
                event_name="GetSecretValue",
                secret_read=True,
                network="vpce-0orders0001",
                source_ip="10.0.9.9",
                target="prod/orders/db",
            ),
            _row(
                event_source="s3.amazonaws.com",
                event_name="GetObject",
                error_code="AccessDenied",
                region="ap-southeast-2",
                network="203.0.113.9",
            ),
        ),
        LAST: _day(
            _row(**query, region="us-east-1"),
            _row(event_source="s3.amazonaws.com", event_name="DescribeQuantumBucket"),
            _row(
                principal_arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/orders-api/s1",
                event_source="sts.amazonaws.com",
                event_name="GetCallerIdentity",
            ),
        ),
    }
    storage = storage_for(config.storage_root)
    for day, activity in days.items():
        store_activity_history(config, day, activity, [ACCOUNT], [ACCOUNT])
        store_table(storage, day, "findings", pd.DataFrame(columns=FINDING_FIELDS))  # evaluated: nothing flagged
    store_table(storage, LAST, "identities", s.identities([s.identity("orders-api"), s.identity("quiet-batch")]))
    store_table(storage, LAST, "credentials", s.credentials([]))
    store_table(storage, LAST, "collection_status", s.collection_status(s.all_ok()))
    policies = pd.DataFrame([{"account_id": ACCOUNT, "principal_arn": APP, "attachment": "inline",
                              "policy_name": "orders", "policy_arn": None, "via_group": None,
                              "document": json.dumps(POLICY), "parse_error": None}])  # fmt: skip
    store_table(storage, LAST, "policies", policies)
    return config_path


FINDING_FIELDS = ["rule_id", "family", "identity_arn", "resource_arn", "observed"]

EXPECTED_YAML = f"""\
# Baseline entries proposed by `assurance-jobs baseline propose` from observed activity.
# Drafted from 3 of 4 days of stored activity, 2026-11-28 to 2026-12-01 (days without stored activity: 2026-11-29).
# For review: nothing here is applied until a reviewed copy is placed in baseline_dir.
identities:
- name: 'proposed from observed activity: orders-api'
  arn: {APP}
  approved_networks:
  - 10.0.1.0/24
  - vpce-0orders0001
  approved_actions:
  - dynamodb:Query
  - secretsmanager:GetSecretValue
  approved_regions:
  - eu-west-1
  - us-east-1
"""

EXPECTED_ENTRY = {
    "arn": APP,
    "approved_networks": ["10.0.1.0/24", "vpce-0orders0001"],
    "approved_actions": ["dynamodb:Query", "secretsmanager:GetSecretValue"],
    "approved_regions": ["eu-west-1", "us-east-1"],
    "held_back": [],
    "calls_of_unknown_action": ["s3.amazonaws.com:DescribeQuantumBucket"],
    "policy": {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "UsedDynamodb", "Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": "*"},
            {
                "Sid": "UsedSecretsmanager",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": "*",
            },
        ],
    },
    "granted_vs_used": {
        "granted_actions": 4,
        "used_actions": 2,
        "used_but_not_granted_by_its_policies": [],
        "unused_services": ["sqs"],
        "unused_action_count": 2,
        "unused_actions": ["dynamodb:GetItem", "sqs:SendMessage"],
    },
}


def _propose(stored: Path, *extra: str) -> int:
    return main(["baseline", "propose", "--config", str(stored), "--days", "4", *extra])


def test_a_known_history_gives_exactly_the_expected_yaml_and_json(stored: Path, capsys) -> None:
    assert _propose(stored) == 0
    folder = stored.parent / "out" / "baseline-proposals" / LAST.isoformat()
    assert (folder / "baseline-proposal.yaml").read_text() == EXPECTED_YAML
    assert json.loads((folder / "baseline-proposal.json").read_text()) == {
        "window": {
            "days_requested": 4,
            "first": "2026-11-28",
            "last": "2026-12-01",
            "days_stored": ["2026-11-28", "2026-11-30", "2026-12-01"],
            "days_missing": ["2026-11-29"],
            "days_not_screened": [],
        },
        "identities": [EXPECTED_ENTRY],
        "not_observed": [],
    }
    assert "for review, not applied" in capsys.readouterr().out


def test_the_drafted_yaml_is_a_valid_baseline_file(stored: Path) -> None:
    assert _propose(stored) == 0
    text = (stored.parent / "out" / "baseline-proposals" / LAST.isoformat() / "baseline-proposal.yaml").read_text()
    assert parse_baseline(yaml.safe_load(text)).identities[0].approved_regions == ["eu-west-1", "us-east-1"]


def test_identities_can_be_chosen_by_session_arn_and_an_unobserved_one_is_named(stored: Path) -> None:
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/orders-api/s1"
    assert _propose(stored, "--identity", session, "--identity", QUIET, "--out", str(stored.parent / "p")) == 0
    proposal = json.loads((stored.parent / "p" / "baseline-proposal.json").read_text())
    assert [entry["arn"] for entry in proposal["identities"]] == [APP]
    assert proposal["not_observed"] == [QUIET]


def test_a_proposal_is_never_written_into_the_baseline_folder(stored: Path, capsys) -> None:
    assert _propose(stored, "--out", str(stored.parent / "baseline" / "drafts")) == 2
    assert "inside baseline_dir" in capsys.readouterr().err
    assert not (stored.parent / "baseline").exists()


def test_what_an_open_runtime_finding_names_is_held_back_never_proposed(stored: Path) -> None:
    """The day's findings say 10.0.1.77 read a secret from outside the approved networks and us-east-1 is a new
    region: the drafted baseline must not approve that network or region, and says why."""
    storage = storage_for(load_config(stored).storage_root)
    findings = pd.DataFrame(
        [
            {"rule_id": "NHI-RT-001", "family": "runtime", "identity_arn": APP, "resource_arn": APP,
             "observed": "secretsmanager:GetSecretValue from 10.0.1.77 ×1"},
            {"rule_id": "NHI-RT-008", "family": "runtime", "identity_arn": APP, "resource_arn": APP,
             "observed": "us-east-1 ×3"},
            {"rule_id": "NHI-ROT-001", "family": "rotation", "identity_arn": APP, "resource_arn": APP,
             "observed": "eu-west-1"},
        ]
    )  # fmt: skip
    store_table(storage, LAST, "findings", findings)
    assert _propose(stored) == 0
    folder = stored.parent / "out" / "baseline-proposals" / LAST.isoformat()
    (entry,) = json.loads((folder / "baseline-proposal.json").read_text())["identities"]
    assert entry["approved_networks"] == ["vpce-0orders0001"]
    assert entry["approved_regions"] == ["eu-west-1"]
    assert [(held["value"], held["rule_id"]) for held in entry["held_back"]] == [
        ("10.0.1.0/24", "NHI-RT-001"),
        ("us-east-1", "NHI-RT-008"),
    ]
    assert f"#   {APP}: 10.0.1.0/24 (NHI-RT-001" in (folder / "baseline-proposal.yaml").read_text()


def test_days_whose_findings_are_not_stored_are_named_as_not_screened(stored: Path) -> None:
    (Path(load_config(stored).storage_root) / "inventory" / LAST.isoformat() / "findings.parquet").unlink()
    assert _propose(stored) == 0
    folder = stored.parent / "out" / "baseline-proposals" / LAST.isoformat()
    assert json.loads((folder / "baseline-proposal.json").read_text())["window"]["days_not_screened"] == [
        LAST.isoformat()
    ]
    assert (
        f"# NOT SCREENED: no findings are stored for {LAST.isoformat()}"
        in (folder / "baseline-proposal.yaml").read_text()
    )


def test_a_finding_from_an_earlier_day_of_the_window_still_holds_its_network_back(stored: Path) -> None:
    """A learned rule fires the first day a network is seen; the next day it is usual and nothing fires."""
    storage = storage_for(load_config(stored).storage_root)
    flagged = {"rule_id": "NHI-RT-006", "family": "runtime", "identity_arn": APP, "resource_arn": APP,
               "observed": "secretsmanager:GetSecretValue from 10.0.1.0/24 ×1"}  # fmt: skip
    store_table(storage, LAST - timedelta(days=1), "findings", pd.DataFrame([flagged]))
    assert _propose(stored) == 0
    folder = stored.parent / "out" / "baseline-proposals" / LAST.isoformat()
    (entry,) = json.loads((folder / "baseline-proposal.json").read_text())["identities"]
    assert entry["approved_networks"] == ["vpce-0orders0001"]
