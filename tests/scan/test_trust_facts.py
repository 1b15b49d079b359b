"""Facts of a role's trust policy: open doors, confused-deputy trusts and OIDC subjects."""

from typing import Any

from assurance_jobs.scan.trust import trust_facts

OWN = "111111111111"
PARTNER = "222222222222"
KNOWN = "333333333333"
GITHUB = f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com"
GH_AUD = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}


def trust(principal: Any, action: str = "sts:AssumeRole", condition: dict | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def facts(doc: dict[str, Any]):
    return trust_facts(doc, OWN, [KNOWN])


def test_principal_star_without_condition_is_open():
    assert facts(trust("*")).open_to_any_unconditioned


def test_aws_star_without_condition_is_open():
    assert facts(trust({"AWS": "*"})).open_to_any_unconditioned


def test_principal_star_with_an_org_condition_is_not_open():
    doc = trust({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})
    assert not facts(doc).open_to_any_unconditioned


def test_cross_account_trust_without_external_id_is_reported():
    doc = trust({"AWS": [f"arn:aws:iam::{PARTNER}:root", OWN]})
    assert facts(doc).cross_account_without_external_id == (PARTNER,)


def test_bare_account_id_principal_is_read_as_that_account():
    assert facts(trust({"AWS": PARTNER})).cross_account_without_external_id == (PARTNER,)


def test_cross_account_trust_with_external_id_is_not_reported():
    doc = trust({"AWS": f"arn:aws:iam::{PARTNER}:role/vendor"}, condition={"StringEquals": {"STS:ExternalId": "x"}})
    assert facts(doc).cross_account_without_external_id == ()


def test_known_account_is_exempt():
    assert facts(trust({"AWS": f"arn:aws:iam::{KNOWN}:root"})).cross_account_without_external_id == ()


def test_oidc_without_any_sub_condition_is_unconstrained():
    result = facts(trust({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity"))
    assert result.oidc_subject_unconstrained
    assert result.oidc_providers == ("token.actions.githubusercontent.com",)


def test_oidc_with_only_an_aud_condition_is_unconstrained():
    doc = trust({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity", {"StringEquals": GH_AUD})
    assert facts(doc).oidc_subject_unconstrained


def test_oidc_with_a_repository_sub_condition_is_constrained():
    sub = {"token.actions.githubusercontent.com:sub": "repo:my-org/app:ref:refs/heads/main"}
    doc = trust({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity", {"StringEquals": {**GH_AUD, **sub}})
    assert not facts(doc).oidc_subject_unconstrained


def test_oidc_sub_like_any_repository_is_unconstrained():
    sub = {"token.actions.githubusercontent.com:sub": "repo:*"}
    doc = trust({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity", {"StringLike": sub})
    assert facts(doc).oidc_subject_unconstrained


def test_oidc_sub_like_one_organisation_is_constrained():
    sub = {"token.actions.githubusercontent.com:sub": "repo:my-org/*"}
    doc = trust({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity", {"StringLike": sub})
    assert not facts(doc).oidc_subject_unconstrained


def test_service_principals_are_listed():
    doc = trust({"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]})
    assert facts(doc).service_principals == ("ec2.amazonaws.com", "lambda.amazonaws.com")
