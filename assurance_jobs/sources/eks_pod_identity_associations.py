"""`eks_pod_identity_associations`: EKS Pod Identity associations of each configured Kubernetes cluster
(docs/kubernetes.md)."""

from assurance_jobs.collect.kubernetes import API_NAMES
from assurance_jobs.scan.kubernetes import objects
from assurance_jobs.source import Source

SOURCE = Source(
    name=objects.POD_IDENTITY,
    api=API_NAMES[objects.POD_IDENTITY],
    kind="kubernetes",
    description="EKS Pod Identity associations (eks:ListPodIdentityAssociations, then "
    "eks:DescribePodIdentityAssociation for each role)",
    iam_actions=("eks:ListPodIdentityAssociations", "eks:DescribePodIdentityAssociation"),
    scope="cluster",
    parse=objects.parse_pod_identity,
    parsed_in="kubernetes",
    collected_by="steps/clusters.py (per configured cluster, at the day's commit)",
)
