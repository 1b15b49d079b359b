"""The demo's emulated EKS cluster, end to end: every planted Kubernetes defect reported on its subject, the one
path from a service account to an admin, a Cluster filter in the report — and the planted token value nowhere."""

from __future__ import annotations

from conftest_demo import DemoRun, demo_run  # noqa: F401  (the shared fixture)

from assurance_jobs.demo.cluster import DEMO_TOKEN_CANARY, KUBERNETES_LEDGER, SCOPE


def test_every_planted_kubernetes_defect_is_reported_on_its_subject(demo_run: DemoRun) -> None:  # noqa: F811
    reported = {(f["rule_id"], f["resource_arn"]) for f in demo_run.findings()}
    assert set(KUBERNETES_LEDGER) - reported == set()


def test_no_kubernetes_finding_falls_outside_the_ledger(demo_run: DemoRun) -> None:  # noqa: F811
    reported = {(f["rule_id"], f["resource_arn"]) for f in demo_run.findings() if f["account_id"] == SCOPE}
    assert reported - set(KUBERNETES_LEDGER) == set()


def test_the_ci_account_s_path_to_cluster_admin_is_one_path(demo_run: DemoRun) -> None:  # noqa: F811
    (path,) = [f["observed"] for f in demo_run.findings() if f["rule_id"] == "NHI-K8S-018"]
    assert path.startswith("demo-eks:serviceaccount/ci/deployer → create pods in kube-system → as ")
    assert path.endswith("cluster-admin (ClusterRoleBinding/bootstrap-admin → ClusterRole/cluster-admin)")


def test_the_planted_token_value_reaches_no_output_file(demo_run: DemoRun) -> None:  # noqa: F811
    files = [path for path in demo_run.out.rglob("*") if path.is_file()]
    assert any(path.name == "kubernetes_token_secrets.json" for path in files)
    assert [str(p) for p in files if DEMO_TOKEN_CANARY.encode() in p.read_bytes()] == []


def test_the_cluster_s_rule_pages_offer_the_cluster_filter(demo_run: DemoRun) -> None:  # noqa: F811
    page = (demo_run.day / "rules" / "NHI-K8S-001.html").read_text(encoding="utf-8")
    assert f'<option value="{SCOPE}">demo-eks</option>' in page
