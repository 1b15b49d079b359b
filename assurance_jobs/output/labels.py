"""Words for the identifiers the report would otherwise print as they are stored: source stems
(`cloudtrail_activity`), fact columns (`days_to_expiry`), probe steps (`valid_use`), rule subjects.

An auditor reads "CloudTrail activity", "days to expiry", "used while valid"; the stored name stays available
where it is the evidence (file names on the evidence page, column names in the exports).
"""

from __future__ import annotations

WORDS: dict[str, str] = {
    "iam": "IAM",
    "sts": "STS",
    "kms": "KMS",
    "cloudtrail": "CloudTrail",
    "secretsmanager": "Secrets Manager",
    "oidc": "OIDC",
    "arn": "ARN",
    "arns": "ARNs",
    "id": "id",
    "rt": "runtime",
    "jit": "just-in-time",
}
"""How a token of a snake_case name is written in prose (anything else: as it is, lower case)."""

SOURCE_LABELS: dict[str, str] = {
    "previous_partition": "the previous stored day",
    "baseline": "the approved baseline",
    "directory_feed": "the HR/IdP directory feed",
    "agent_registry": "the AI agent registry",
    "token_probes": "token probes",
    "cloudtrail_history": "stored CloudTrail activity (look-back window)",
}
"""Sources whose stem says less than a phrase would (inputs and history rather than API answers)."""

PROBE_STEPS: dict[str, str] = {
    "issue": "token issued",
    "valid_use": "used while valid",
    "cross_audience": "sent to a resource of another audience",
    "revoke": "revoked",
    "after_revoke": "used after revocation",
    "expired_replay": "replayed after expiry",
    "control_no_token": "control: request without a token",
    "control_garbage_token": "control: request with a garbage token",
    "revocation_issue": "second token issued (to revoke)",
    "before_revoke": "second token used before revocation",
    "introspect_before_revoke": "introspected before revocation",
    "introspect_after_revoke": "introspected after revocation",
}
"""The steps of a token probe (probes/record.py `ProbeEvent.phase`) in words."""


def words(name: str) -> str:
    """A snake_case identifier as words: `cloudtrail_activity` → "CloudTrail activity"."""
    return " ".join(WORDS.get(token, token) for token in name.split("_") if token)


def source_label(name: str) -> str:
    """A source stem as the report names it (its stem stays on the evidence page, with the file)."""
    return SOURCE_LABELS.get(name) or words(name)


def probe_step(phase: str) -> str:
    return PROBE_STEPS.get(phase) or words(phase)


def source_labels(names: object) -> str:
    """A comma-joined list of source stems (`missing_sources`) as the report names them."""
    return ", ".join(source_label(name.strip()) for name in str(names or "").split(",") if name.strip())
