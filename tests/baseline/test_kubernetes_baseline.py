"""The approved operating model for service accounts, and the RBAC they gained since the previous stored day."""

from __future__ import annotations

import pandas as pd
import pytest
from kubernetes_fixtures import analysed, cluster_role, role_binding, rule, sa_subject, service_account

from assurance_jobs.baseline.kubernetes import subject_baseline_facts, subject_drift_facts
from assurance_jobs.baseline.model import BaselineError, parse_baseline
from assurance_jobs.scan.kubernetes.inventory import frame
from assurance_jobs.schema import KUBERNETES_SUBJECT_COLUMNS

CI = "k8s:prod:serviceaccount:ci:deployer"
EDIT = role_binding("ci", "ci-edit", "ClusterRole/edit", sa_subject("ci", "deployer"))
READER = cluster_role("secret-reader", [rule([""], ["secrets"], ["get"])])
SECRETS = role_binding("ci", "ci-secrets", "ClusterRole/secret-reader", sa_subject("ci", "deployer"))


def subjects(*objects: dict) -> pd.DataFrame:
    return frame(analysed(service_account("ci", "deployer"), *objects).subjects, KUBERNETES_SUBJECT_COLUMNS, ("arn",))


def row(table: pd.DataFrame) -> dict:
    return table.set_index("arn").loc[CI].to_dict()


BASELINE = parse_baseline(
    {
        "service_accounts": [
            {"cluster": "prod", "service_account": "ci/*", "approved_bindings": ["RoleBinding/ci/* → ClusterRole/edit"]}
        ]
    }
)


def test_a_binding_the_baseline_approves_by_glob_is_not_counted() -> None:
    facts = row(subject_baseline_facts(subjects(EDIT), BASELINE))
    assert (facts["in_baseline"], facts["unapproved_binding_count"]) == (True, 0)


def test_a_binding_beyond_the_approved_ones_is_named() -> None:
    facts = row(subject_baseline_facts(subjects(EDIT, READER, SECRETS), BASELINE))
    assert facts["unapproved_bindings"] == "RoleBinding/ci/ci-secrets → ClusterRole/secret-reader"
    assert facts["unapproved_binding_count"] == 1


def test_without_a_baseline_nothing_can_be_judged_unapproved() -> None:
    facts = row(subject_baseline_facts(subjects(EDIT), None))
    assert pd.isna(facts["unapproved_binding_count"])


def test_rbac_gained_overnight_through_an_unapproved_binding_is_drift() -> None:
    yesterday, today = subjects(EDIT), subjects(EDIT, READER, SECRETS)
    facts = row(subject_drift_facts(today, yesterday, BASELINE))
    assert facts["drift_rbac_gained_count"] == 1
    assert facts["drift_rbac_gained"] == "get secrets in ci (RoleBinding/ci/ci-secrets → ClusterRole/secret-reader)"


def test_rbac_gained_through_an_approved_binding_is_no_drift() -> None:
    facts = row(subject_drift_facts(subjects(EDIT), subjects(), BASELINE))
    assert facts["drift_rbac_gained_count"] == 0


def test_without_a_previous_day_drift_is_unknown() -> None:
    assert pd.isna(row(subject_drift_facts(subjects(EDIT), None, BASELINE))["drift_rbac_gained_count"])


def test_a_service_account_entry_must_name_namespace_and_account() -> None:
    with pytest.raises(BaselineError, match=r"service_accounts\[0\].*service_account.*<namespace>/<name>"):
        parse_baseline({"service_accounts": [{"service_account": "deployer"}]})
