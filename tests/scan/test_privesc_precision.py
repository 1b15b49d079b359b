"""Precision from what every snapshot already holds: passwords and keys (the credential report), groups and
instance profiles (the authorization details)."""

from __future__ import annotations

from privesc_estate import ADMIN, ROOT, Estate, allow, facts, policy, trust


def test_update_login_profile_reaches_only_a_user_that_has_a_password():
    e = Estate()
    resetter = e.user("svc-resetter", inline=[policy(allow("iam:UpdateLoginProfile"))])
    e.user("admin-keys-only", inline=[ADMIN], password=False)
    assert not facts(e).loc[resetter, "privesc_escalates"]
    e.user("admin-console", inline=[ADMIN], password=True)
    assert facts(e).loc[resetter, "privesc_path"] == (
        "svc-resetter → iam:UpdateLoginProfile → user/admin-console → admin"
    )


def test_create_login_profile_reaches_only_a_user_without_a_password():
    e = Estate()
    creator = e.user("svc-creator", inline=[policy(allow("iam:CreateLoginProfile"))])
    e.user("admin-console", inline=[ADMIN], password=True)
    row = facts(e).loc[creator]
    assert not row["privesc_escalates"]
    assert "missing: a privileged user without a console password" in row["privesc_latent_path"]


def test_without_a_credential_report_a_login_profile_method_may_reach_any_user():
    e = Estate()
    resetter = e.user("svc-resetter", inline=[policy(allow("iam:UpdateLoginProfile"))])
    e.user("admin-unknown", inline=[ADMIN])
    assert facts(e).loc[resetter, "privesc_escalates"]


def test_an_access_key_for_a_user_with_two_keys_needs_delete_access_key_too():
    e = Estate()
    minter = e.user("svc-minter", inline=[policy(allow("iam:CreateAccessKey"))])
    e.user("admin-full", inline=[ADMIN], keys=2)
    assert not facts(e).loc[minter, "privesc_escalates"]
    rotator = e.user("svc-rotator", inline=[policy(allow(["iam:CreateAccessKey", "iam:DeleteAccessKey"]))])
    assert facts(e).loc[rotator, "privesc_path"] == (
        "svc-rotator → iam:CreateAccessKey+iam:DeleteAccessKey → user/admin-full → admin"
    )


def test_an_access_key_for_a_user_with_one_key_is_a_path():
    e = Estate()
    minter = e.user("svc-minter", inline=[policy(allow("iam:CreateAccessKey"))])
    e.user("admin-one-key", inline=[ADMIN], keys=1)
    assert facts(e).loc[minter, "privesc_path"] == "svc-minter → iam:CreateAccessKey → user/admin-one-key → admin"


def test_joining_a_group_without_members_that_grants_admin_is_a_path():
    e = Estate()
    joiner = e.user("svc-joiner", inline=[policy(allow("iam:AddUserToGroup"))])
    e.group("break-glass", inline=[ADMIN])
    assert facts(e).loc[joiner, "privesc_path"] == "svc-joiner → iam:AddUserToGroup → group/break-glass → admin"


def test_joining_a_group_that_grants_nothing_privileged_leaves_the_method_latent():
    e = Estate()
    joiner = e.user("svc-joiner", inline=[policy(allow("iam:AddUserToGroup"))])
    e.group("readers", inline=[policy(allow("s3:GetObject"))])
    row = facts(e).loc[joiner]
    assert not row["privesc_escalates"]
    assert (
        "iam:AddUserToGroup — missing: a group it may join that leads to an administrator" in row["privesc_latent_path"]
    )


def test_add_user_to_group_in_an_account_without_groups_says_there_is_none_to_join():
    e = Estate()
    joiner = e.user("svc-joiner", inline=[policy(allow("iam:AddUserToGroup"))])
    assert "missing: a group to join (the account has none)" in facts(e).loc[joiner, "privesc_latent_path"]


def test_a_role_that_can_act_as_a_user_adds_it_to_an_admin_group():
    e = Estate()
    grant = policy(allow(["iam:AddUserToGroup", "iam:CreateAccessKey"]))
    role = e.role("svc-groups", trust(service="ec2.amazonaws.com"), inline=[grant])
    e.user("svc-puppet")
    e.group("break-glass", inline=[ADMIN])
    assert facts(e).loc[role, "privesc_path"] == (
        "svc-groups → iam:AddUserToGroup user/svc-puppet (which it can act as) → group/break-glass → admin"
    )


def test_a_user_that_may_join_and_write_a_group_writes_itself_admin():
    e = Estate()
    user = e.user("svc-grouper", inline=[policy(allow(["iam:AddUserToGroup", "iam:PutGroupPolicy"]))])
    e.group("readers", inline=[policy(allow("s3:GetObject"))])
    assert facts(e).loc[user, "privesc_path"] == (
        "svc-grouper → iam:AddUserToGroup group/readers + iam:PutGroupPolicy → admin"
    )


def test_a_group_policy_write_matches_the_groups_real_arn_with_its_path():
    e = Estate()
    e.group("devs", inline=[policy(allow("s3:GetObject"))])
    e.groups[-1]["Path"] = "/team/"
    e.groups[-1]["Arn"] = "arn:aws:iam::111122223333:group/team/devs"
    grant = allow("iam:PutGroupPolicy", "arn:aws:iam::111122223333:group/team/*")
    user = e.user("svc-dev", inline=[policy(grant)], groups=["devs"])
    assert facts(e).loc[user, "privesc_path"] == "svc-dev → iam:PutGroupPolicy → admin"


def test_passing_a_role_to_ec2_needs_an_instance_profile_that_holds_it():
    e = Estate()
    launcher = e.user("svc-launcher", inline=[policy(allow(["iam:PassRole", "ec2:RunInstances"]))])
    e.role("ec2-admin", trust(service="ec2.amazonaws.com"), inline=[ADMIN])
    row = facts(e).loc[launcher]
    assert not row["privesc_escalates"] and "also needs an instance profile" in row["privesc_latent_path"]
    e.role("ec2-admin-profiled", trust(service="ec2.amazonaws.com"), inline=[ADMIN], instance_profile=True)
    assert facts(e).loc[launcher, "privesc_path"] == (
        "svc-launcher → iam:PassRole+ec2:RunInstances → pass role/ec2-admin-profiled to ec2.amazonaws.com → admin"
    )


def test_a_group_whose_policy_is_missing_from_the_snapshot_makes_joining_it_undecidable():
    e = Estate()
    joiner = e.user("svc-joiner", inline=[policy(allow("iam:AddUserToGroup"))])
    e.group("vendor", managed=["arn:aws:iam::aws:policy/NotCollected"])
    row = facts(e).loc[joiner]
    assert row["privesc_undecidable"]
    assert (
        "iam:AddUserToGroup → group/vendor → undecidable: its attached policies are not all in the snapshot"
        in row["privesc_latent_path"]
    )


def test_a_credential_report_in_the_snapshot_leaves_assume_paths_as_they_were():
    e = Estate()
    ci = e.user("svc-ci", inline=[policy(allow("sts:AssumeRole"))], password=False)
    e.role("deployer", trust(ROOT), inline=[policy(allow("iam:AttachRolePolicy"))])
    assert facts(e).loc[ci, "privesc_path"] == (
        "svc-ci → assume role/deployer (trusts account root) → iam:AttachRolePolicy → admin"
    )
