"""Effective RBAC with the RBAC authorizer's semantics, over the bootstrap objects a real API server creates plus
the few objects each test adds (all in `kubectl get -o json` shapes)."""

from __future__ import annotations

from kubernetes_fixtures import (
    analysed as tables,
)
from kubernetes_fixtures import (
    cluster_role,
    cluster_role_binding,
    group_subject,
    pod,
    role,
    role_binding,
    rule,
    sa_subject,
    service_account,
    subject,
    token_secret,
    user_subject,
)

CI = "k8s:prod:serviceaccount:ci:deployer"


def test_a_fresh_cluster_gives_no_service_account_of_its_own_any_privilege() -> None:
    found = tables()
    ours = [r for r in found.subjects if r["kind"] == "serviceaccount" and not r["platform"]]
    assert {r["name"] for r in ours} == {"default"}
    assert not any(r["privileged"] or r["wildcard_grant_count"] for r in ours)


def test_the_bootstrap_cluster_admin_binding_makes_system_masters_cluster_admin_and_a_platform_subject() -> None:
    masters = subject(tables(), "k8s:prod:group:system:masters")
    assert masters["cluster_admin"] and masters["platform"]


def test_edit_is_aggregated_from_its_parts_so_it_reads_secrets_and_enters_pods_in_its_namespace() -> None:
    found = tables(
        service_account("ci", "deployer"),
        role_binding("kube-system", "ci-edit", "ClusterRole/edit", sa_subject("ci", "deployer")),
    )
    row = subject(found, CI)
    assert "create pods/exec in kube-system" in row["takeover_grants"]
    assert "impersonate serviceaccounts in kube-system" in row["escalation_grants"]
    assert not row["secrets_cluster_wide_read"]  # a RoleBinding grants in its namespace only


def test_admin_holds_edit_and_view_transitively() -> None:
    found = tables(
        service_account("ci", "deployer"),
        role_binding("ci", "ci-admin", "ClusterRole/admin", sa_subject("ci", "deployer")),
    )
    rules = " ".join(subject(found, CI)["rbac_rules"])
    assert "rolebindings" in rules and "pods/exec" in rules and "controllerrevisions" in rules


def test_a_cluster_role_binding_to_a_secret_reader_reads_secrets_cluster_wide() -> None:
    reader = cluster_role("secret-reader", [rule([""], ["secrets"], ["get", "list", "watch"])])
    found = tables(
        service_account("ci", "deployer"),
        reader,
        cluster_role_binding("r", "secret-reader", sa_subject("ci", "deployer")),
    )
    assert subject(found, CI)["secrets_cluster_wide_read"]


def test_named_secrets_are_not_all_secrets() -> None:
    reader = cluster_role("one-secret", [rule([""], ["secrets"], ["get"], names=["db"])])
    found = tables(
        service_account("ci", "deployer"), reader, cluster_role_binding("r", "one-secret", sa_subject("ci", "deployer"))
    )
    assert not subject(found, CI)["secrets_cluster_wide_read"]


def test_create_restricted_to_a_name_grants_nothing_because_a_new_object_has_no_name_yet() -> None:
    creator = role("kube-system", "named-create", [rule([""], ["pods"], ["create"], names=["x"])])
    binding = role_binding("kube-system", "b", "Role/named-create", sa_subject("ci", "deployer"))
    assert subject(tables(service_account("ci", "deployer"), creator, binding), CI)["takeover_grant_count"] == 0


def test_wildcards_are_counted_with_the_binding_that_grants_them() -> None:
    star = cluster_role("everything-in-apps", [rule(["apps"], ["*"], ["*"])])
    found = tables(
        service_account("ci", "deployer"),
        star,
        role_binding("ci", "w", "ClusterRole/everything-in-apps", sa_subject("ci", "deployer")),
    )
    row = subject(found, CI)
    assert row["wildcard_grant_count"] == 1
    assert "RoleBinding/ci/w → ClusterRole/everything-in-apps" in row["wildcard_grants"]
    assert not row["cluster_admin"]


def test_a_star_subresource_rule_matches_every_resources_subresource() -> None:
    scale = cluster_role("exec-all", [rule([""], ["*/exec"], ["create"])])
    found = tables(
        service_account("ci", "deployer"), scale, cluster_role_binding("x", "exec-all", sa_subject("ci", "deployer"))
    )
    assert "create pods/exec cluster-wide" in subject(found, CI)["takeover_grants"]


def test_a_binding_to_a_namespace_s_service_account_group_reaches_only_that_namespace_s_accounts() -> None:
    creator = cluster_role("pod-creator", [rule([""], ["pods"], ["create"])])
    binding = role_binding(
        "kube-system", "all-ci", "ClusterRole/pod-creator", group_subject("system:serviceaccounts:ci")
    )
    found = tables(service_account("ci", "deployer"), service_account("web", "api"), creator, binding)
    assert subject(found, CI)["takeover_grant_count"] == 1
    assert subject(found, "k8s:prod:serviceaccount:web:api")["takeover_grant_count"] == 0


def test_a_user_subject_with_a_service_account_s_user_name_binds_that_account() -> None:
    binding = cluster_role_binding("as-user", "cluster-admin", user_subject("system:serviceaccount:ci:deployer"))
    assert subject(tables(service_account("ci", "deployer"), binding), CI)["cluster_admin"]


def test_a_role_binding_subject_without_namespace_means_the_binding_s_namespace() -> None:
    binding = role_binding("ci", "b", "ClusterRole/edit", {"kind": "ServiceAccount", "name": "deployer"})
    assert subject(tables(service_account("ci", "deployer"), binding), CI)["binding_count"] == 1


def test_a_binding_to_a_service_account_that_does_not_exist_is_reported_as_such() -> None:
    found = tables(cluster_role_binding("ghost", "view", sa_subject("ci", "deleted")))
    row = subject(found, "k8s:prod:serviceaccount:ci:deleted")
    assert (row["exists"], row["bound_missing"]) == (False, True)


def test_a_binding_to_a_role_that_does_not_exist_grants_nothing() -> None:
    binding = role_binding("ci", "b", "Role/missing", sa_subject("ci", "deployer"))
    row = subject(tables(service_account("ci", "deployer"), binding), CI)
    assert row["binding_count"] == 1 and row["rbac_rules"] and not any("missing" in r for r in row["rbac_rules"])


def test_the_default_account_bound_to_a_role_and_used_by_pods_is_flagged() -> None:
    found = tables(
        role_binding("default", "b", "ClusterRole/view", sa_subject("default", "default")),
        pods=[pod("default", "web", "default")],
    )
    row = subject(found, "k8s:prod:serviceaccount:default:default")
    assert (row["default_bound"], row["pods_using"]) == (True, 1)


def test_a_privileged_account_mounting_its_token_is_flagged_unless_automount_is_off() -> None:
    binding = cluster_role_binding("adm", "cluster-admin", sa_subject("ci", "deployer"))
    on = subject(tables(service_account("ci", "deployer"), binding), CI)
    off = subject(tables(service_account("ci", "deployer", automount=False), binding), CI)
    assert (on["automount_privileged"], off["automount_privileged"]) == (True, False)


def test_a_legacy_token_secret_keeps_its_age_and_last_use_from_the_label() -> None:
    secret = token_secret("ci", "deployer-token", "deployer", created="2026-05-29T06:00:00Z", last_used="2026-11-20")
    (row,) = tables(service_account("ci", "deployer"), secrets=[secret]).tokens
    assert row["owner_arn"] == CI
    assert (round(row["age_days"]), round(row["days_since_last_use"], 2), row["never_used"]) == (180, 5.25, False)
