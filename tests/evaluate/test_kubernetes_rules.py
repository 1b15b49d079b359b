"""The kubernetes suite judged per cluster scope (`k8s:<cluster>`): a denied resource type makes exactly the rules
that need it INCOMPLETE there, an unreachable cluster all of them, and nothing a cluster says reaches an AWS
account's verdicts (nor the other way round)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
from kubernetes_fixtures import analysed, cluster_role_binding, sa_subject, service_account, token_secret

from assurance_jobs.baseline.kubernetes import subject_drift_facts
from assurance_jobs.evaluate import Evaluation, EvaluationInputs, Suite, evaluate, load_suites
from assurance_jobs.evaluate import synthetic as s
from assurance_jobs.scan.kubernetes.inventory import frame, with_reach
from assurance_jobs.schema import KUBERNETES_SUBJECT_COLUMNS, KUBERNETES_TOKEN_COLUMNS, LINKED_REACH_COLUMNS

CLUSTER = "k8s:prod"
KUBERNETES_SOURCES = (
    "kubernetes_namespaces",
    "kubernetes_service_accounts",
    "kubernetes_token_secrets",
    "kubernetes_rbac",
    "kubernetes_pods",
    "eks_cluster",
    "eks_pod_identity_associations",
)


def _only(*rule_ids: str) -> list[Suite]:
    suites = [replace(suite, rules=tuple(r for r in suite.rules if r.rule_id in rule_ids)) for suite in load_suites()]
    return [suite for suite in suites if suite.rules]


def cluster_ok(**states: str) -> list[dict[str, Any]]:
    """Statuses of one cluster: ok, except the sources named (source=error code)."""
    rows = []
    for source in KUBERNETES_SOURCES:
        code = states.get(source)
        rows.append(s.status(source, CLUSTER, state="error" if code else "ok", error_code=code))
    return rows


def subjects() -> tuple[pd.DataFrame, pd.DataFrame]:
    found = analysed(
        service_account("ci", "deployer"),
        cluster_role_binding("ci-admin", "cluster-admin", sa_subject("ci", "deployer")),
        secrets=[token_secret("ci", "old", "deployer", created="2026-01-01T00:00:00Z")],
    )
    table = with_reach(
        frame(found.subjects, KUBERNETES_SUBJECT_COLUMNS, ("arn",)), pd.DataFrame(columns=list(LINKED_REACH_COLUMNS))
    )
    return table, frame(found.tokens, KUBERNETES_TOKEN_COLUMNS, ("credential_id",))


def run(rule_ids: tuple[str, ...], statuses: list[dict[str, Any]], *, with_cluster: bool = True) -> Evaluation:
    table, tokens = subjects()
    if not with_cluster:
        table, tokens = table.iloc[0:0], tokens.iloc[0:0]
    return evaluate(
        EvaluationInputs(
            tables={
                "identities": s.identities([s.identity("ci-runner")]),
                "credentials": s.credentials([]),
                "kubernetes_subjects": table,
                "kubernetes_tokens": tokens,
            },
            collection_status=s.collection_status(statuses),
            suites=_only(*rule_ids),
            snapshot_id="20261125T060000Z-1a2b3c4d",
            partition_date="2026-11-25",
        )
    )


def verdicts(evaluation: Evaluation, rule_id: str) -> list[tuple[str, str, str]]:
    rows = evaluation.rule_results[evaluation.rule_results["rule_id"] == rule_id]
    return [(r["account_id"], r["status"], r["missing_sources"]) for r in rows.to_dict("records")]


@pytest.fixture(scope="module")
def secrets_denied() -> Evaluation:
    statuses = s.all_ok() + cluster_ok(kubernetes_token_secrets="Forbidden")
    return run(("NHI-K8S-001", "NHI-K8S-011", "NHI-OFF-003"), statuses)


def test_a_kubernetes_rule_is_judged_for_the_cluster_only(secrets_denied: Evaluation) -> None:
    assert verdicts(secrets_denied, "NHI-K8S-001") == [(CLUSTER, "FAIL", "")]


def test_an_aws_rule_is_judged_for_the_account_only(secrets_denied: Evaluation) -> None:
    assert [account for account, _, _ in verdicts(secrets_denied, "NHI-OFF-003")] == [s.ACCOUNT]


def test_a_403_on_secrets_leaves_exactly_the_token_rules_incomplete_for_that_cluster(
    secrets_denied: Evaluation,
) -> None:
    assert verdicts(secrets_denied, "NHI-K8S-011") == [(CLUSTER, "INCOMPLETE", "kubernetes_token_secrets")]


def test_an_unreachable_cluster_leaves_its_rules_incomplete_and_the_account_s_complete() -> None:
    unreachable = {source: "ClusterUnreachable" for source in KUBERNETES_SOURCES if source.startswith("kubernetes_")}
    evaluation = run(("NHI-K8S-001", "NHI-OFF-003"), s.all_ok() + cluster_ok(**unreachable), with_cluster=False)
    ((account, status, missing),) = verdicts(evaluation, "NHI-K8S-001")
    assert (account, status) == (CLUSTER, "INCOMPLETE")
    assert "kubernetes_rbac" in missing
    assert verdicts(evaluation, "NHI-OFF-003") == [(s.ACCOUNT, "PASS", "")]


def test_without_a_configured_cluster_a_kubernetes_rule_reads_incomplete_and_says_why() -> None:
    evaluation = run(("NHI-K8S-001",), s.all_ok(), with_cluster=False)
    rows = evaluation.rule_results[evaluation.rule_results["rule_id"] == "NHI-K8S-001"].to_dict("records")
    assert [(r["account_id"], r["status"]) for r in rows] == [("k8s:*", "INCOMPLETE")]
    assert "no Kubernetes cluster is configured" in rows[0]["reason"]


def test_a_finding_names_the_subject_and_the_rbac_file_it_rests_on(secrets_denied: Evaluation) -> None:
    (finding,) = secrets_denied.findings[secrets_denied.findings["rule_id"] == "NHI-K8S-001"].to_dict("records")
    assert finding["resource_arn"] == "k8s:prod:serviceaccount:ci:deployer"
    assert finding["observed"] == "ClusterRoleBinding/ci-admin → ClusterRole/cluster-admin"
    assert finding["source_file"].startswith("k8s:prod/")


def test_rbac_drift_on_a_first_day_reads_incomplete_without_findings() -> None:
    """With no previous day nothing can have been gained: the rule is INCOMPLETE and names no service account."""
    table, tokens = subjects()
    evaluation = evaluate(
        EvaluationInputs(
            tables={
                "identities": s.identities([s.identity("ci-runner")]),
                "credentials": s.credentials([]),
                "kubernetes_subjects": subject_drift_facts(table, None, None),
                "kubernetes_tokens": tokens,
            },
            collection_status=s.collection_status(s.all_ok() + cluster_ok()),
            suites=_only("NHI-K8S-017"),
            snapshot_id="20261125T060000Z-1a2b3c4d",
            partition_date="2026-11-25",
        )
    )
    assert [status for _, status, _ in verdicts(evaluation, "NHI-K8S-017")] == ["INCOMPLETE"]
    assert not (evaluation.findings["rule_id"] == "NHI-K8S-017").any()
