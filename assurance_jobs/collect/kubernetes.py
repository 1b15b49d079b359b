"""One Kubernetes cluster's workload identities: namespaces, service accounts, service-account token secrets
(metadata only), RBAC, pods (only who runs as whom), and the EKS side (OIDC issuer, Pod Identity associations).

Why it looks like this:
* Every list goes through the official client's `ApiClient.call_api` with `_preload_content=False`, so the stored
  file is the server's JSON (re-shaped as `kubectl get -o json` prints a List: `kind: List`, each item with its
  own `kind`/`apiVersion`), and the client never logs or deserialises a body.
* Paginated with `limit` / `continue`; a `410 Gone` (the continue token expired) restarts that list from the
  beginning, at most `MAX_RESTARTS` times; a repeating token stops it as `partial`.
* Secrets: the request asks the server for metadata only (`PartialObjectMetadataList`) of the
  `kubernetes.io/service-account-token` type. A server that answers full objects anyway has every item reduced to
  its metadata before anything else sees it, and other types are dropped: no token value ever reaches a file,
  a log or a report. `kubectl.kubernetes.io/last-applied-configuration` (which would repeat `data`) and
  `managedFields` are dropped from every item.
* Pods: only the service account, automount setting, namespace, node and owner are kept (a pod spec carries
  environment values).
* A failure never raises: a `403` on one resource type is that source's `error` status (exactly the rules that
  need it read INCOMPLETE); an unreachable cluster is an `error` on every source, naming the cluster.
"""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import boto3
import urllib3
from botocore.exceptions import BotoCoreError, ClientError
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.rest import ApiException
from kubernetes.config.config_exception import ConfigException

from assurance_jobs.collect.aws import client_config, encode_pages, session_for
from assurance_jobs.config import AssuranceConfig, ClusterConfig
from assurance_jobs.scan.kubernetes.objects import (
    EKS_CLUSTER,
    NAMESPACES,
    POD_IDENTITY,
    PODS,
    RBAC,
    SERVICE_ACCOUNTS,
    TOKEN_SECRETS,
)
from assurance_jobs.snapshot.model import CollectionStatus, SourceBlob

SA_TOKEN_TYPE = "kubernetes.io/service-account-token"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
MAX_RESTARTS = 3
UNREACHABLE = "ClusterUnreachable"
NOT_EKS = "not an EKS cluster (no eks: entry): nothing to collect"
TOKEN_SECONDS = 60
RBAC_GROUP = "rbac.authorization.k8s.io/v1"


def _metadata(item: dict[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    """The object's metadata without managedFields and the last-applied annotation (it repeats the object)."""
    meta = {key: value for key, value in (item.get("metadata") or {}).items() if key != "managedFields"}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    if keep:
        annotations = {k: v for k, v in annotations.items() if k in set(keep)}
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    return meta


def _whole(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "metadata": _metadata(item)}


def _token_secret(item: dict[str, Any]) -> dict[str, Any] | None:
    """Metadata only: a full Secret (a server that ignored the metadata-only request) loses everything else."""
    kind = item.get("type")
    annotations = (item.get("metadata") or {}).get("annotations") or {}
    if kind not in (None, SA_TOKEN_TYPE) or "kubernetes.io/service-account.name" not in annotations:
        return None
    keep = ("kubernetes.io/service-account.name", "kubernetes.io/service-account.uid")
    return {"metadata": _metadata(item, keep), "type": SA_TOKEN_TYPE}


def _pod(item: dict[str, Any]) -> dict[str, Any]:
    meta = item.get("metadata") or {}
    spec = item.get("spec") or {}
    kept_meta = {k: meta[k] for k in ("name", "namespace", "uid", "creationTimestamp") if k in meta}
    if meta.get("ownerReferences"):
        kept_meta["ownerReferences"] = [
            {k: ref[k] for k in ("apiVersion", "kind", "name", "uid", "controller") if k in ref}
            for ref in meta["ownerReferences"]
        ]
    kept_spec = {k: spec[k] for k in ("serviceAccountName", "automountServiceAccountToken", "nodeName") if k in spec}
    return {"metadata": kept_meta, "spec": kept_spec}


@dataclass(frozen=True)
class Listing:
    """One resource type listed across all namespaces, and how each item is reduced before it is kept."""

    path: str
    kind: str
    api_version: str
    reduce: Callable[[dict[str, Any]], dict[str, Any] | None] = _whole
    field_selector: str | None = None
    metadata_only: bool = False

    @property
    def resource(self) -> str:
        return self.path.rsplit("/", 1)[-1]


LISTINGS: dict[str, tuple[Listing, ...]] = {
    NAMESPACES: (Listing("/api/v1/namespaces", "Namespace", "v1"),),
    SERVICE_ACCOUNTS: (Listing("/api/v1/serviceaccounts", "ServiceAccount", "v1"),),
    TOKEN_SECRETS: (
        Listing(
            "/api/v1/secrets",
            "Secret",
            "v1",
            _token_secret,
            field_selector=f"type={SA_TOKEN_TYPE}",
            metadata_only=True,
        ),
    ),
    RBAC: tuple(
        Listing(f"/apis/rbac.authorization.k8s.io/v1/{resource}", kind, RBAC_GROUP)
        for resource, kind in (
            ("clusterroles", "ClusterRole"),
            ("clusterrolebindings", "ClusterRoleBinding"),
            ("roles", "Role"),
            ("rolebindings", "RoleBinding"),
        )
    ),
    PODS: (Listing("/api/v1/pods", "Pod", "v1", _pod),),
}
"""Per Kubernetes source, its lists (RBAC is four, stored as one List as `kubectl get clusterroles,… -o json`)."""

API_NAMES = {
    NAMESPACES: "kubernetes:ListNamespaces",
    SERVICE_ACCOUNTS: "kubernetes:ListServiceAccounts",
    TOKEN_SECRETS: "kubernetes:ListSecrets",
    RBAC: "kubernetes:ListRbac",
    PODS: "kubernetes:ListPods",
    EKS_CLUSTER: "eks:DescribeCluster",
    POD_IDENTITY: "eks:ListPodIdentityAssociations",
}
SOURCES = tuple(API_NAMES)


@dataclass(frozen=True)
class ListFailure:
    code: str
    message: str
    unreachable: bool = False


@dataclass
class ListResult:
    items: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0
    failure: ListFailure | None = None


def _api_failure(error: ApiException) -> ListFailure:
    """The Status' reason (Forbidden, Expired, NotFound…) and message; never the response body itself."""
    try:
        status = json.loads(error.body or "{}")
    except ValueError:
        status = {}
    reason = status.get("reason") if isinstance(status, dict) else None
    message = status.get("message") if isinstance(status, dict) else None
    return ListFailure(str(reason or error.reason or f"HTTP{error.status}"), str(message or error.reason or ""))


def list_all(api: k8s.ApiClient, listing: Listing, page_size: int, timeout: float) -> ListResult:
    """Every item of one resource type, page by page (`limit`/`continue`), reduced as the listing says."""
    result, token, restarts, seen = ListResult(), None, 0, set()
    while True:
        query: list[tuple[str, Any]] = [("limit", page_size)]
        if token:
            query.append(("continue", token))
        if listing.field_selector:
            query.append(("fieldSelector", listing.field_selector))
        accept = METADATA_ONLY if listing.metadata_only else "application/json"
        try:
            response = api.call_api(
                listing.path,
                "GET",
                query_params=query,
                header_params={"Accept": accept},
                auth_settings=["BearerToken"],
                _preload_content=False,
                _return_http_data_only=True,
                _request_timeout=timeout,
            )
            document = json.loads(response.data)
        except ApiException as error:
            if error.status == 410 and token and restarts < MAX_RESTARTS:
                result, token, restarts, seen = ListResult(), None, restarts + 1, set()
                continue  # the continue token expired: the list restarts from a consistent beginning
            if error.status == 0:
                result.failure = ListFailure(UNREACHABLE, str(error.reason), unreachable=True)
            else:
                result.failure = _api_failure(error)
            return result
        except (urllib3.exceptions.HTTPError, OSError) as error:
            result.failure = ListFailure(UNREACHABLE, f"{type(error).__name__}: {error}", unreachable=True)
            return result
        except ValueError as error:
            result.failure = ListFailure("UnreadableResponse", f"{listing.path}: not JSON ({error})")
            return result
        result.pages += 1
        for item in document.get("items") or []:
            kept = listing.reduce(item) if isinstance(item, dict) else None
            if kept is not None:
                result.items.append({"apiVersion": listing.api_version, "kind": listing.kind, **kept})
        token = (document.get("metadata") or {}).get("continue") or None
        if not token:
            return result
        if token in seen:
            result.failure = ListFailure("RepeatingContinue", f"{listing.path}: the server repeated a continue token")
            return result
        seen.add(token)


def kubectl_list(items: list[dict[str, Any]]) -> bytes:
    """The bytes `kubectl get … -o json` prints for these items (a v1 List), deterministic."""
    document = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


# ------------------------------------------------------------------------------------------------ the client


def eks_bearer_token(session: boto3.Session, cluster_name: str, region: str) -> str:
    """A token as `aws eks get-token` makes it: a presigned sts:GetCallerIdentity URL naming the cluster in the
    signed `x-k8s-aws-id` header, base64url-encoded behind `k8s-aws-v1.`. It stays in memory only."""
    sts = session.client("sts", region_name=region, endpoint_url=f"https://sts.{region}.amazonaws.com")

    def name_cluster(request: Any, **_: Any) -> None:
        request.headers["x-k8s-aws-id"] = cluster_name

    sts.meta.events.register("before-sign.sts.GetCallerIdentity", name_cluster)
    url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=TOKEN_SECONDS, HttpMethod="GET")
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii").rstrip("=")


def eks_api_client(description: dict[str, Any], token: str, ca_folder: str) -> k8s.ApiClient:
    """A client for the endpoint and CA eks:DescribeCluster gave, authenticating with `token`."""
    configuration = k8s.Configuration()
    configuration.host = str(description["endpoint"])
    ca_path = f"{ca_folder}/ca.crt"
    with open(ca_path, "wb") as handle:
        handle.write(base64.b64decode((description.get("certificateAuthority") or {}).get("data") or ""))
    configuration.ssl_ca_cert = ca_path
    configuration.api_key = {"authorization": token}
    configuration.api_key_prefix = {"authorization": "Bearer"}
    return k8s.ApiClient(configuration)


def kubeconfig_api_client(cluster: ClusterConfig) -> k8s.ApiClient:
    if cluster.in_cluster:
        configuration = k8s.Configuration()
        k8s_config.load_incluster_config(client_configuration=configuration)
        return k8s.ApiClient(configuration)
    return k8s_config.new_client_from_config(config_file=cluster.kubeconfig, context=cluster.context)


# ------------------------------------------------------------------------------------------------ one cluster


@dataclass
class ClusterCollection:
    """What one cluster yielded: files and one status per source."""

    scope: str
    blobs: list[SourceBlob] = field(default_factory=list)
    statuses: list[CollectionStatus] = field(default_factory=list)

    def add(
        self, source: str, content: bytes | None, pages: int, failure: ListFailure | None, note: str | None = None
    ) -> None:
        if content is not None:
            self.blobs.append(SourceBlob(self.scope, source, content))
        state = "ok" if failure is None else ("partial" if pages else "error")
        code, message = (failure.code, failure.message) if failure else (None, note)
        self.statuses.append(CollectionStatus(self.scope, source, API_NAMES[source], None, state, code, message, pages))

    def fail_all(self, sources: Iterable[str], code: str, message: str) -> None:
        for source in sources:
            self.add(source, None, 0, ListFailure(code, message))


EksClient = Any


def _eks_failure(error: ClientError | BotoCoreError) -> ListFailure:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return ListFailure(details.get("Code") or "ClientError", details.get("Message") or str(error))
    return ListFailure(type(error).__name__, str(error))


def _describe_cluster(eks: EksClient, name: str) -> tuple[dict[str, Any] | None, ListFailure | None]:
    try:
        return eks.describe_cluster(name=name)["cluster"], None
    except (ClientError, BotoCoreError) as error:
        return None, _eks_failure(error)


def _pod_identity(eks: EksClient, name: str) -> tuple[list[dict[str, Any]], ListFailure | None]:
    """List pages, then DescribePodIdentityAssociation per association (only it names the role)."""
    pages: list[dict[str, Any]] = []
    try:
        for page in eks.get_paginator("list_pod_identity_associations").paginate(clusterName=name):
            pages.append({k: v for k, v in page.items() if k != "ResponseMetadata"})
        ids = [a["associationId"] for page in list(pages) for a in page.get("associations") or []]
        for association_id in ids:
            described = eks.describe_pod_identity_association(clusterName=name, associationId=association_id)
            pages.append({"association": described["association"]})
    except (ClientError, BotoCoreError) as error:
        return pages, _eks_failure(error)
    return pages, None


def _public_description(description: dict[str, Any]) -> dict[str, Any]:
    """DescribeCluster without the CA bundle: it is how to connect, not evidence about identities."""
    return {key: value for key, value in description.items() if key != "certificateAuthority"}


def collect_cluster(
    cluster: ClusterConfig,
    make_api: Callable[[ClusterConfig, dict[str, Any] | None], k8s.ApiClient],
    eks: EksClient | None,
) -> ClusterCollection:
    """Every source of one cluster. `make_api(cluster, eks_description)` builds the Kubernetes client (raising
    ConfigException or OSError when it cannot); `eks` is an EKS client of the cluster's account (None: not EKS)."""
    out = ClusterCollection(cluster.scope)
    description = None
    if cluster.eks is None or eks is None:
        out.add(EKS_CLUSTER, None, 0, None, NOT_EKS)
        out.add(POD_IDENTITY, None, 0, None, NOT_EKS)
    else:
        description, failure = _describe_cluster(eks, cluster.eks.cluster_name)
        content = encode_pages([{"cluster": _public_description(description)}]) if description else None
        out.add(EKS_CLUSTER, content, 1 if description else 0, failure)
        pages, failure = _pod_identity(eks, cluster.eks.cluster_name)
        out.add(POD_IDENTITY, encode_pages(pages) if pages or failure is None else None, len(pages), failure)
    kube_sources = tuple(LISTINGS)
    if cluster.eks is not None and cluster.context is None and description is None:
        out.fail_all(kube_sources, UNREACHABLE, f"{cluster.name}: no endpoint: eks:DescribeCluster failed")
        return out
    try:
        api = make_api(cluster, description)
    except (ConfigException, OSError, ValueError, KeyError) as error:
        out.fail_all(kube_sources, UNREACHABLE, f"{cluster.name}: cannot build a client: {error}")
        return out
    with api:
        for source in kube_sources:
            items: list[dict[str, Any]] = []
            pages, failure = 0, None
            for listing in LISTINGS[source]:
                listed = list_all(api, listing, cluster.page_size, cluster.request_timeout_seconds)
                items += listed.items
                pages += listed.pages
                if listed.failure is not None:
                    failure = ListFailure(
                        listed.failure.code, f"{listing.resource}: {listed.failure.message}", listed.failure.unreachable
                    )
                    break
            if failure is not None and failure.unreachable:
                rest = kube_sources[kube_sources.index(source) :]
                out.fail_all(rest, UNREACHABLE, f"{cluster.name} ({api.configuration.host}): {failure.message}")
                return out
            out.add(source, kubectl_list(items) if failure is None or items else None, pages, failure)
    return out


def collect_clusters(config: AssuranceConfig) -> ClusterCollection:
    """Every configured cluster, one after the other (a cluster is a handful of list calls)."""
    everything = ClusterCollection("")
    for cluster in config.clusters:
        eks = None
        if cluster.eks is not None:
            try:
                session = session_for(config.account_named(cluster.eks.account))
                eks = session.client("eks", region_name=cluster.eks.region, config=client_config(config.max_attempts))
            except (ClientError, BotoCoreError) as error:
                failed = ClusterCollection(cluster.scope)
                failure = _eks_failure(error)
                failed.fail_all(SOURCES, failure.code, f"{cluster.name}: cannot enter account: {failure.message}")
                everything.blobs += failed.blobs
                everything.statuses += failed.statuses
                continue
        with tempfile.TemporaryDirectory(prefix="assurance-k8s-") as scratch:
            result = collect_cluster(cluster, _client_maker(config, scratch), eks)
        everything.blobs += result.blobs
        everything.statuses += result.statuses
    return everything


def _client_maker(
    config: AssuranceConfig, scratch: str
) -> Callable[[ClusterConfig, dict[str, Any] | None], k8s.ApiClient]:
    def make(cluster: ClusterConfig, description: dict[str, Any] | None) -> k8s.ApiClient:
        if cluster.context is not None or cluster.in_cluster:
            return kubeconfig_api_client(cluster)
        assert cluster.eks is not None and description is not None
        session = session_for(config.account_named(cluster.eks.account))
        token = eks_bearer_token(session, cluster.eks.cluster_name, cluster.eks.region)
        return eks_api_client(description, token, scratch)

    return make
