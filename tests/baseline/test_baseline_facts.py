"""Baseline facts per identity: live permissions, trust and owner against the approved baseline; JIT windows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from assurance_jobs.baseline.approvals import baseline_identity_facts
from assurance_jobs.baseline.model import Baseline, parse_baseline
from assurance_jobs.scan.principal_permissions import permissions_by_principal

ACCOUNT = "123456789012"
DEPLOY = f"arn:aws:iam::{ACCOUNT}:role/ci-deploy-prod"
WORKER = f"arn:aws:iam::{ACCOUNT}:role/etl-worker"
OTHER = f"arn:aws:iam::{ACCOUNT}:role/unrelated"
DEPLOY_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/ci-deploy"
IAM_FULL = "arn:aws:iam::aws:policy/IAMFullAccess"
NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
POLICY_COLUMNS = ["account_id", "principal_arn", "attachment", "policy_name", "policy_arn", "via_group", "document",
                  "parse_error"]  # fmt: skip


def allow(*actions: str) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}
    )


def trust(*principals: str, kind: str = "AWS") -> str:
    statement = {"Effect": "Allow", "Principal": {kind: list(principals)}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def identity(
    arn: str, *, tags: dict[str, str] | None = None, owner: str | None = None, trust_policy: str | None = None
):
    return {"account_id": ACCOUNT, "arn": arn, "kind": "role", "name": arn.rsplit("/", 1)[1],
            "tags": json.dumps(tags or {}), "owner": owner, "trust_policy": trust_policy}  # fmt: skip


def attached(principal: str, document: str, *, arn: str | None = None, name: str = "p", how: str = "managed"):
    return {"account_id": ACCOUNT, "principal_arn": principal, "attachment": how, "policy_name": name,
            "policy_arn": arn, "via_group": None, "document": document, "parse_error": None}  # fmt: skip


def facts(identities: list[dict], policies: list[dict], baseline: Baseline, at: datetime = NOW) -> pd.DataFrame:
    ids, pols = pd.DataFrame(identities), pd.DataFrame(policies, columns=POLICY_COLUMNS)
    frame = baseline_identity_facts(ids, pols, permissions_by_principal(pols), baseline, at)
    return frame.set_index("arn")


def deploy_baseline(**extra: object) -> Baseline:
    entry = {"arn": f"arn:aws:iam::{ACCOUNT}:role/ci-deploy-*", "approved_managed_policies": [DEPLOY_POLICY], **extra}
    return parse_baseline({"identities": [entry]})


DEPLOY_ATTACHED = attached(DEPLOY, allow("cloudformation:CreateStack", "s3:GetObject"), arn=DEPLOY_POLICY)


# ------------------------------------------------------------------------------------------------ selection


def test_arn_glob_selects_only_matching_identities() -> None:
    row = facts([identity(DEPLOY), identity(OTHER)], [DEPLOY_ATTACHED], deploy_baseline())
    assert row["in_baseline"].to_dict() == {DEPLOY: True, OTHER: False}


def test_tag_selector_matches_key_and_value_glob() -> None:
    baseline = parse_baseline({"identities": [{"tag": {"key": "app", "value": "etl-*"}, "approved_actions": []}]})
    rows = facts([identity(WORKER, tags={"app": "etl-nightly"}), identity(OTHER, tags={"team": "etl-x"})], [], baseline)
    assert rows["in_baseline"].to_dict() == {WORKER: True, OTHER: False}


def test_arn_and_tag_in_one_entry_must_both_match() -> None:
    entry = {"arn": f"arn:aws:iam::{ACCOUNT}:role/*", "tag": {"key": "app", "value": "etl"}, "approved_actions": []}
    rows = facts([identity(WORKER, tags={"app": "etl"}), identity(OTHER)], [], parse_baseline({"identities": [entry]}))
    assert rows["in_baseline"].to_dict() == {WORKER: True, OTHER: False}


# ------------------------------------------------------------------------------------------------ permissions


def test_live_permissions_within_approved_managed_policy_pass() -> None:
    row = facts([identity(DEPLOY)], [DEPLOY_ATTACHED], deploy_baseline()).loc[DEPLOY]
    assert (row["unapproved_permission_count"], row["unapproved_permissions"]) == (0, "")


def test_live_permissions_within_approved_action_patterns_pass() -> None:
    baseline = parse_baseline({"identities": [{"arn": WORKER, "approved_actions": ["s3:Get*", "glue:StartJobRun"]}]})
    policies = [attached(WORKER, allow("s3:GetObject", "glue:StartJobRun"), how="inline")]
    assert facts([identity(WORKER)], policies, baseline).loc[WORKER, "unapproved_permission_count"] == 0


def test_attached_extra_managed_policy_fails_with_its_arn_and_new_actions() -> None:
    extra = attached(DEPLOY, allow("iam:CreateUser"), arn=IAM_FULL, name="IAMFullAccess")
    row = facts([identity(DEPLOY)], [DEPLOY_ATTACHED, extra], deploy_baseline()).loc[DEPLOY]
    assert (row["unapproved_managed_policies"], row["unapproved_actions"]) == (IAM_FULL, "iam:createuser")
    assert row["unapproved_permission_count"] == 2


def test_inline_grant_beyond_approved_actions_counts_every_action() -> None:
    inline = attached(DEPLOY, allow("s3:DeleteObject", "s3:PutObject"), how="inline")
    row = facts([identity(DEPLOY)], [DEPLOY_ATTACHED, inline], deploy_baseline()).loc[DEPLOY]
    assert (row["unapproved_action_count"], row["unapproved_actions"]) == (2, "s3:deleteobject,s3:putobject")


def test_unapproved_action_list_is_capped_but_counted_in_full() -> None:
    admin = attached(DEPLOY, allow("*"), how="inline")
    row = facts([identity(DEPLOY)], [DEPLOY_ATTACHED, admin], deploy_baseline()).loc[DEPLOY]
    assert row["unapproved_action_count"] > 10000 and row["unapproved_actions"].endswith(" more)")


def test_identity_outside_the_baseline_measures_zero() -> None:
    row = facts([identity(OTHER, trust_policy=trust("*"))], [attached(OTHER, allow("*"))], deploy_baseline()).loc[OTHER]
    assert (row["unapproved_permission_count"], row["unapproved_trust_principal_count"]) == (0, 0)
    assert not row["baseline_owner_mismatch"]


# ------------------------------------------------------------------------------------------------ trust


def test_trust_widened_to_an_unapproved_account_fails() -> None:
    baseline = deploy_baseline(approved_trust_principals=[f"arn:aws:iam::{ACCOUNT}:role/ci-runner"])
    live = trust(f"arn:aws:iam::{ACCOUNT}:role/ci-runner", "arn:aws:iam::444455556666:root")
    row = facts([identity(DEPLOY, trust_policy=live)], [DEPLOY_ATTACHED], baseline).loc[DEPLOY]
    assert (row["unapproved_trust_principals"], row["unapproved_trust_principal_count"]) == (
        "arn:aws:iam::444455556666:root",
        1,
    )


def test_approved_account_id_covers_any_principal_of_that_account() -> None:
    baseline = deploy_baseline(approved_trust_principals=["111122223333"])
    live = trust("arn:aws:iam::111122223333:role/auditor", "111122223333")
    row = facts([identity(DEPLOY, trust_policy=live)], [DEPLOY_ATTACHED], baseline).loc[DEPLOY]
    assert row["unapproved_trust_principal_count"] == 0


def test_approved_oidc_host_covers_the_provider_arn() -> None:
    baseline = deploy_baseline(approved_trust_principals=["token.actions.githubusercontent.com"])
    live = trust(f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com", kind="Federated")
    row = facts([identity(DEPLOY, trust_policy=live)], [DEPLOY_ATTACHED], baseline).loc[DEPLOY]
    assert row["unapproved_trust_principal_count"] == 0


def test_open_trust_is_unapproved_unless_star_is_approved() -> None:
    baseline = deploy_baseline(approved_trust_principals=["lambda.amazonaws.com"])
    row = facts([identity(DEPLOY, trust_policy=trust("*"))], [DEPLOY_ATTACHED], baseline).loc[DEPLOY]
    assert row["unapproved_trust_principals"] == "*"


def test_unreadable_trust_policy_is_reported_not_approved() -> None:
    baseline = deploy_baseline(approved_trust_principals=["lambda.amazonaws.com"])
    row = facts([identity(DEPLOY, trust_policy="{not json")], [DEPLOY_ATTACHED], baseline).loc[DEPLOY]
    assert row["unapproved_trust_principals"] == "(unreadable trust policy)"


# ------------------------------------------------------------------------------------------------ owner


@pytest.mark.parametrize(("owner", "mismatch"), [("Platform@Example.com", False), ("someone@example.com", True),
                                                 (None, True)])  # fmt: skip
def test_owner_must_match_the_approved_owner_ignoring_case(owner: str | None, mismatch: bool) -> None:
    baseline = deploy_baseline(approved_owner="platform@example.com")
    row = facts([identity(DEPLOY, owner=owner)], [DEPLOY_ATTACHED], baseline).loc[DEPLOY]
    assert row["baseline_owner_mismatch"] == mismatch


# ------------------------------------------------------------------------------------------------ JIT


def jit_baseline() -> Baseline:
    grant = {"identity_arn": DEPLOY, "elevated_policy": IAM_FULL,
             "window_start": "2026-11-25T05:00:00Z", "window_end": "2026-11-25T07:00:00Z"}  # fmt: skip
    entry = {"arn": DEPLOY, "approved_managed_policies": [DEPLOY_POLICY]}
    return parse_baseline({"identities": [entry], "jit_grants": [grant]})


ELEVATION = attached(DEPLOY, allow("iam:CreateUser"), arn=IAM_FULL, name="IAMFullAccess")


def test_jit_elevation_inside_its_window_is_approved() -> None:
    row = facts([identity(DEPLOY)], [DEPLOY_ATTACHED, ELEVATION], jit_baseline(), at=NOW).loc[DEPLOY]
    assert (row["unapproved_permission_count"], row["jit_expired_grant_count"]) == (0, 0)


def test_jit_elevation_still_attached_after_its_window_fails() -> None:
    later = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    row = facts([identity(DEPLOY)], [DEPLOY_ATTACHED, ELEVATION], jit_baseline(), at=later).loc[DEPLOY]
    assert (row["jit_expired_grants"], row["jit_expired_grant_count"]) == (IAM_FULL, 1)


def test_jit_elevation_detached_after_its_window_passes() -> None:
    later = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    row = facts([identity(DEPLOY)], [DEPLOY_ATTACHED], jit_baseline(), at=later).loc[DEPLOY]
    assert (row["jit_expired_grant_count"], row["unapproved_permission_count"]) == (0, 0)


def test_jit_grant_naming_an_inline_policy_matches_by_name() -> None:
    grant = {"identity_arn": DEPLOY, "elevated_policy": "break-glass",
             "window_start": "2026-11-24T05:00:00Z", "window_end": "2026-11-24T07:00:00Z"}  # fmt: skip
    inline = attached(DEPLOY, allow("iam:*"), name="break-glass", how="inline")
    row = facts([identity(DEPLOY)], [inline], parse_baseline({"jit_grants": [grant]})).loc[DEPLOY]
    assert row["jit_expired_grants"] == "break-glass"
