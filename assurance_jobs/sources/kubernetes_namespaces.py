"""`kubernetes_namespaces`: namespaces of each configured Kubernetes cluster (docs/kubernetes.md)."""

from assurance_jobs.collect.kubernetes import API_NAMES
from assurance_jobs.scan.kubernetes import objects
from assurance_jobs.source import Source

SOURCE = Source(
    name=objects.NAMESPACES,
    api=API_NAMES[objects.NAMESPACES],
    kind="kubernetes",
    description="namespaces (their owner labels and annotations), as `kubectl get namespaces -o json`",
    scope="cluster",
    parse=objects.parse_namespaces,
    parsed_in="kubernetes",
    collected_by="steps/clusters.py (per configured cluster, at the day's commit)",
)
