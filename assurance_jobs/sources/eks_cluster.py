"""`eks_cluster`: the EKS cluster of each configured Kubernetes cluster (docs/kubernetes.md)."""

from assurance_jobs.collect.kubernetes import API_NAMES
from assurance_jobs.scan.kubernetes import objects
from assurance_jobs.source import Source

SOURCE = Source(
    name=objects.EKS_CLUSTER,
    api=API_NAMES[objects.EKS_CLUSTER],
    kind="kubernetes",
    description="the EKS cluster (ARN, OIDC issuer) from eks:DescribeCluster; `ok` with no file for a cluster that "
    "is not EKS",
    iam_actions=("eks:DescribeCluster",),
    scope="cluster",
    parse=objects.parse_eks_cluster,
    parsed_in="kubernetes",
    collected_by="steps/clusters.py (per configured cluster, at the day's commit)",
)
