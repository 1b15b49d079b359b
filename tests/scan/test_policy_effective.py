"""Effective permissions over a principal's combined identity policies, explicit Deny and permissions boundary."""

import json
import urllib.parse
from typing import Any

import pytest

from assurance_jobs.scan.policy import PolicyParseError, effective_permissions, parse_policy

MFA = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
BUCKET = "arn:aws:s3:::reports"


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_json_string_with_a_single_statement_object_is_parsed():
    perms = effective_permissions(['{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}'])
    assert perms.allowed == frozenset({"s3:getobject"})


def test_statements_of_all_policies_are_combined():
    perms = effective_permissions([doc(allow("s3:GetObject")), doc(allow("sqs:SendMessage"))])
    assert perms.allowed == frozenset({"s3:getobject", "sqs:sendmessage"})


def test_explicit_deny_on_every_resource_overrides_allow():
    perms = effective_permissions([doc(allow("iam:*")), doc(deny("iam:CreateAccessKey"))])
    assert "iam:createaccesskey" not in perms.allowed
    assert "iam:listusers" in perms.allowed


def test_conditioned_deny_does_not_subtract_because_we_cannot_tell_when_it_applies():
    perms = effective_permissions([doc(allow("iam:*"), deny("iam:*", Condition=MFA))])
    assert "iam:createaccesskey" in perms.allowed
    assert perms.ignored_conditional_denies == 1


def test_deny_on_a_specific_resource_does_not_subtract():
    perms = effective_permissions([doc(allow("s3:*"), deny("s3:DeleteBucket", BUCKET))])
    assert "s3:deletebucket" in perms.allowed_unscoped


def test_conditioned_allow_counts_and_is_recorded_as_conditional():
    perms = effective_permissions([doc(allow("iam:PassRole", Condition=MFA), allow("s3:GetObject"))])
    assert perms.allows("iam:PassRole")
    assert perms.conditional == frozenset({"iam:passrole"})


def test_allow_not_action_grants_every_other_action():
    perms = effective_permissions([doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})])
    assert "iam:createuser" not in perms.allowed
    assert "ec2:runinstances" in perms.allowed


def test_deny_not_action_removes_every_other_action():
    statements = [allow("*"), {"Effect": "Deny", "NotAction": ["s3:*"], "Resource": "*"}]
    perms = effective_permissions([doc(*statements)])
    assert perms.allowed and all(a.startswith("s3:") for a in perms.allowed)


def test_not_resource_is_treated_as_a_broad_unscoped_grant():
    perms = effective_permissions([doc({"Effect": "Allow", "Action": "s3:*", "NotResource": BUCKET})])
    assert "s3:getobject" in perms.allowed_unscoped


def test_specific_resource_makes_a_scoped_grant():
    perms = effective_permissions([doc(allow("s3:GetObject", [BUCKET + "/*"]))])
    assert perms.allowed_scoped == frozenset({"s3:getobject"})
    assert perms.allowed_unscoped == frozenset()


def test_service_wide_arn_counts_as_unscoped_for_that_service():
    perms = effective_permissions([doc(allow("iam:*", "arn:aws:iam::*:*"))])
    assert "iam:createuser" in perms.allowed_unscoped


def test_boundary_keeps_only_actions_it_also_allows():
    perms = effective_permissions([doc(allow("*"))], doc(allow(["s3:*", "sqs:*"])))
    assert "s3:getobject" in perms.allowed
    assert "iam:createuser" not in perms.allowed
    assert perms.has_boundary


def test_boundary_with_specific_resources_makes_the_grant_scoped():
    perms = effective_permissions([doc(allow("s3:*"))], doc(allow("s3:*", BUCKET)))
    assert "s3:getobject" in perms.allowed_scoped


def test_star_star_is_effective_admin():
    assert effective_permissions([doc(allow("*:*"))]).effective_admin


def test_allow_not_action_on_a_harmless_read_action_is_effective_admin():
    statement = {"Effect": "Allow", "NotAction": "aws-portal:ViewBilling", "Resource": "*"}
    assert effective_permissions([doc(statement)]).effective_admin


def test_power_user_not_action_iam_is_not_admin():
    statement = {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    assert not effective_permissions([doc(statement)]).effective_admin


def test_star_on_a_specific_resource_is_not_admin():
    assert not effective_permissions([doc(allow("*", BUCKET))]).effective_admin


def test_iam_wildcard_on_every_resource_is_a_sensitive_wildcard():
    perms = effective_permissions([doc(allow("iam:*"))])
    assert perms.sensitive_wildcard_services == ("iam",)


def test_iam_wildcard_on_a_specific_role_is_not_flagged_as_unscoped():
    perms = effective_permissions([doc(allow("iam:*", "arn:aws:iam::123456789012:role/app"))])
    assert perms.sensitive_wildcard_services == ()


def test_non_sensitive_service_wildcard_is_not_flagged():
    assert effective_permissions([doc(allow("sqs:*"))]).sensitive_wildcard_services == ()


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        "[]",
        '{"Statement": "nope"}',
        '{"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}',
        '{"Statement": [{"Effect": "Allow", "Resource": "*"}]}',
        '{"Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}',
    ],
)
def test_malformed_documents_raise_a_parse_error(bad: str):
    with pytest.raises(PolicyParseError):
        parse_policy(bad)


def test_url_encoded_document_from_the_raw_api_is_decoded():
    encoded = urllib.parse.quote(json.dumps(doc(allow("sqs:*"))))
    assert "sqs:sendmessage" in effective_permissions([encoded]).allowed
