"""`kubernetes_rbac`: Roles of each configured Kubernetes cluster (docs/kubernetes.md)."""

from assurance_jobs.collect.kubernetes import API_NAMES
from assurance_jobs.scan.kubernetes import objects
from assurance_jobs.source import Source

SOURCE = Source(
    name=objects.RBAC,
    api=API_NAMES[objects.RBAC],
    kind="kubernetes",
    description="Roles, ClusterRoles (with aggregation rules), RoleBindings and ClusterRoleBindings as one `kubectl "
    "get -o json` List",
    tables=("kubernetes_subjects",),
    scope="cluster",
    parse=objects.parse_rbac,
    parsed_in="kubernetes",
    collected_by="steps/clusters.py (per configured cluster, at the day's commit)",
)
