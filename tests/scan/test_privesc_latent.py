"""Latent escalation (NHI-LP-008): a method held with its prerequisite missing, or not decidable from the snapshot.

Each estate shows one case in the real authorization-details format; the facts are the pipeline's.
"""

from __future__ import annotations

from privesc_estate import ADMIN, ROOT, Estate, allow, facts, policy, trust

LAMBDA = ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]
LAMBDA_METHOD = "iam:PassRole+lambda:CreateFunction+lambda:InvokeFunction"
LAMBDA_SOURCE = "data/paths/lambda/lambda-001.yaml"


def _deployer(e: Estate) -> str:
    return e.role("lambda-deployer", trust(service="codebuild.amazonaws.com"), inline=[policy(allow(LAMBDA))])


def test_passrole_with_no_role_trusting_the_service_is_latent_and_names_what_is_missing():
    e = Estate()
    deployer = _deployer(e)
    row = facts(e).loc[deployer]
    assert not row["privesc_escalates"] and row["privesc_latent"] and not row["privesc_undecidable"]
    assert row["privesc_latent_path"].startswith(
        f"lambda-deployer → {LAMBDA_METHOD} — missing: a passable privileged role that trusts lambda.amazonaws.com"
    )


def test_latent_finding_cites_the_methods_published_source():
    e = Estate()
    deployer = _deployer(e)
    assert LAMBDA_SOURCE in facts(e).loc[deployer, "privesc_latent_path"]


def test_a_passable_role_trusting_the_service_that_is_not_privileged_leaves_the_method_latent():
    e = Estate()
    deployer = _deployer(e)
    e.role("lambda-logs", trust(service="lambda.amazonaws.com"), inline=[policy(allow("logs:PutLogEvents"))])
    row = facts(e).loc[deployer]
    assert not row["privesc_escalates"] and row["privesc_latent"]


def test_one_privileged_role_trusting_the_service_turns_latent_into_a_path_reported_once():
    e = Estate()
    deployer = _deployer(e)
    e.role("lambda-admin", trust(service="lambda.amazonaws.com"), inline=[ADMIN])
    row = facts(e).loc[deployer]
    assert row["privesc_escalates"] and not row["privesc_latent"] and row["privesc_latent_path"] == ""


def test_an_administrator_is_neither_escalating_nor_latent():
    e = Estate()
    admin = e.user("svc-admin", inline=[ADMIN])
    row = facts(e).loc[admin]
    assert row["effective_admin"] and not row["privesc_escalates"] and not row["privesc_latent"]


def test_a_principal_holding_no_method_is_not_latent():
    e = Estate()
    reader = e.user("svc-reader", inline=[policy(allow("s3:GetObject"))])
    row = facts(e).loc[reader]
    assert not row["privesc_latent"] and row["privesc_latent_path"] == ""


def test_assume_role_with_no_privileged_role_trusting_it_is_latent():
    e = Estate()
    ci = e.user("svc-ci", inline=[policy(allow("sts:AssumeRole"))])
    e.role("reader", trust(ROOT), inline=[policy(allow("s3:GetObject"))])
    path = facts(e).loc[ci, "privesc_latent_path"]
    assert path.startswith("svc-ci → sts:AssumeRole — missing: a privileged role that trusts it or its account root")


def test_a_principal_that_can_become_a_latent_one_is_latent_through_it():
    e = Estate()
    bare = e.user("svc-bare")
    e.role("deployer", trust(bare), inline=[policy(allow(LAMBDA))])
    row = facts(e).loc[bare]
    assert row["privesc_latent"]
    assert row["privesc_latent_path"].startswith(
        f"svc-bare → assume role/deployer (trusts user/svc-bare) → {LAMBDA_METHOD}"
    )


def test_an_existing_resource_method_without_a_resource_inventory_is_undecidable_and_says_what_would_decide_it():
    e = Estate()
    dev = e.role("svc-dev", trust(service="ec2.amazonaws.com"), inline=[policy(allow("lambda:UpdateFunctionCode"))])
    e.role("fn-admin", trust(service="lambda.amazonaws.com"), inline=[ADMIN])
    row = facts(e).loc[dev]
    assert not row["privesc_escalates"] and row["privesc_latent"] and row["privesc_undecidable"]
    assert (
        "lambda:UpdateFunctionCode — undecidable: needs the Lambda functions and their execution roles"
        in row["privesc_latent_path"]
    )


def test_undecidable_methods_come_first_then_the_missing_ones():
    e = Estate()
    ops = e.role("ops", trust(service="ec2.amazonaws.com"), inline=[policy(allow(["ssm:SendCommand", *LAMBDA]))])
    undecidable, missing = facts(e).loc[ops, "privesc_latent_path"].split(" | ")
    assert "ssm:SendCommand — undecidable" in undecidable and f"{LAMBDA_METHOD} — missing" in missing


def test_cloudformation_update_stack_is_no_longer_a_critical_path_without_a_stack_inventory():
    e = Estate()
    cfn = e.role(
        "cfn-operator", trust(service="ec2.amazonaws.com"), inline=[policy(allow("cloudformation:UpdateStack"))]
    )
    e.role("cfn-admin", trust(service="cloudformation.amazonaws.com"), inline=[ADMIN])
    row = facts(e).loc[cfn]
    assert not row["privesc_escalates"] and row["privesc_undecidable"]
