"""Privilege-escalation methods found on a principal's COMBINED effective permissions."""

from typing import Any

from assurance_jobs.scan import actions
from assurance_jobs.scan.policy import effective_permissions
from assurance_jobs.scan.privesc import methods, reachable_methods

LAMBDA_COMBO = "PassRole+LambdaCreateFunction+InvokeFunction"


def allow(*action: str, resource: str = "*") -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Action": list(action), "Resource": resource}]}


def test_every_required_action_of_the_catalogue_is_a_known_iam_action():
    unknown = [a for m in methods() for a in m.requires if len(actions.expand(a)) != 1]
    assert unknown == []


def test_single_action_method_is_found():
    assert "CreateAccessKey" in reachable_methods(effective_permissions([allow("iam:CreateAccessKey")]))


def test_escalation_split_across_two_policies_is_found():
    docs = [allow("iam:PassRole"), allow("lambda:CreateFunction", "lambda:InvokeFunction")]
    assert LAMBDA_COMBO in reachable_methods(effective_permissions(docs))


def test_escalation_inherited_through_a_group_policy_is_found():
    own_inline = allow("iam:PassRole")
    group_managed = allow("ec2:RunInstances")
    assert "PassRole+EC2RunInstances" in reachable_methods(effective_permissions([own_inline, group_managed]))


def test_half_a_combination_is_not_an_escalation():
    perms = effective_permissions([allow("lambda:CreateFunction", "lambda:InvokeFunction")])
    assert LAMBDA_COMBO not in reachable_methods(perms)


def test_boundary_that_excludes_a_required_action_blocks_the_escalation():
    docs = [allow("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction")]
    boundary = allow("lambda:*")
    assert reachable_methods(effective_permissions(docs, boundary)) == []


def test_explicit_deny_of_a_required_action_blocks_the_escalation():
    docs = [
        allow("iam:PassRole", "ec2:RunInstances"),
        {"Statement": {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}},
    ]
    assert "PassRole+EC2RunInstances" not in reachable_methods(effective_permissions(docs))


def test_unscoped_only_ignores_grants_on_specific_resources():
    perms = effective_permissions([allow("iam:CreateAccessKey", resource="arn:aws:iam::123456789012:user/ci")])
    assert reachable_methods(perms) == ["CreateAccessKey"]
    assert reachable_methods(perms, unscoped_only=True) == []
