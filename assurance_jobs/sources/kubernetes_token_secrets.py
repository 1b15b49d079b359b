"""`kubernetes_token_secrets`: service-account token Secrets of each configured Kubernetes cluster
(docs/kubernetes.md)."""

from assurance_jobs.collect.kubernetes import API_NAMES
from assurance_jobs.scan.kubernetes import objects
from assurance_jobs.source import Source

SOURCE = Source(
    name=objects.TOKEN_SECRETS,
    api=API_NAMES[objects.TOKEN_SECRETS],
    kind="kubernetes",
    description="service-account token Secrets, metadata only (creation time, legacy-token labels) — never `data`",
    tables=("kubernetes_tokens",),
    scope="cluster",
    parse=objects.parse_token_secrets,
    parsed_in="kubernetes",
    collected_by="steps/clusters.py (per configured cluster, at the day's commit)",
)
