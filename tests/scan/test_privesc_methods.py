"""Privilege-escalation methods found on a principal's COMBINED effective permissions."""

import itertools
import json
import re
from typing import Any

import pytest

from assurance_jobs.scan import actions
from assurance_jobs.scan.grants import Grants, grants_of
from assurance_jobs.scan.policy import effective_permissions
from assurance_jobs.scan.privesc import catalogue_info, held_methods, methods, reachable_methods

LAMBDA_COMBO = "iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction"


def allow(*action: str, resource: str = "*") -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Action": list(action), "Resource": resource}]}


def test_every_required_action_of_the_catalogue_is_a_known_iam_action():
    unknown = [a for m in methods() for a in m.requires if len(actions.expand(a)) != 1]
    assert unknown == []


def test_single_action_method_is_found():
    assert "iam:CreateAccessKey" in reachable_methods(effective_permissions([allow("iam:CreateAccessKey")]))


def test_escalation_split_across_two_policies_is_found():
    docs = [allow("iam:PassRole"), allow("lambda:CreateFunction", "lambda:InvokeFunction")]
    assert LAMBDA_COMBO in reachable_methods(effective_permissions(docs))


def test_escalation_inherited_through_a_group_policy_is_found():
    own_inline = allow("iam:PassRole")
    group_managed = allow("ec2:RunInstances")
    assert "iam:PassRole+ec2:RunInstances" in reachable_methods(effective_permissions([own_inline, group_managed]))


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
    assert "iam:PassRole+ec2:RunInstances" not in reachable_methods(effective_permissions(docs))


def test_unscoped_only_ignores_grants_on_specific_resources():
    perms = effective_permissions([allow("iam:CreateAccessKey", resource="arn:aws:iam::123456789012:user/ci")])
    assert reachable_methods(perms) == ["iam:CreateAccessKey"]
    assert reachable_methods(perms, unscoped_only=True) == []


# ------------------------------------------------------------------------- the whole catalogue, method by method


def _held(*action: str) -> list[str]:
    """Methods held by a principal whose one policy allows exactly these actions (through the grants engine)."""
    document = json.dumps(allow(*action))
    return held_methods(Grants(grants_of(document, None), None).held_mask)


def test_catalogue_holds_every_pathfinding_path_and_the_rhino_extras_with_one_source_each():
    ids = [m.id for m in methods()]
    assert len([i for i in ids if not i.startswith("rhino-")]) == 65
    assert len(ids) == len(set(ids)) and len({m.name for m in methods()}) == len(ids)
    assert all(m.source.startswith("https://") for m in methods())
    assert re.fullmatch(r"[0-9a-f]{40}", catalogue_info()["pathfinding_commit"])


@pytest.mark.parametrize("method", methods(), ids=lambda m: m.id)
def test_method_is_detected_from_exactly_its_own_actions(method):
    assert method.name in _held(*method.requires)


@pytest.mark.parametrize("method", [m for m in methods() if len(m.requires) > 1], ids=lambda m: m.id)
def test_no_strict_subset_of_a_method_detects_it_nor_any_method_it_does_not_contain(method):
    for size in range(1, len(method.requires)):
        for subset in itertools.combinations(method.requires, size):
            found = _held(*subset)
            assert method.name not in found
            contained = {m.name for m in methods() if set(m.requires) <= set(subset)}
            assert set(found) == contained, subset
