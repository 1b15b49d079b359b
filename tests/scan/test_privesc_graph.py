"""Privilege escalation as a graph: estates in the real authorization-details format, through the inventory."""

from __future__ import annotations

import pytest
from privesc_estate import ADMIN, ROOT, Estate, allow, deny, facts, policy, trust

from assurance_jobs.scan.privesc import methods
from assurance_jobs.scan.privesc_graph import REACHABLE_LISTED, ROLE_WRITES
from assurance_jobs.scan.privesc_inputs import RESOURCE_KINDS, ExistingResource, ResourceInventory

OTHER = "999988887777"
ALL_SERVICES = sorted({s for m in methods() for s in m.passes_to})


def _rich_targets(e: Estate) -> ResourceInventory:
    """What every method needs to lead somewhere: an admin role every route can reach (in an instance profile),
    admin users with and without a console password, a memberless admin group, and one resource of every kind
    running as the admin role (the attacker always has a customer managed policy of its own, which
    CreatePolicyVersion needs)."""
    admin = e.role("admin", trust(ROOT, service=ALL_SERVICES), inline=[ADMIN], instance_profile=True)
    e.user("admin-user", inline=[ADMIN], password=False)
    e.user("admin-console", inline=[ADMIN], password=True)
    e.group("admins", inline=[ADMIN])
    resources = tuple(
        ExistingResource(kind, f"arn:aws:svc:us-east-1:{e.account_id}:{kind}/one", e.account_id, admin)
        for kind in RESOURCE_KINDS
    )
    return ResourceInventory(resources, frozenset((e.account_id, kind) for kind in RESOURCE_KINDS))


def _split(actions: tuple[str, ...], kinds: tuple[str, ...]) -> dict[str, list[str]]:
    """Deal the actions round-robin over the attachment kinds, so every method is split across policies."""
    dealt: dict[str, list[str]] = {k: [] for k in kinds}
    for i, action in enumerate(actions):
        dealt[kinds[i % len(kinds)]].append(action)
    return dealt


@pytest.mark.parametrize("method", methods(), ids=lambda m: m.id)
def test_every_catalogue_method_split_across_inline_managed_and_group_policies_escalates(method):
    e = Estate()
    resources = _rich_targets(e)
    as_role = any(a in ROLE_WRITES for a in method.requires)
    dealt = _split(method.requires, ("inline", "managed") if as_role else ("inline", "managed", "group", "gmanaged"))
    inline = [policy(allow(dealt["inline"]))] if dealt["inline"] else []
    managed = [e.managed("attacker-managed", policy(allow(dealt["managed"] or "s3:GetObject")))]
    if as_role:
        attacker = e.role("attacker", trust(service="ec2.amazonaws.com"), inline=inline, managed=managed)
    else:
        group_managed = [e.managed("group-managed", policy(allow(a))) for a in dealt["gmanaged"]]
        e.group("crew", inline=[policy(allow(dealt["group"]))] if dealt["group"] else [], managed=group_managed)
        attacker = e.user("attacker", inline=inline, managed=managed, groups=["crew"])
    row = facts(e, resources=resources).loc[attacker]
    assert method.name in row["privesc_methods"].split(",")
    assert row["privesc_escalates"], row["privesc_latent_path"]


def test_one_hop_role_chain_reports_the_path():
    e = Estate()
    ci = e.user("svc-ci", inline=[policy(allow("sts:AssumeRole"))])
    e.role("deployer", trust(ROOT), inline=[policy(allow("iam:AttachRolePolicy"))])
    row = facts(e).loc[ci]
    assert row["privesc_path"] == "svc-ci → assume role/deployer (trusts account root) → iam:AttachRolePolicy → admin"
    assert not row["privesc_conditional"]


def test_multi_hop_chain_reaches_the_admin_and_the_admin_lists_who_can_reach_it():
    e = Estate()
    ci = e.user("svc-ci")
    hop1 = e.role("hop1", trust(ci), inline=[policy(allow("sts:AssumeRole"))])
    hop2 = e.role("hop2", trust(ROOT), inline=[policy(allow("sts:AssumeRole"))])
    admin = e.role("admin", trust(hop2), inline=[ADMIN])
    result = facts(e)
    assert result.loc[ci, "privesc_path"] == (
        "svc-ci → assume role/hop1 (trusts user/svc-ci) → assume role/hop2 (trusts account root)"
        " → assume role/admin (trusts role/hop2) → admin"
    )
    assert result.loc[admin, "privesc_reachable_by"] == ",".join(sorted([ci, hop1, hop2]))
    assert result.loc[admin, "privesc_reachable_by_count"] == 3


def test_explicit_same_account_trust_needs_no_permission_at_all():
    e = Estate()
    bare = e.user("svc-bare")
    e.role("admin", trust(bare), inline=[ADMIN])
    row = facts(e).loc[bare]
    assert (
        row["privesc_escalates"]
        and row["privesc_path"] == "svc-bare → assume role/admin (trusts user/svc-bare) → admin"
    )


def test_account_root_trust_without_an_assume_permission_is_no_edge():
    e = Estate()
    bare = e.user("svc-bare", inline=[policy(allow("s3:GetObject"))])
    e.role("admin", trust(ROOT), inline=[ADMIN])
    assert not facts(e).loc[bare, "privesc_escalates"]


def test_cross_account_explicit_trust_needs_the_callers_own_permission():
    home, other = Estate(), Estate(account_id=OTHER)
    bare = home.user("svc-bare")
    allowed = home.user("svc-allowed", inline=[policy(allow("sts:AssumeRole"))])
    other.role("admin", trust(bare, allowed), inline=[ADMIN])
    result = facts(home, other)
    assert not result.loc[bare, "privesc_escalates"]
    assert (
        result.loc[allowed, "privesc_path"]
        == f"svc-allowed → assume {OTHER}:role/admin (trusts 111122223333:user/svc-allowed) → admin"
    )


def test_explicit_unconditioned_deny_blocks_the_assume_edge():
    e = Estate()
    ci = e.user("svc-ci", inline=[policy(allow("sts:AssumeRole"), deny("sts:AssumeRole"))])
    e.role("admin", trust(ci), inline=[ADMIN])
    assert not facts(e).loc[ci, "privesc_escalates"]


def test_permissions_boundary_without_the_required_action_blocks_the_method():
    e = Estate()
    boundary = e.managed("s3-only", policy(allow("s3:*")))
    role = e.role(
        "writer", trust(service="ec2.amazonaws.com"), inline=[policy(allow("iam:AttachRolePolicy"))], boundary=boundary
    )
    row = facts(e).loc[role]
    assert row["privesc_methods"] == "" and not row["privesc_escalates"]


def test_policy_version_rights_only_on_aws_managed_policies_do_not_count():
    e = Estate()
    own = e.managed("own", policy(allow("s3:GetObject")))
    grant = allow(["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"], "arn:aws:iam::aws:policy/*")
    user = e.user("svc-policy", inline=[policy(grant)], managed=[own])
    row = facts(e).loc[user]
    assert row["privesc_methods"] == "" and not row["privesc_escalates"]


def test_policy_version_rights_on_its_own_customer_managed_policy_escalate():
    e = Estate()
    own = e.managed("own", policy(allow("s3:GetObject")))
    user = e.user("svc-policy", inline=[policy(allow("iam:CreatePolicyVersion", own))], managed=[own])
    assert facts(e).loc[user, "privesc_path"] == "svc-policy → iam:CreatePolicyVersion → admin"


def test_policy_version_rights_with_no_customer_policy_within_reach_do_not_escalate():
    e = Estate()
    user = e.user("svc-policy", inline=[policy(allow("iam:CreatePolicyVersion"))])
    row = facts(e).loc[user]
    assert row["privesc_methods"] == "iam:CreatePolicyVersion" and not row["privesc_escalates"]


EXPIRED = {"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}
LATER = {"DateLessThan": {"aws:CurrentTime": "2027-06-01T00:00:00Z"}}


def test_grant_whose_date_condition_has_passed_does_not_count():
    e = Estate()
    user = e.user("svc-old", inline=[policy(allow("iam:PutUserPolicy", condition=EXPIRED))])
    row = facts(e).loc[user]
    assert row["privesc_methods"] == "" and not row["privesc_escalates"]


def test_trust_whose_date_condition_has_passed_admits_nobody():
    e = Estate()
    ci = e.user("svc-ci")
    e.role("admin", trust(ci, condition=EXPIRED), inline=[ADMIN])
    assert not facts(e).loc[ci, "privesc_escalates"]


def test_condition_that_may_hold_keeps_the_finding_marked_conditional():
    e = Estate()
    user = e.user("svc-later", inline=[policy(allow("iam:PutUserPolicy", condition=LATER))])
    row = facts(e).loc[user]
    assert row["privesc_escalates"] and row["privesc_conditional"]
    assert row["privesc_path"] == "svc-later → iam:PutUserPolicy → admin (conditional)"


def test_passrole_reaches_only_roles_that_trust_the_methods_service():
    e = Estate()
    deployer = e.role(
        "lambda-deployer",
        trust(service="codebuild.amazonaws.com"),
        inline=[policy(allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]))],
    )
    e.role("ec2-admin", trust(service="ec2.amazonaws.com"), inline=[ADMIN])
    assert not facts(e).loc[deployer, "privesc_escalates"]
    e.role("lambda-admin", trust(service="lambda.amazonaws.com"), inline=[ADMIN])
    assert facts(e).loc[deployer, "privesc_path"] == (
        "lambda-deployer → iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction"
        " → pass role/lambda-admin to lambda.amazonaws.com → admin"
    )


def test_access_key_creation_on_an_unprivileged_user_is_not_escalation():
    e = Estate()
    minter = e.user("svc-minter", inline=[policy(allow("iam:CreateAccessKey"))])
    e.user("svc-reader", inline=[policy(allow("s3:GetObject"))])
    assert not facts(e).loc[minter, "privesc_escalates"]
    e.user("svc-root-ish", inline=[ADMIN])
    assert facts(e).loc[minter, "privesc_path"] == "svc-minter → iam:CreateAccessKey → user/svc-root-ish → admin"


def test_reaching_a_principal_with_a_method_the_snapshot_cannot_decide_is_undecidable_not_escalation():
    e = Estate()
    ci = e.user("svc-ci", inline=[policy(allow("sts:AssumeRole"))])
    e.role("ops", trust(ROOT), inline=[policy(allow("ssm:SendCommand"))])
    row = facts(e).loc[ci]
    assert not row["privesc_escalates"] and row["privesc_undecidable"]
    assert row["privesc_latent_path"].startswith(
        "svc-ci → assume role/ops (trusts account root) → ssm:SendCommand — undecidable: needs the SSM-managed"
    )


def test_writing_the_policy_of_a_role_it_can_assume_escalates():
    e = Estate()
    writer = e.user("svc-writer", inline=[policy(allow("iam:PutRolePolicy", "arn:aws:iam::111122223333:role/app"))])
    e.role("app", trust(writer))
    assert facts(e).loc[writer, "privesc_path"] == (
        "svc-writer → iam:PutRolePolicy on role/app (which it can act as) → admin"
    )


def test_administrator_is_reported_once_as_admin_with_what_it_folds():
    e = Estate()
    admin = e.user("svc-admin", inline=[ADMIN])
    row = facts(e).loc[admin]
    assert row["effective_admin"] and not row["privesc_escalates"] and row["privesc_path"] == ""
    assert row["admin_implied"].startswith("effective admin; folds NHI-LP-002 (10 sensitive services), NHI-LP-003 (")


def test_reachable_by_does_not_route_through_administrators():
    e = Estate()
    admin = e.user("svc-admin", inline=[ADMIN])
    target = e.user("svc-plain")
    e.user("svc-wannabe", inline=[policy(allow("sts:AssumeRole"))])
    e.role("admin-role", trust(ROOT), inline=[ADMIN])
    assert facts(e).loc[target, "privesc_reachable_by"] == ""
    assert admin


def test_blast_radius_lists_the_first_hundred_in_arn_order_and_counts_them_all():
    e = Estate()
    callers = [e.user(f"svc-{i:03d}") for i in range(105)]
    target = e.role("shared", trust(*callers))
    row = facts(e).loc[target]
    assert row["privesc_reachable_by_count"] == 105
    assert row["privesc_reachable_by"].split(",") == sorted(callers)[:REACHABLE_LISTED]


def test_grant_on_some_of_many_targets_keeps_the_path_through_the_matching_one():
    e = Estate()
    grant = allow("iam:CreateAccessKey", f"arn:aws:iam::{e.account_id}:user/svc-*")
    minter = e.user("minter", inline=[policy(grant)])
    e.user("svc-a")
    e.user("svc-admin", inline=[ADMIN])
    e.user("other-admin", inline=[ADMIN])
    assert facts(e).loc[minter, "privesc_path"] == "minter → iam:CreateAccessKey → user/svc-admin → admin"


def test_conditioned_account_root_trust_marks_the_assume_step_conditional():
    e = Estate()
    ci = e.user("svc-ci", inline=[policy(allow("sts:AssumeRole"))])
    org = {"StringEquals": {"aws:PrincipalOrgID": "o-example"}}
    e.role("admin", trust(ROOT, condition=org), inline=[ADMIN])
    e.role("admin-2", trust(ROOT, condition=org), inline=[ADMIN])
    row = facts(e).loc[ci]
    assert row["privesc_conditional"]
    assert row["privesc_path"] == "svc-ci → assume role/admin (trusts account root) (conditional) → admin"
