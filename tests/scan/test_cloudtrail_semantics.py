"""CloudTrail read as AWS means it: each case a FAIL/PASS pair on records in CloudTrail's own shape, reduced by
the real reduction (collect/activity.py) and judged by the runtime facts (scan/runtime.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from assurance_jobs.collect.activity import reduce_files
from assurance_jobs.config import HumanMarker
from assurance_jobs.demo.cloudtrail_logs import console_login, kms_key_resource, log_object, record
from assurance_jobs.scan import actions
from assurance_jobs.scan.cloudtrail_actions import call_table, iam_actions
from assurance_jobs.scan.ownership import classify
from assurance_jobs.scan.runtime import RuntimeEvidence, classify_keys, runtime_identity_facts
from assurance_jobs.scan.runtime_calls import Approvals, is_denial, resolve_principals

ACCOUNT = "123456789012"
APP = f"arn:aws:iam::{ACCOUNT}:role/orders-api"
SVC = f"arn:aws:iam::{ACCOUNT}:user/svc-jenkins"
AT = datetime(2026, 11, 30, 10, 15, tzinfo=UTC)
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1111aaaa-2222-3333-4444-555566667777"


def _facts(tmp_path: Path, records: list[dict[str, Any]], arn: str, approvals: Approvals | None = None, **kw):
    """The runtime facts of `arn` after reducing `records` (one log object) and attributing them to identities."""
    path = tmp_path / "log.json.gz"
    path.write_bytes(log_object(records))
    activity = reduce_files([path]).activity
    activity.insert(0, "region", "us-east-1")
    activity.insert(0, "account_id", ACCOUNT)
    identities = pd.DataFrame({"account_id": ACCOUNT, "arn": [arn], "is_nhi": [kw.pop("is_nhi", True)]})
    evidence = RuntimeEvidence(resolve_principals(activity, identities), frozenset({ACCOUNT}), **kw)
    keys = classify_keys({KEY: {}}, [])
    approved = {arn: approvals or Approvals(None, None)}
    return runtime_identity_facts(identities, evidence, approved, {}, keys).iloc[0]


def _approved(*patterns: str) -> Approvals:
    return Approvals(None, actions.set_to_mask(patterns))


# ---------------------------------------------------------------------------------------- eventName -> IAM action


def test_list_buckets_is_authorised_by_list_all_my_buckets(tmp_path: Path) -> None:
    call = [record(APP, "s3.amazonaws.com", "ListBuckets", AT)]
    facts = _facts(tmp_path, call, APP, _approved("s3:ListAllMyBuckets"))
    assert facts["rt_calls_outside_scope_count"] == 0


def test_list_buckets_is_outside_a_scope_that_approves_only_list_bucket(tmp_path: Path) -> None:
    call = [record(APP, "s3.amazonaws.com", "ListBuckets", AT)]
    facts = _facts(tmp_path, call, APP, _approved("s3:ListBucket"))
    assert facts["rt_calls_outside_scope"] == "s3:ListAllMyBuckets ×1"


def test_bedrock_converse_is_authorised_by_invoke_model(tmp_path: Path) -> None:
    call = [record(APP, "bedrock.amazonaws.com", "Converse", AT)]
    assert _facts(tmp_path, call, APP, _approved("bedrock:InvokeModel"))["rt_calls_outside_scope_count"] == 0


def test_bedrock_converse_outside_a_scope_without_invoke_model_is_counted(tmp_path: Path) -> None:
    call = [record(APP, "bedrock.amazonaws.com", "Converse", AT)]
    facts = _facts(tmp_path, call, APP, _approved("bedrock:InvokeModelWithResponseStream"))
    assert facts["rt_calls_outside_scope"] == "bedrock:InvokeModel ×1"


def test_an_unknown_call_is_never_approved_it_is_counted_as_unknown(tmp_path: Path) -> None:
    call = [record(APP, "s3.amazonaws.com", "DescribeQuantumBucket", AT)]
    facts = _facts(tmp_path, call, APP, _approved("s3:GetObject"))
    assert (facts["rt_calls_unknown_action_count"], facts["rt_calls_outside_scope_count"]) == (1, 0)


def test_an_unknown_call_of_a_wholly_approved_service_is_within_scope(tmp_path: Path) -> None:
    call = [record(APP, "s3.amazonaws.com", "DescribeQuantumBucket", AT)]
    facts = _facts(tmp_path, call, APP, _approved("s3:*"))
    assert (facts["rt_calls_unknown_action_count"], facts["rt_calls_outside_scope_count"]) == (0, 0)


def test_the_call_table_names_its_sources_and_maps_documented_exceptions() -> None:
    provenance = call_table().provenance
    assert "iann0036/iam-dataset" in provenance and "MIT" in provenance and "cf9b6c5" in provenance
    assert iam_actions("lambda.amazonaws.com", "Invoke") == ("lambda:InvokeFunction",)
    assert iam_actions("lambda.amazonaws.com", "GetFunction20150331v2") == ("lambda:GetFunction",)
    assert iam_actions("s3.amazonaws.com", "ListObjectsV2") == ("s3:ListBucket",)
    assert iam_actions("sts.amazonaws.com", "GetCallerIdentity") == ()
    assert iam_actions("s3.amazonaws.com", "NoSuchOperation") is None


# ---------------------------------------------------------------------------------------------- console use


def _console_session(user_agent: str, *, from_console: bool = False) -> dict[str, Any]:
    body = record(SVC, "ec2.amazonaws.com", "DescribeInstances", AT, user_agent=user_agent)
    if from_console:
        body["sessionCredentialFromConsole"] = "true"
    return body


@pytest.mark.parametrize(
    "user_agent",
    [
        "console.ec2.amazonaws.com",
        "console.amazonaws.com",
        "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.218 OpenJDK_64-Bit_Server_VM/25.412-b09]",
        "us-east-1.console.aws.amazon.com",
    ],
)
def test_a_per_service_console_user_agent_is_interactive_use(tmp_path: Path, user_agent: str) -> None:
    assert _facts(tmp_path, [_console_session(user_agent)], SVC)["rt_interactive_use_count"] == 1


def test_a_session_credential_from_the_console_is_interactive_whatever_its_agent(tmp_path: Path) -> None:
    call = [_console_session("aws-internal/3 aws-sdk-java/1.12.488", from_console=True)]
    assert _facts(tmp_path, call, SVC)["rt_interactive_use_count"] == 1


def test_an_sdk_call_of_the_same_service_is_not_interactive(tmp_path: Path) -> None:
    call = [_console_session("Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux")]
    assert _facts(tmp_path, call, SVC)["rt_interactive_use_count"] == 0


def _failed_login(user_name: str) -> dict[str, Any]:
    """A failed ConsoleLogin in AWS's documented shape: no `arn`, the user only by name."""
    body = console_login(SVC, AT, "198.51.100.23", success=False)
    body["userIdentity"] = {
        "type": "IAMUser",
        "principalId": "",
        "accountId": ACCOUNT,
        "accessKeyId": "",
        "userName": user_name,
    }
    body["errorMessage"] = "Failed authentication"
    return body


def test_a_failed_console_login_without_an_arn_is_attributed_to_the_user_it_names(tmp_path: Path) -> None:
    path_user = f"arn:aws:iam::{ACCOUNT}:user/ci/svc-jenkins"  # the inventory knows the user's path
    facts = _facts(tmp_path, [_failed_login("svc-jenkins")], path_user)
    assert facts["rt_interactive_use"] == "ConsoleLogin via console ×1"


def test_a_failed_login_of_a_hidden_user_name_is_nobody_s(tmp_path: Path) -> None:
    facts = _facts(tmp_path, [_failed_login("HIDDEN_DUE_TO_SECURITY_REASONS")], SVC)
    assert (facts["rt_events"], facts["rt_interactive_use_count"]) == (0, 0)


def test_a_successful_console_login_with_an_arn_is_interactive_use(tmp_path: Path) -> None:
    assert _facts(tmp_path, [console_login(SVC, AT, "198.51.100.23")], SVC)["rt_interactive_use_count"] == 1


SSO_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"


def test_an_identity_center_role_is_human_by_default_so_its_console_use_is_no_finding(tmp_path: Path) -> None:
    verdict = classify("role", SSO_ROLE.rsplit("/", 1)[1], "/aws-reserved/sso.amazonaws.com/", {}, HumanMarker())
    sso_console = [record(SSO_ROLE, "s3.amazonaws.com", "ListBuckets", AT, user_agent="[S3Console/0.4]")]
    facts = _facts(tmp_path, sso_console, SSO_ROLE, is_nhi=verdict.is_nhi)
    assert not verdict.is_nhi and facts["rt_interactive_use_count"] == 0


def test_the_same_console_use_by_a_workload_role_is_interactive(tmp_path: Path) -> None:
    verdict = classify("role", "orders-api", "/", {}, HumanMarker())
    call = [record(APP, "s3.amazonaws.com", "ListBuckets", AT, user_agent="[S3Console/0.4]")]
    assert verdict.is_nhi and _facts(tmp_path, call, APP)["rt_interactive_use_count"] == 1


# ------------------------------------------------------------------------------------- on the caller's behalf

ENDPOINT_ONLY = Approvals(("vpce-0orders0001",), None)


def _decrypt(source_ip: str, invoked_by: str | None = None) -> dict[str, Any]:
    body = record(APP, "kms.amazonaws.com", "Decrypt", AT, source_ip=source_ip, resources=kms_key_resource(KEY))
    if invoked_by:
        body["userIdentity"]["invokedBy"] = invoked_by
        body["userAgent"] = invoked_by
    return body


def test_the_decrypt_secrets_manager_makes_for_a_read_is_not_the_caller_s_network(tmp_path: Path) -> None:
    on_behalf = _decrypt("secretsmanager.amazonaws.com", "secretsmanager.amazonaws.com")
    facts = _facts(tmp_path, [on_behalf], APP, ENDPOINT_ONLY)  # no secret_key_tags: every key guards secrets
    assert (facts["rt_secret_reads_outside_networks_count"], facts["rt_decrypts_unknown_key_count"]) == (0, 0)


def test_a_decrypt_the_caller_makes_from_a_public_address_is_judged_by_network(tmp_path: Path) -> None:
    facts = _facts(tmp_path, [_decrypt("185.220.101.45")], APP, ENDPOINT_ONLY)
    assert facts["rt_secret_reads_outside_networks"] == "kms:Decrypt from 185.220.101.45 ×1"


# --------------------------------------------------------------------------------------------- VPC endpoints

PRIVATE_CIDR = Approvals(("10.0.0.0/8",), None)


def _through_endpoint(endpoint_owner: str) -> dict[str, Any]:
    body = record(
        APP,
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        AT,
        source_ip="10.1.2.3",
        vpc_endpoint_id="vpce-0abc1234def567890",
        request_parameters={"secretId": "prod/orders/db"},
    )
    body["vpcEndpointAccountId"] = endpoint_owner
    return body


def test_a_private_address_through_the_organization_s_own_endpoint_is_approved_by_its_cidr(tmp_path: Path) -> None:
    facts = _facts(tmp_path, [_through_endpoint(ACCOUNT)], APP, PRIVATE_CIDR)
    assert facts["rt_secret_reads_outside_networks_count"] == 0


def test_the_same_private_address_through_a_foreign_endpoint_is_not(tmp_path: Path) -> None:
    facts = _facts(tmp_path, [_through_endpoint("999999999999")], APP, PRIVATE_CIDR)
    assert facts["rt_secret_reads_outside_networks"] == ("secretsmanager:GetSecretValue from vpce-0abc1234def567890 ×1")


def test_an_endpoint_of_another_scanned_account_is_the_organization_s_own(tmp_path: Path) -> None:
    scanned = frozenset({"210987654321"})
    facts = _facts(tmp_path, [_through_endpoint("210987654321")], APP, PRIVATE_CIDR, own_accounts=scanned)
    assert facts["rt_secret_reads_outside_networks_count"] == 0


# ------------------------------------------------------------------------------------------------- denials

DENIALS = [
    ("s3.amazonaws.com", "GetObject", "AccessDenied"),
    ("kms.amazonaws.com", "Decrypt", "AccessDeniedException"),
    ("ec2.amazonaws.com", "RunInstances", "Client.UnauthorizedOperation"),
    ("ec2.amazonaws.com", "DescribeInstances", "UnauthorizedOperation"),
    ("sns.amazonaws.com", "Publish", "AuthorizationError"),
    ("apigateway.amazonaws.com", "GetRestApis", "ForbiddenException"),
    ("appsync.amazonaws.com", "ListGraphqlApis", "UnauthorizedException"),
]


@pytest.mark.parametrize(("source", "name", "code"), DENIALS)
def test_every_service_s_spelling_of_a_denial_counts(tmp_path: Path, source: str, name: str, code: str) -> None:
    calls = [record(APP, source, name, AT, error_code=code)]
    assert _facts(tmp_path, calls, APP)["rt_denied_outside_baseline_count"] == 1


@pytest.mark.parametrize("code", ["ThrottlingException", "ValidationException", "ResourceNotFoundException"])
def test_errors_that_are_not_denials_do_not_count(tmp_path: Path, code: str) -> None:
    calls = [record(APP, "kms.amazonaws.com", "Decrypt", AT, error_code=code)]
    assert _facts(tmp_path, calls, APP)["rt_denied_outside_baseline_count"] == 0


def test_a_failed_console_sign_in_is_an_authentication_failure_not_a_denial() -> None:
    assert not is_denial("ConsoleLoginFailure") and is_denial("AWS.SimpleQueueService.AccessDenied")
