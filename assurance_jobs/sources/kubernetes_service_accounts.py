"""`kubernetes_service_accounts`: service accounts of each configured Kubernetes cluster (docs/kubernetes.md)."""

from assurance_jobs.collect.kubernetes import API_NAMES
from assurance_jobs.scan.kubernetes import objects
from assurance_jobs.source import Source

SOURCE = Source(
    name=objects.SERVICE_ACCOUNTS,
    api=API_NAMES[objects.SERVICE_ACCOUNTS],
    kind="kubernetes",
    description="service accounts (automountServiceAccountToken, the IRSA annotation), as `kubectl get "
    "serviceaccounts -A -o json`",
    tables=("kubernetes_subjects",),
    row_kinds=("serviceaccount",),
    scope="cluster",
    parse=objects.parse_service_accounts,
    parsed_in="kubernetes",
    collected_by="steps/clusters.py (per configured cluster, at the day's commit)",
)
