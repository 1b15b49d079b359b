"""The day's Kubernetes evidence: every configured cluster collected once per run, at the commit of the day's
snapshot, under its own scope `k8s:<cluster>` (docs/kubernetes.md).

A step of its own rather than a task of the per-account plan: a cluster is not an AWS account (it may be reached
through a kubeconfig, from inside a pod, or as an EKS cluster of one configured account), and its statuses must
never stand for an account's.
"""

from __future__ import annotations

from assurance_jobs.collect.kubernetes import collect_clusters
from assurance_jobs.config import AssuranceConfig
from assurance_jobs.snapshot.model import CollectionStatus, SourceBlob


def collect_cluster_evidence(config: AssuranceConfig) -> tuple[list[SourceBlob], list[CollectionStatus]]:
    """Files and statuses of every configured cluster (none configured: nothing)."""
    if not config.clusters:
        return [], []
    collected = collect_clusters(config)
    return collected.blobs, collected.statuses
