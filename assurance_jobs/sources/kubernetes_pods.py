"""`kubernetes_pods`: pods reduced to their service account of each configured Kubernetes cluster
(docs/kubernetes.md)."""

from assurance_jobs.collect.kubernetes import API_NAMES
from assurance_jobs.scan.kubernetes import objects
from assurance_jobs.source import Source

SOURCE = Source(
    name=objects.PODS,
    api=API_NAMES[objects.PODS],
    kind="kubernetes",
    description="pods reduced to their service account, automount setting, namespace, node and owner",
    scope="cluster",
    parse=objects.parse_pods,
    parsed_in="kubernetes",
    collected_by="steps/clusters.py (per configured cluster, at the day's commit)",
)
