"""Kubernetes subjects in the report: their identity pages name the cluster and namespace, and a cluster gets a
Cluster filter beside the account filter (its rows carry `data-account="k8s:<cluster>"`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from kubernetes_fixtures import analysed, cluster_role_binding, sa_subject, service_account

from assurance_jobs.output.html import render_report
from assurance_jobs.output.kubernetes import header_facts, rbac_facts
from assurance_jobs.output.status import evidence_gaps
from assurance_jobs.output.synthetic import ACCOUNT, finding, make_bundle, rule_meta, rule_result
from assurance_jobs.output.views import identity_href, row_scope
from assurance_jobs.scan.kubernetes.inventory import frame
from assurance_jobs.schema import KUBERNETES_SUBJECT_COLUMNS

SUBJECT = "k8s:prod:serviceaccount:ci:deployer"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    found = analysed(
        service_account("ci", "deployer"),
        cluster_role_binding("ci-admin", "cluster-admin", sa_subject("ci", "deployer")),
    )
    subjects = frame(found.subjects, KUBERNETES_SUBJECT_COLUMNS, ("arn",))
    k8s_rule = rule_meta("NHI-K8S-001", "kubernetes", "critical", "kubernetes_subjects", "cluster-admin bound")
    bundle = make_bundle(
        findings=[
            finding(
                "NHI-K8S-001",
                SUBJECT,
                account_id="k8s:prod",
                family="kubernetes",
                source_file="k8s:prod/kubernetes_rbac.json",
            )
        ],
        rule_results=[rule_result("NHI-K8S-001", "FAIL", account="k8s:prod"), rule_result("NHI-ROT-001", "PASS")],
        rules=[k8s_rule],
        kubernetes_subjects=subjects,
    )
    out = tmp_path_factory.mktemp("k8s-report")
    render_report(bundle, out)
    return out


def test_a_subject_page_names_its_cluster_and_namespace(report: Path) -> None:
    page = (report / identity_href(SUBJECT)).read_text(encoding="utf-8")
    assert "<dt>Cluster</dt><dd>prod</dd>" in page
    assert "<dt>Namespace</dt><dd>ci</dd>" in page
    assert "ClusterRoleBinding/ci-admin → ClusterRole/cluster-admin" in page


def test_the_rule_page_offers_a_cluster_filter(report: Path) -> None:
    page = (report / "rules" / "NHI-K8S-001.html").read_text(encoding="utf-8")
    assert '<select id="filter-cluster">' in page and '<option value="k8s:prod">prod</option>' in page
    assert 'data-account="k8s:prod"' in page


def test_a_cluster_scope_is_no_aws_account_but_keeps_its_row_scope() -> None:
    assert (row_scope("k8s:prod"), row_scope("k8s:*"), row_scope(ACCOUNT)) == ("k8s:prod", "*", ACCOUNT)


def test_an_iam_identity_page_gains_no_kubernetes_facts() -> None:
    row = pd.Series({"arn": "arn:aws:iam::1:role/x", "kind": "role"}).to_dict()
    assert (header_facts(row), rbac_facts(row)) == ([], [])


def test_without_a_cluster_the_banner_lists_kubernetes_as_not_configured() -> None:
    reason = "no Kubernetes cluster is configured (clusters:), so none was judged"
    results = pd.DataFrame(
        [rule_result("NHI-K8S-001", "INCOMPLETE", account="k8s:*", missing_sources="kubernetes_rbac", reason=reason)]
    )
    gaps = evidence_gaps(results, [])
    assert gaps["could_not_collect"] == []
    assert [(g["why"], g["rules"]) for g in gaps["not_configured"]] == [(reason, ["NHI-K8S-001"])]
