"""Existing resources and SCPs, end to end: an estate in moto, the real day's collection (`collect_snapshot`), the
inventory, and the rules — the escalation verdicts now rest on what was collected.

* a principal allowed lambda:UpdateFunctionCode on a function that runs as an administrator role: an NHI-LP-003
  path through the function;
* the same grant in an account without functions: latent (NHI-LP-008), "missing: a Lambda function";
* the function listing denied: that principal's NHI-LP-003 and NHI-LP-008 read INCOMPLETE, nobody else's;
* an SCP at an OU denying iam:PassRole: a passrole path in an account below it is blocked, and the facts say by
  which policy, attached where — the same grant in another OU is still a path.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
from collect_fixtures import parsed_error
from moto import mock_aws
from org_fixtures import MANAGEMENT, build_organization, member_session, organization_config

from assurance_jobs.collect import credential_report, plan
from assurance_jobs.config import parse_config
from assurance_jobs.steps.collect import collect_snapshot, load_partition_snapshot
from assurance_jobs.steps.evaluate import evaluate_partition
from assurance_jobs.steps.inventory import build_partition_inventory, store_inventory

ACCOUNT = "123456789012"


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(actions: str | list[str], resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


LAMBDA_TRUST = _document(
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
)


def _code() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


@dataclass(frozen=True)
class Day:
    """One collected, built and judged day."""

    identities: pd.DataFrame  # indexed by ARN
    results: pd.DataFrame
    findings: pd.DataFrame
    incomplete: pd.DataFrame

    def result(self, rule_id: str, account_id: str = ACCOUNT) -> str:
        rows = self.results[(self.results["rule_id"] == rule_id) & (self.results["account_id"] == account_id)]
        return str(rows["status"].iloc[0])

    def finding(self, rule_id: str, arn: str) -> pd.Series:
        rows = self.findings[(self.findings["rule_id"] == rule_id) & (self.findings["resource_arn"] == arn)]
        assert len(rows) == 1, f"{rule_id} has no single finding for {arn}"
        return rows.iloc[0]


@pytest.fixture
def no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    polling = replace(credential_report.DEFAULT_POLLING, sleep=lambda seconds: None)
    monkeypatch.setattr(credential_report, "DEFAULT_POLLING", polling)


def run_day(root: Path, settings: dict[str, Any]) -> Day:
    """collect_snapshot → build_partition_inventory → store_inventory → evaluate_partition, as a run does."""
    config = parse_config({"storage_root": str(root / "data"), "output_dir": str(root / "out"), **settings})
    today = datetime.now(UTC).date()
    manifest = collect_snapshot(config, today)
    built = build_partition_inventory(config, load_partition_snapshot(config, today))
    store_inventory(config, today, built.inventory, manifest)
    evaluation = evaluate_partition(config, today).evaluation
    return Day(
        built.inventory.identities.set_index("arn"),
        evaluation.rule_results,
        evaluation.findings,
        evaluation.incomplete_resources,
    )


def seed_account(function: bool) -> dict[str, str]:
    """svc-updater may update any function's code; with `function`, one runs as an administrator role."""
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="svc-updater", Tags=[{"Key": "owner", "Value": "platform@example.com"}])
    iam.put_user_policy(
        UserName="svc-updater", PolicyName="deploy", PolicyDocument=_document(_allow("lambda:UpdateFunctionCode"))
    )
    iam.create_user(UserName="svc-reports", Tags=[{"Key": "owner", "Value": "platform@example.com"}])
    iam.put_user_policy(UserName="svc-reports", PolicyName="read", PolicyDocument=_document(_allow("s3:GetObject")))
    role = iam.create_role(RoleName="nightly-exec", AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="nightly-exec", PolicyName="admin", PolicyDocument=_document(_allow("*")))
    if function:
        boto3.client("lambda", region_name="us-east-1").create_function(
            FunctionName="nightly-maintenance",
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": _code()},
        )
    return {
        "updater": f"arn:aws:iam::{ACCOUNT}:user/svc-updater",
        "reports": f"arn:aws:iam::{ACCOUNT}:user/svc-reports",
    }


def test_updating_the_code_of_a_function_that_runs_as_admin_is_an_lp003_path(tmp_path: Path, no_waits: None) -> None:
    with mock_aws():
        arns = seed_account(function=True)
        day = run_day(tmp_path, {})
    path = "svc-updater → lambda:UpdateFunctionCode → function:nightly-maintenance → runs as role/nightly-exec → admin"
    assert day.finding("NHI-LP-003", arns["updater"])["observed"] == path
    assert day.result("NHI-LP-003") == "FAIL"


def test_with_no_function_in_the_account_the_same_grant_is_latent(tmp_path: Path, no_waits: None) -> None:
    with mock_aws():
        arns = seed_account(function=False)
        day = run_day(tmp_path, {})
    observed = day.finding("NHI-LP-008", arns["updater"])["observed"]
    assert "lambda:UpdateFunctionCode — missing: a Lambda function in the account" in observed
    assert not day.identities.loc[arns["updater"], "privesc_escalates"]
    assert day.result("NHI-LP-008") == "FAIL"  # decided: latent, not undecidable


def _denying(operation: str) -> Callable[..., Any]:
    """A stand-in for `plan.session_for` whose sessions answer `operation` (lambda) with AccessDenied."""
    real = plan.session_for

    def session_for(account: Any, *args: Any, **kwargs: Any) -> boto3.Session:
        session = real(account, *args, **kwargs)
        session.events.register(f"before-call.lambda.{operation}", lambda **_: parsed_error("AccessDeniedException"))
        return session

    return session_for


def test_a_denied_function_listing_makes_that_principals_verdicts_incomplete_and_no_one_elses(
    tmp_path: Path, no_waits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan, "session_for", _denying("ListFunctions"))
    with mock_aws():
        arns = seed_account(function=True)
        day = run_day(tmp_path, {})
    assert (day.result("NHI-LP-003"), day.result("NHI-LP-008")) == ("INCOMPLETE", "INCOMPLETE")
    unknown = day.incomplete[day.incomplete["rule_id"].isin(["NHI-LP-003", "NHI-LP-008"])]
    assert set(unknown["resource_arn"]) == {arns["updater"]}
    assert set(unknown["reason"]) == {"privesc_resources_unreadable=1"}
    updater = day.identities.loc[arns["updater"]]
    assert not updater["privesc_escalates"]  # never a PASS, never a false "no functions": undecidable
    assert "lambda:ListFunctions AccessDeniedException in us-east-1" in updater["privesc_latent_path"]
    assert day.result("NHI-LP-001") != "INCOMPLETE"  # rules that do not read resources are unaffected


@dataclass(frozen=True)
class Deployers:
    blocked: str  # below the OU the SCP is attached to
    open: str  # in another OU


def seed_passrole_deployers(org: Any) -> Deployers:
    """In `payments` (OU prod) and `sandbox` (OU dev): a deployer allowed PassRole + CreateFunction +
    InvokeFunction, and an administrator role trusting Lambda to pass. An SCP denying iam:PassRole sits on prod."""
    arns = {}
    for name in ("payments", "sandbox"):
        account_id = org.accounts[name]
        iam = member_session(account_id).client("iam")
        iam.create_role(RoleName="lambda-admin", AssumeRolePolicyDocument=LAMBDA_TRUST)
        iam.put_role_policy(RoleName="lambda-admin", PolicyName="admin", PolicyDocument=_document(_allow("*")))
        iam.create_user(UserName="svc-deployer")
        grant = _allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])
        iam.put_user_policy(UserName="svc-deployer", PolicyName="deploy", PolicyDocument=_document(grant))
        arns[name] = f"arn:aws:iam::{account_id}:user/svc-deployer"
    organizations = boto3.client("organizations", region_name="us-east-1")
    denied = _document({"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"})
    policy = organizations.create_policy(
        Content=denied, Description="no role passing in prod", Name="deny-passrole", Type="SERVICE_CONTROL_POLICY"
    )["Policy"]["PolicySummary"]["Id"]
    organizations.attach_policy(PolicyId=policy, TargetId=org.ous["prod"])
    return Deployers(arns["payments"], arns["sandbox"])


@pytest.fixture(scope="module")
def organization_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Deployers, Day]]:
    root = tmp_path_factory.mktemp("org")
    with mock_aws(), pytest.MonkeyPatch.context() as patch:
        polling = replace(credential_report.DEFAULT_POLLING, sleep=lambda seconds: None)
        patch.setattr(credential_report, "DEFAULT_POLLING", polling)
        org = build_organization()
        deployers = seed_passrole_deployers(org)
        day = run_day(root, {**organization_config(exclude={"account_ids": [MANAGEMENT]}), "max_parallel_accounts": 4})
        yield org, deployers, day


def test_an_scp_at_an_ou_denying_passrole_blocks_the_path_and_says_so(organization_day: Any) -> None:
    org, deployers, day = organization_day
    blocked = day.identities.loc[deployers.blocked]
    assert not blocked["privesc_escalates"]
    assert (
        "iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction: iam:PassRole denied by SCP deny-passrole "
        f"attached to {org.ous['prod']} (prod)" in blocked["privesc_blocked"]
    )
    assert "iam:PassRole+lambda:CreateFunction" not in blocked["privesc_methods"]
    opened = day.identities.loc[deployers.open]
    assert opened["privesc_path"] == (
        "svc-deployer → iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction → pass role/lambda-admin to "
        "lambda.amazonaws.com → admin"
    )


def test_the_scps_are_read_once_and_their_status_recorded_for_each_collected_member(organization_day: Any) -> None:
    org, _, day = organization_day
    assert day.result("NHI-LP-003", org.accounts["payments"]) == "PASS"
    assert day.result("NHI-LP-003", org.accounts["sandbox"]) == "FAIL"
    assert (day.identities["organization_policies_unreadable"] == 0).all()
