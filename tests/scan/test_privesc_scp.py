"""Service and resource control policies as guardrails: the organization's input as a collector would produce it
(DescribePolicy content, ListTargetsForPolicy targets, each account's ancestors), evaluated the way AWS does."""

from __future__ import annotations

import json

from fixtures.inventory.snapshot_builder import ACCOUNT
from privesc_estate import ADMIN, ROOT, Estate, allow, deny, facts, policy, trust

from assurance_jobs.scan.privesc_org import RCP, SCP, Organization, OrganizationPolicy, PolicyTarget

MANAGEMENT = "000011112222"
ROOT_ID, PROD, EU = "r-ab12", "ou-ab12-prod0001", "ou-ab12-eu000001"
LEVELS = (
    PolicyTarget(ROOT_ID, "Root", "ROOT"),
    PolicyTarget(PROD, "prod", "ORGANIZATIONAL_UNIT"),
    PolicyTarget(EU, "prod-eu", "ORGANIZATIONAL_UNIT"),
    PolicyTarget(ACCOUNT, "workloads", "ACCOUNT"),
)
LAMBDA = ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]
LAMBDA_METHOD = "iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction"


def _policy(name: str, *statements: dict, targets: tuple[PolicyTarget, ...], kind: str = SCP) -> OrganizationPolicy:
    return OrganizationPolicy(f"p-{name}", name, kind, json.dumps(policy(*statements)), targets)


FULL_ACCESS = _policy("FullAWSAccess", allow("*"), targets=LEVELS)


def _organization(*policies: OrganizationPolicy, management: str = MANAGEMENT, **extra: object) -> Organization:
    ancestors = {ACCOUNT: (ROOT_ID, PROD, EU), MANAGEMENT: (ROOT_ID,)}
    return Organization(management, ancestors, (FULL_ACCESS, *policies), **extra)  # type: ignore[arg-type]


def _lambda_estate(account_id: str = ACCOUNT) -> tuple[Estate, str]:
    e = Estate(account_id=account_id)
    deployer = e.role("lambda-deployer", trust(service="codebuild.amazonaws.com"), inline=[policy(allow(LAMBDA))])
    e.role("lambda-admin", trust(service="lambda.amazonaws.com"), inline=[ADMIN])
    return e, deployer


DENY_PASSROLE = _policy("deny-passrole", allow("*"), deny("iam:PassRole"), targets=(LEVELS[1],))


def test_an_scp_deny_at_an_ou_blocks_the_method_and_says_which_policy_where():
    e, deployer = _lambda_estate()
    row = facts(e, organization=_organization(DENY_PASSROLE)).loc[deployer]
    assert not row["privesc_escalates"] and LAMBDA_METHOD not in row["privesc_methods"]
    assert row["privesc_blocked"] == (
        f"{LAMBDA_METHOD}: iam:PassRole denied by SCP deny-passrole attached to {PROD} (prod) "
        f"(path {ROOT_ID} (Root) → {PROD} (prod) → {EU} (prod-eu) → {ACCOUNT} (workloads))"
    )


def test_an_action_allowed_at_the_root_but_by_no_scp_attached_at_an_ou_below_is_blocked():
    e, deployer = _lambda_estate()
    full_except_eu = _policy("FullAWSAccess", allow("*"), targets=(LEVELS[0], LEVELS[1], LEVELS[3]))
    eu_allow_list = _policy("eu-allow-list", allow(["lambda:*", "s3:*"]), targets=(LEVELS[2],))
    org = Organization(MANAGEMENT, {ACCOUNT: (ROOT_ID, PROD, EU)}, (full_except_eu, eu_allow_list))
    row = facts(e, organization=org).loc[deployer]
    assert not row["privesc_escalates"]
    assert row["privesc_blocked"].startswith(f"{LAMBDA_METHOD}: iam:PassRole allowed by no SCP attached to {EU}")


def test_the_management_account_is_not_bound_by_scps():
    e, deployer = _lambda_estate(MANAGEMENT)
    row = facts(e, organization=_organization(DENY_PASSROLE)).loc[deployer]
    assert row["privesc_escalates"] and row["privesc_blocked"] == ""


def test_an_account_outside_the_organization_is_not_bound_by_its_scps():
    e, deployer = _lambda_estate("555566667777")
    assert facts(e, organization=_organization(DENY_PASSROLE)).loc[deployer, "privesc_escalates"]


def test_a_service_linked_role_is_not_bound_by_scps():
    e = Estate()
    linked = e.role("AWSServiceRoleForOps", trust(service="ops.amazonaws.com"), inline=[policy(allow(LAMBDA))])
    e.roles[-1]["Path"] = "/aws-service-role/ops.amazonaws.com/"
    row = facts(e, organization=_organization(DENY_PASSROLE)).loc[linked]
    assert LAMBDA_METHOD in row["privesc_methods"] and row["privesc_blocked"] == ""


def test_an_scp_deny_whose_condition_may_hold_does_not_block():
    e, deployer = _lambda_estate()
    unless_admin = {"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/platform-*"}}
    conditional = _policy(
        "deny-passrole-unless-platform",
        {**deny("iam:PassRole"), "Condition": unless_admin},
        targets=(LEVELS[1],),
    )
    row = facts(e, organization=_organization(conditional)).loc[deployer]
    assert row["privesc_escalates"] and row["privesc_blocked"] == ""


def test_an_scp_deny_on_assume_role_closes_even_a_trust_that_names_the_principal():
    e = Estate()
    ci = e.user("svc-ci")
    e.role("admin", trust(ci), inline=[ADMIN])
    deny_assume = _policy("deny-assume", deny("sts:AssumeRole"), targets=(LEVELS[3],))
    assert facts(e).loc[ci, "privesc_escalates"]
    assert not facts(e, organization=_organization(deny_assume)).loc[ci, "privesc_escalates"]


def test_an_rcp_denying_assume_role_closes_assume_edges_into_its_accounts_roles():
    e = Estate()
    ci = e.user("svc-ci", inline=[policy(allow("sts:AssumeRole"))])
    e.role("admin", trust(ROOT), inline=[ADMIN])
    rcp_full = _policy("RCPFullAWSAccess", allow("*"), targets=LEVELS, kind=RCP)
    rcp_deny = _policy("deny-role-assumption", deny("sts:AssumeRole"), targets=(LEVELS[2],), kind=RCP)
    row = facts(e, organization=_organization(rcp_full, rcp_deny)).loc[ci]
    assert not row["privesc_escalates"] and row["privesc_blocked"] == ""


def test_an_administrator_stays_one_when_an_scp_denies_leaving_the_organization():
    e = Estate()
    admin = e.user("svc-admin", inline=[ADMIN])
    stay = _policy("deny-leave", deny("organizations:LeaveOrganization"), targets=(LEVELS[0],))
    assert facts(e, organization=_organization(stay)).loc[admin, "effective_admin"]


def test_an_scp_that_denies_all_of_iam_removes_the_iam_wildcard_from_nhi_lp_002():
    e = Estate()
    wide = e.user("svc-wide", inline=[policy(allow(["iam:*", "kms:*"]))])
    no_iam = _policy("deny-iam", deny("iam:*"), targets=(LEVELS[1],))
    assert facts(e).loc[wide, "sensitive_wildcard_services"] == "iam,kms"
    assert facts(e, organization=_organization(no_iam)).loc[wide, "sensitive_wildcard_services"] == "kms"


def test_full_aws_access_everywhere_changes_no_fact():
    e, _ = _lambda_estate()
    e.user("svc-ci", inline=[policy(allow("sts:AssumeRole"))])
    assert facts(e, organization=_organization()).equals(facts(e))


def test_unreadable_organization_policies_mark_the_accounts_principals():
    e, deployer = _lambda_estate()
    org = _organization(unreadable_accounts=frozenset({ACCOUNT}))
    assert facts(e, organization=org).loc[deployer, "organization_policies_unreadable"] == 1


def test_unreadable_policies_leave_the_management_accounts_verdicts_complete():
    e, deployer = _lambda_estate(MANAGEMENT)
    org = _organization(unreadable_accounts=frozenset({MANAGEMENT}))
    assert facts(e, organization=org).loc[deployer, "organization_policies_unreadable"] == 0
