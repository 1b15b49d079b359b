"""Day-over-day drift: what changed between two stored days, and what of it the baseline does not approve."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from assurance_jobs.baseline.drift import DriftReport, compute_drift
from assurance_jobs.baseline.model import Baseline, parse_baseline
from assurance_jobs.scan.principal_permissions import permissions_by_principal

ACCOUNT = "123456789012"
APP = f"arn:aws:iam::{ACCOUNT}:role/app"
CI = f"arn:aws:iam::{ACCOUNT}:role/ci"
NEW = f"arn:aws:iam::{ACCOUNT}:role/new"
DAY2 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
POLICY_COLUMNS = ["account_id", "principal_arn", "attachment", "policy_name", "policy_arn", "via_group", "document",
                  "parse_error"]  # fmt: skip


@dataclass(frozen=True)
class Day:
    identities: pd.DataFrame
    credentials: pd.DataFrame
    policies: pd.DataFrame


def allow(*actions: str) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}
    )


def trust(*accounts: str) -> str:
    principal = {"AWS": [f"arn:aws:iam::{a}:root" for a in accounts]}
    return json.dumps({"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})


def role(arn: str, owner: str | None = None, trusted: tuple[str, ...] = ()) -> dict:
    return {"account_id": ACCOUNT, "arn": arn, "kind": "role", "tags": "{}", "owner": owner,
            "trust_policy": trust(*trusted) if trusted else None, "classification_reason": "role",
            "source_file": f"{ACCOUNT}/iam_authorization_details.json", "source_sha256": "ab12"}  # fmt: skip


def key(user: str, number: int) -> dict:
    return {
        "account_id": ACCOUNT,
        "credential_id": f"{user}/access_key_{number}",
        "kind": "access_key",
        "owner_arn": user,
    }


def inline(principal: str, *actions: str) -> dict:
    return {"account_id": ACCOUNT, "principal_arn": principal, "attachment": "inline", "policy_name": "p",
            "policy_arn": None, "via_group": None, "document": allow(*actions), "parse_error": None}  # fmt: skip


def day(identities: list[dict], policies: list[dict] = (), credentials: list[dict] = ()) -> Day:  # type: ignore[assignment]
    cred_columns = ["account_id", "credential_id", "kind", "owner_arn"]
    return Day(pd.DataFrame(identities), pd.DataFrame(credentials, columns=cred_columns),
               pd.DataFrame(policies, columns=POLICY_COLUMNS))  # fmt: skip


def drift(prev: Day, curr: Day, baseline: Baseline | None = None) -> DriftReport:
    perms1, perms2 = permissions_by_principal(prev.policies), permissions_by_principal(curr.policies)
    return compute_drift(prev, curr, perms1, perms2, taken_at=DAY2, baseline=baseline or Baseline())


def test_identity_added_and_removed_are_listed() -> None:
    report = drift(day([role(APP), role(CI)]), day([role(APP), role(NEW)]))
    assert report.identity_changes[["arn", "change"]].to_dict("records") == [
        {"arn": NEW, "change": "added"},
        {"arn": CI, "change": "removed"},
    ]


def test_credential_added_and_removed_are_listed() -> None:
    report = drift(day([role(APP)], credentials=[key("u", 1)]), day([role(APP)], credentials=[key("u", 2)]))
    assert report.credential_changes[["credential_id", "change"]].to_dict("records") == [
        {"credential_id": "u/access_key_2", "change": "added"},
        {"credential_id": "u/access_key_1", "change": "removed"},
    ]


def test_permission_added_shows_the_new_effective_actions() -> None:
    report = drift(day([role(APP)], [inline(APP, "s3:GetObject")]), day([role(APP)], [inline(APP, "s3:Get*")]))
    (change,) = report.permission_changes.to_dict("records")
    assert change["added_count"] > 1 and "s3:getbucketpolicy" in change["added_actions"]
    assert change["removed_count"] == 0


def test_permission_removed_shows_the_lost_actions() -> None:
    report = drift(day([role(APP)], [inline(APP, "s3:GetObject", "s3:PutObject")]),
                   day([role(APP)], [inline(APP, "s3:GetObject")]))  # fmt: skip
    assert report.permission_changes[["removed_actions", "added_count"]].to_dict("records") == [
        {"removed_actions": "s3:putobject", "added_count": 0}
    ]


def test_unchanged_estate_has_no_drift() -> None:
    same = day([role(APP, owner="a@example.com")], [inline(APP, "s3:GetObject")])
    report = drift(same, same)
    tables = [report.identity_changes, report.permission_changes, report.trust_changes, report.owner_changes]
    assert [len(t) for t in tables] == [0, 0, 0, 0]


def test_trust_widened_lists_the_new_principal() -> None:
    report = drift(
        day([role(APP, trusted=("111122223333",))]), day([role(APP, trusted=("111122223333", "444455556666"))])
    )
    assert report.trust_changes[["added_principals", "removed_count"]].to_dict("records") == [
        {"added_principals": "arn:aws:iam::444455556666:root", "removed_count": 0}
    ]


def test_owner_change_records_both_owners() -> None:
    report = drift(day([role(APP, owner="a@example.com")]), day([role(APP, owner="b@example.com")]))
    assert report.owner_changes[["previous_owner", "current_owner"]].to_dict("records") == [
        {"previous_owner": "a@example.com", "current_owner": "b@example.com"}
    ]


def test_privilege_creep_compares_sensitive_action_counts() -> None:
    report = drift(
        day([role(APP)], [inline(APP, "s3:GetObject")]), day([role(APP)], [inline(APP, "iam:AttachRolePolicy")])
    )
    assert report.privilege_creep[["previous_sensitive_actions", "current_sensitive_actions", "change"]].to_dict(
        "records"
    ) == [{"previous_sensitive_actions": 0, "current_sensitive_actions": 1, "change": 1}]


# ------------------------------------------------------------------- changes outside the baseline (the drift facts)


def test_permission_added_outside_the_baseline_is_counted() -> None:
    report = drift(
        day([role(APP)], [inline(APP, "s3:GetObject")]), day([role(APP)], [inline(APP, "s3:GetObject", "iam:PassRole")])
    )
    (change,) = report.permission_changes.to_dict("records")
    assert (change["arn"], change["added_outside_baseline"], change["added_outside_baseline_count"]) == (
        APP,
        "iam:passrole",
        1,
    )


def test_permission_added_within_the_baseline_is_drift_but_not_outside_it() -> None:
    baseline = parse_baseline({"identities": [{"arn": APP, "approved_actions": ["s3:*"]}]})
    report = drift(
        day([role(APP)], [inline(APP, "s3:GetObject")]), day([role(APP)], [inline(APP, "s3:Get*")]), baseline
    )
    (change,) = report.permission_changes.to_dict("records")
    assert change["added_count"] > 0
    assert change["added_outside_baseline_count"] == 0


def test_trust_widened_outside_the_baseline_is_counted_only_where_unapproved() -> None:
    baseline = parse_baseline(
        {"identities": [{"arn": CI, "approved_trust_principals": ["111122223333", "444455556666"]}]}
    )
    prev = day([role(APP, trusted=("111122223333",)), role(CI, trusted=("111122223333",))])
    curr = day(
        [role(APP, trusted=("111122223333", "444455556666")), role(CI, trusted=("111122223333", "444455556666"))]
    )
    report = drift(prev, curr, baseline)
    outside = dict(zip(report.trust_changes["arn"], report.trust_changes["added_outside_baseline_count"], strict=True))
    assert outside == {APP: 1, CI: 0}
