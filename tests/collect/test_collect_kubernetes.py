"""The Kubernetes collector over HTTP against an emulated API server (kmock): List shapes, pagination, `410 Gone`,
`403`, an unreachable cluster — and never a token value in what it keeps.

kmock ignores `limit`/`continue`, so paging, expiry and denial are injected responses, in the Status shapes a
real API server sends."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import kmock
import pytest
from botocore.stub import Stubber
from kubernetes import client as k8s
from kubernetes_fixtures import (
    CANARY_PASSWORD,
    CANARY_TOKEN,
    bootstrap_items,
    opaque_secret,
    pod,
    service_account,
    token_secret,
)

from assurance_jobs.collect.kubernetes import (
    LISTINGS,
    ClusterCollection,
    collect_cluster,
    eks_bearer_token,
    list_all,
)
from assurance_jobs.config import ClusterConfig, EksClusterRef
from assurance_jobs.demo.kubernetes_api import EmulatedCluster

CLUSTER = ClusterConfig(name="prod", context="prod")
PODS = LISTINGS["kubernetes_pods"][0]


def forbidden(resource: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "reason": "Forbidden",
        "code": 403,
        "message": f'{resource} is forbidden: User "system:serviceaccount:audit:reader" cannot list resource '
        f'"{resource}" in API group "" at the cluster scope',
        "details": {"kind": resource},
    }


GONE = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "reason": "Expired",
    "code": 410,
    "message": "The provided continue parameter is too old to display a consistent list result.",
}


@pytest.fixture
def cluster() -> Iterator[EmulatedCluster]:
    with EmulatedCluster() as emulated:
        emulated.seed(bootstrap_items())
        emulated.seed(
            [
                service_account("ci", "deployer"),
                pod("ci", "web-1", "deployer"),
                token_secret("ci", "deployer-token", "deployer", created="2026-01-01T00:00:00Z"),
                opaque_secret("ci", "database"),
            ]
        )
        yield emulated


def api_of(emulated: EmulatedCluster) -> k8s.ApiClient:
    configuration = k8s.Configuration()
    configuration.host = emulated.url
    return k8s.ApiClient(configuration)


def collect(emulated: EmulatedCluster, cluster: ClusterConfig = CLUSTER) -> ClusterCollection:
    return collect_cluster(cluster, lambda _cluster, _description: api_of(emulated), None)


def stored(result: ClusterCollection, source: str) -> dict[str, Any]:
    (blob,) = [b for b in result.blobs if b.source == source]
    return json.loads(blob.content)


def status_of(result: ClusterCollection, source: str) -> tuple[str, str | None]:
    (status,) = [s for s in result.statuses if s.source == source]
    return status.status, status.error_code


def page(names: list[str], token: str | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"resourceVersion": "100"}
    if token:
        metadata["continue"] = token
    items = [
        {"metadata": {"name": name, "namespace": "a"}, "spec": {"serviceAccountName": "default"}} for name in names
    ]
    return {"kind": "PodList", "apiVersion": "v1", "metadata": metadata, "items": items}


def test_each_source_is_stored_as_the_list_kubectl_prints_with_kind_on_every_item(cluster: EmulatedCluster) -> None:
    rbac = stored(collect(cluster), "kubernetes_rbac")
    assert (rbac["apiVersion"], rbac["kind"]) == ("v1", "List")
    kinds = {item["kind"] for item in rbac["items"]}
    assert kinds == {"ClusterRole", "ClusterRoleBinding"}
    assert all(item["apiVersion"] == "rbac.authorization.k8s.io/v1" for item in rbac["items"])


def test_every_kubernetes_source_of_a_clean_cluster_is_ok(cluster: EmulatedCluster) -> None:
    result = collect(cluster)
    assert {s.source: s.status for s in result.statuses} == dict.fromkeys(
        [
            "eks_cluster",
            "eks_pod_identity_associations",
            "kubernetes_namespaces",
            "kubernetes_service_accounts",
            "kubernetes_token_secrets",
            "kubernetes_rbac",
            "kubernetes_pods",
        ],
        "ok",
    )
    assert {s.account_id for s in result.statuses} == {"k8s:prod"}


def test_a_list_follows_continue_tokens_until_the_last_page(cluster: EmulatedCluster) -> None:
    def pages(request: Any) -> dict[str, Any]:
        if request.params.get("continue") == "tok-2":
            return page(["p3"], None)
        return page(["p1", "p2"], "tok-2")

    cluster.react((kmock.action.LIST, kmock.resource("v1/pods")), pages)
    listed = list_all(api_of(cluster), PODS, 2, 10)
    assert [item["metadata"]["name"] for item in listed.items] == ["p1", "p2", "p3"]
    assert (listed.pages, listed.failure) == (2, None)


def test_an_expired_continue_token_restarts_the_list_from_the_beginning(cluster: EmulatedCluster) -> None:
    first_pages: list[str] = []

    def pages(request: Any) -> dict[str, Any]:
        token = request.params.get("continue")
        if token == "fresh":
            return page(["p3"], None)
        first_pages.append("p1")
        return page(["p1", "p2"], "stale" if len(first_pages) == 1 else "fresh")

    cluster.react((kmock.action.LIST, kmock.resource("v1/pods"), kmock.params(**{"continue": "stale"})), 410, GONE)
    cluster.react((kmock.action.LIST, kmock.resource("v1/pods")), pages)
    listed = list_all(api_of(cluster), PODS, 2, 10)
    assert [item["metadata"]["name"] for item in listed.items] == ["p1", "p2", "p3"]
    assert (len(first_pages), listed.failure) == (2, None)


def test_a_repeated_continue_token_stops_the_list_as_partial(cluster: EmulatedCluster) -> None:
    cluster.react((kmock.action.LIST, kmock.resource("v1/pods")), lambda _request: page(["p1"], "again"))
    listed = list_all(api_of(cluster), PODS, 1, 10)
    assert listed.failure is not None and listed.failure.code == "RepeatingContinue"
    assert listed.pages == 2


def test_a_403_on_secrets_fails_only_the_token_secret_source(cluster: EmulatedCluster) -> None:
    cluster.react((kmock.action.LIST, kmock.resource("v1/secrets")), 403, forbidden("secrets"))
    result = collect(cluster)
    assert status_of(result, "kubernetes_token_secrets") == ("error", "Forbidden")
    assert status_of(result, "kubernetes_rbac") == ("ok", None)
    assert status_of(result, "kubernetes_service_accounts") == ("ok", None)
    assert not [b for b in result.blobs if b.source == "kubernetes_token_secrets"]


def test_an_unreachable_cluster_fails_every_kubernetes_source_naming_the_cluster() -> None:
    configuration = k8s.Configuration()
    configuration.host = "http://127.0.0.1:9"  # discard port: nothing listens
    configuration.retries = 0
    result = collect_cluster(CLUSTER, lambda _c, _d: k8s.ApiClient(configuration), None)
    kube = [s for s in result.statuses if s.source.startswith("kubernetes_")]
    assert len(kube) == 5
    assert {(s.status, s.error_code) for s in kube} == {("error", "ClusterUnreachable")}
    assert all("prod" in str(s.message) for s in kube)
    assert result.blobs == []


def test_a_cluster_whose_client_cannot_be_built_is_unreachable_not_a_crash() -> None:
    def no_client(_cluster: ClusterConfig, _description: Any) -> k8s.ApiClient:
        raise OSError("kubeconfig: no such file")

    result = collect_cluster(CLUSTER, no_client, None)
    assert {s.error_code for s in result.statuses if s.source.startswith("kubernetes_")} == {"ClusterUnreachable"}


def test_token_secrets_keep_metadata_only_and_no_other_secret_is_kept(cluster: EmulatedCluster) -> None:
    secrets = stored(collect(cluster), "kubernetes_token_secrets")["items"]
    assert [s["metadata"]["name"] for s in secrets] == ["deployer-token"]
    (secret,) = secrets
    assert set(secret) == {"apiVersion", "kind", "metadata", "type"}
    assert set(secret["metadata"]["annotations"]) == {
        "kubernetes.io/service-account.name",
        "kubernetes.io/service-account.uid",
    }


def test_no_token_or_secret_value_reaches_any_stored_file(cluster: EmulatedCluster) -> None:
    result = collect(cluster)
    everything = b"".join(blob.content for blob in result.blobs) + repr(result.statuses).encode()
    assert CANARY_TOKEN.encode() not in everything
    assert CANARY_PASSWORD.encode() not in everything
    assert b"database" not in everything  # not even the Opaque secret's name


def test_pods_keep_only_who_they_run_as_and_who_owns_them(cluster: EmulatedCluster) -> None:
    (kept,) = stored(collect(cluster), "kubernetes_pods")["items"]
    assert kept["spec"] == {"serviceAccountName": "deployer", "nodeName": "node-1"}
    assert kept["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"


# ------------------------------------------------------------------------------------------------ EKS side

T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/5C7E1AB2D3F4"
DESCRIBED = {
    "cluster": {
        "name": "prod",
        "arn": "arn:aws:eks:us-east-1:111122223333:cluster/prod",
        "createdAt": T,
        "version": "1.31",
        "endpoint": "https://5C7E1AB2D3F4.gr7.us-east-1.eks.amazonaws.com",
        "roleArn": "arn:aws:iam::111122223333:role/eks-cluster",
        "identity": {"oidc": {"issuer": ISSUER}},
        "status": "ACTIVE",
        "certificateAuthority": {"data": base64.b64encode(b"-----BEGIN CERTIFICATE-----").decode()},
    }
}
ASSOCIATION = {
    "clusterName": "prod",
    "namespace": "ci",
    "serviceAccount": "deployer",
    "associationArn": "arn:aws:eks:us-east-1:111122223333:podidentityassociation/prod/a-0123456789abcdefg",
    "associationId": "a-0123456789abcdefg",
}


def eks_stubbed() -> tuple[Any, Stubber]:
    eks = boto3.client("eks", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    stub = Stubber(eks)
    stub.add_response("describe_cluster", DESCRIBED, {"name": "prod"})
    stub.add_response("list_pod_identity_associations", {"associations": [ASSOCIATION]}, {"clusterName": "prod"})
    described = {**ASSOCIATION, "roleArn": "arn:aws:iam::111122223333:role/deployer", "createdAt": T}
    stub.add_response(
        "describe_pod_identity_association",
        {"association": described},
        {"clusterName": "prod", "associationId": "a-0123456789abcdefg"},
    )
    return eks, stub


EKS_CLUSTER = ClusterConfig(
    name="prod", context="prod", eks=EksClusterRef(cluster_name="prod", region="us-east-1", account="a")
)


def test_an_eks_cluster_stores_its_description_without_the_ca_and_each_association_with_its_role(
    cluster: EmulatedCluster,
) -> None:
    eks, stub = eks_stubbed()
    with stub:
        result = collect_cluster(EKS_CLUSTER, lambda _c, _d: api_of(cluster), eks)
    (described,) = stored(result, "eks_cluster")["pages"]
    assert described["cluster"]["identity"]["oidc"]["issuer"] == ISSUER
    assert "certificateAuthority" not in described["cluster"]
    pages = stored(result, "eks_pod_identity_associations")["pages"]
    assert pages[-1]["association"]["roleArn"] == "arn:aws:iam::111122223333:role/deployer"


def test_pod_identity_denied_is_that_source_s_error_only(cluster: EmulatedCluster) -> None:
    eks = boto3.client("eks", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(eks) as stub:
        stub.add_response("describe_cluster", DESCRIBED, {"name": "prod"})
        stub.add_client_error("list_pod_identity_associations", "AccessDeniedException", http_status_code=403)
        result = collect_cluster(EKS_CLUSTER, lambda _c, _d: api_of(cluster), eks)
    assert status_of(result, "eks_pod_identity_associations") == ("error", "AccessDeniedException")
    assert status_of(result, "eks_cluster") == ("ok", None)


def test_an_eks_token_is_a_presigned_get_caller_identity_naming_the_cluster() -> None:
    session = boto3.Session(aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret", region_name="us-east-1")
    token = eks_bearer_token(session, "prod", "us-east-1")
    assert token.startswith("k8s-aws-v1.")
    url = base64.urlsafe_b64decode(token.removeprefix("k8s-aws-v1.") + "==").decode()
    query = parse_qs(urlparse(url).query)
    assert urlparse(url).hostname == "sts.us-east-1.amazonaws.com"
    assert query["Action"] == ["GetCallerIdentity"]
    assert query["X-Amz-SignedHeaders"] == ["host;x-k8s-aws-id"]
    assert query["X-Amz-Expires"] == ["60"]
