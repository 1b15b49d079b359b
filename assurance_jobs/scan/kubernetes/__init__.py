"""Kubernetes workload identities: stored objects, effective RBAC, subjects and their links (pure, no I/O)."""
