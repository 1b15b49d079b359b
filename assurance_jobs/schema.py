"""The tables' columns and dtypes, declared once, and how an absent cell is spelled.

Every layer reads this module (it imports nothing else of the package): the inventory builds its frames from it,
the fact joins and the evaluation check against it, and the synthetic builders in tests take their columns
from it, so a column added here reaches all of them.
"""

from __future__ import annotations

import pandas as pd

Columns = dict[str, str]  # column name -> pandas dtype, in table order
UTC_TIME = "datetime64[us, UTC]"


def is_missing(value: object) -> bool:
    """None, NaN or pd.NA (object, float and Arrow string columns spell 'absent' differently)."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


# ------------------------------------------------------------------------------------ inventory (scan/inventory)

# `identities`: one row per IAM user and role (docs/design.md, "Inventory tables").
IDENTITY_COLUMNS: Columns = {
    "account_id": "str",
    "arn": "str",
    "kind": "str",
    "name": "str",
    "path": "str",
    "id": "str",
    "created": UTC_TIME,
    "tags": "str",
    "owner": "str",
    "owner_tag_key": "str",
    "last_used": UTC_TIME,
    "console_access": "boolean",
    "max_session_seconds": "float64",
    "is_service_linked": "bool",
    "trust_policy": "str",
    "permissions_boundary_arn": "str",
    "groups": "object",
    "source_file": "str",
    "source_sha256": "str",
    "is_nhi": "bool",
    "classification_reason": "str",
    "owner_status": "str",
    "days_since_last_use": "float64",
    "never_used": "boolean",
    "active_access_key_count": "Int64",
    "policy_parse_errors": "int64",
}

# `credentials`: one row per access key, console password, secret and server certificate.
CREDENTIAL_COLUMNS: Columns = {
    "account_id": "str",
    "credential_id": "str",
    "kind": "str",
    "owner_arn": "str",
    "region": "str",
    "created": UTC_TIME,
    "last_rotated": UTC_TIME,
    "last_used": UTC_TIME,
    "active": "bool",
    "rotation_enabled": "boolean",
    "rotation_interval_days": "float64",
    "expires": UTC_TIME,
    "source_file": "str",
    "source_sha256": "str",
    "owner_is_nhi": "bool",
    "age_days": "float64",
    "days_since_last_use": "float64",
    "never_used": "boolean",
    "days_since_rotation": "float64",
    "days_to_expiry": "float64",
    # Credential providers of an agent platform (kinds oauth2_client / api_key, scan/agents.py): the agents whose
    # tools use them; NA for every other kind.
    "used_by": "object",
    "used_by_count": "Int64",
}

# `policies`: one row per (principal, policy document).
POLICY_COLUMNS: Columns = {
    "account_id": "str",
    "principal_arn": "str",
    "attachment": "str",
    "policy_name": "str",
    "policy_arn": "str",
    "via_group": "str",
    "document": "str",
    "parse_error": "str",
    "source_file": "str",
    "source_sha256": "str",
}

# `collection_status`: the manifest's evidence-completeness rows.
COLLECTION_STATUS_COLUMNS: Columns = {
    "account_id": "str",
    "source": "str",
    "api": "str",
    "region": "str",
    "status": "str",
    "error_code": "str",
    "message": "str",
    "pages": "int64",
}

# ------------------------------------------------------------------------------------ facts joined onto identities

# From the policy engine over the union of a principal's policies (scan/principal_permissions).
POLICY_FACT_COLUMNS: Columns = {
    "effective_admin": "bool",
    "sensitive_wildcard_services": "object",
    "sensitive_wildcard_count": "int64",
    "privesc_methods": "object",
    "privesc_method_count": "int64",
    # The principal graph (scan/privesc_graph, docs/privesc.md).
    "privesc_escalates": "bool",
    "privesc_path": "object",
    "privesc_conditional": "bool",
    "privesc_reachable_by": "object",
    "privesc_reachable_by_count": "int64",
    "admin_implied": "object",
    "trust_open_unconditioned": "bool",
    "cross_account_without_external_id": "object",
    "cross_account_without_external_id_count": "int64",
    "oidc_subject_unconstrained": "bool",
    "policy_parse_errors": "int64",
    # Latent escalation (NHI-LP-008) and the organization's guardrails (scan/privesc_graph, scan/privesc_org).
    "privesc_latent": "bool",
    "privesc_latent_path": "object",
    "privesc_undecidable": "bool",
    "privesc_blocked": "object",
    "organization_policies_unreadable": "int64",
    # 1: no path, and a method on the way needs a resource listing that failed here (NHI-LP-003/008 INCOMPLETE).
    "privesc_resources_unreadable": "int64",
}

# Attached policies whose document the snapshot does not hold (scan/facts).
DOCUMENT_FACT_COLUMNS: Columns = {"policy_documents_missing": "int64"}
# Attached documents that cannot be parsed, per principal: its permission / trust verdicts read INCOMPLETE.
UNREADABLE_DOCUMENT_COLUMNS: Columns = {
    "permission_documents_unreadable": "int64",
    "trust_documents_unreadable": "int64",
}
# From the approved baseline (baseline/approvals).
BASELINE_FACT_COLUMNS: Columns = {
    "in_baseline": "bool",
    "unapproved_actions": "object",
    "unapproved_action_count": "int64",
    "unapproved_managed_policies": "object",
    "unapproved_managed_policy_count": "int64",
    "unapproved_permissions": "object",
    "unapproved_permission_count": "int64",
    "unapproved_trust_principals": "object",
    "unapproved_trust_principal_count": "int64",
    "approved_owner": "object",
    "baseline_owner_mismatch": "bool",
    "jit_expired_grants": "object",
    "jit_expired_grant_count": "int64",
}

# From drift against the previous stored day; NA on the first stored day (assurance_jobs/facts).
DRIFT_FACT_COLUMNS: Columns = {
    "drift_permissions_outside_baseline": "object",
    "drift_permissions_outside_baseline_count": "Int64",
    "drift_trust_outside_baseline": "object",
    "drift_trust_outside_baseline_count": "Int64",
}

# From the covered day's CloudTrail activity and the stored history (scan/runtime, joined in assurance_jobs/facts);
# NA for an account without activity evidence. `rt_source_*` name the object listings runtime findings trace to;
# `rt_unused_source_*` what NHI-RT-005 traces to: the listings, or the Access Advisor file when it decided.
RUNTIME_FACT_COLUMNS: Columns = {
    "rt_events": "Int64",
    "rt_secret_reads_outside_networks": "object",
    "rt_secret_reads_outside_networks_count": "Int64",
    "rt_decrypts_unknown_key_count": "Int64",
    "rt_interactive_use": "object",
    "rt_interactive_use_count": "Int64",
    "rt_calls_outside_scope": "object",
    "rt_calls_outside_scope_count": "Int64",
    "rt_calls_unknown_action_count": "Int64",
    "rt_denied_outside_baseline": "object",
    "rt_denied_outside_baseline_count": "Int64",
    "rt_unused_granted_services": "object",
    "rt_unused_granted_service_count": "Int64",
    "rt_unused_unknown_count": "Int64",
    "rt_source_file": "object",
    "rt_source_sha256": "object",
    "rt_unused_source_file": "object",
    "rt_unused_source_sha256": "object",
}

# From the learned behavioural baseline (scan/runtime_learned): what the covered day did that the identity's stored
# history (`learned_baseline_days`) never showed; NA where the identity is not judged by it (an approved baseline
# governs that dimension, too few days stored, the identity is newer than the learning needs). `rt_judged_by`
# ('approved' | 'learned' | 'not judged') and `rt_not_judged_reason` are the runtime coverage of every identity;
# `rt_granted_vs_used` compares its effective permissions with the actions it called over the learned window.
LEARNED_FACT_COLUMNS: Columns = {
    "rt_secret_reads_new_network": "object",
    "rt_secret_reads_new_network_count": "Int64",
    "rt_first_sensitive_use": "object",
    "rt_first_sensitive_use_count": "Int64",
    "rt_new_regions": "object",
    "rt_new_region_count": "Int64",
    "rt_learned_days": "Int64",
    "rt_judged_by": "object",
    "rt_not_judged_reason": "object",
    "rt_granted_vs_used": "object",
    "rt_used_action_count": "Int64",
    "rt_granted_action_count": "Int64",
}

# Every column of the `identities` table the rules see: the inventory's, then each fact family's.
IDENTITY_TABLE_COLUMNS: Columns = {
    **IDENTITY_COLUMNS,
    **POLICY_FACT_COLUMNS,
    **DOCUMENT_FACT_COLUMNS,
    **UNREADABLE_DOCUMENT_COLUMNS,
    **BASELINE_FACT_COLUMNS,
    **DRIFT_FACT_COLUMNS,
    **RUNTIME_FACT_COLUMNS,
    **LEARNED_FACT_COLUMNS,
}

# `activity`: the covered day's CloudTrail activity per account and region (collect/activity reduces it;
# docs/runtime.md). One row per principal, call, network, user-agent class, error code, secret read and KMS key
# (`kms_key_arn`: the key a kms.amazonaws.com event names in its `resources`, NULL for every other event, so the
# grouping stays as coarse as before; NHI-RT-001 counts a kms:Decrypt only on a secret-bearing key). `target`: the
# role an sts:AssumeRole* call asked for, or the secret a GetSecretValue named (ids, never values), NULL otherwise;
# `source_ip` / `endpoint_account_id`: the private address and the endpoint's owner of a call that came through a VPC
# endpoint (`network` is then the endpoint id), NULL otherwise. Columns added later read as NULL in older days.
ACTIVITY_COLUMNS: Columns = {
    "principal_arn": "object",
    "principal_type": "object",
    "event_source": "object",
    "event_name": "object",
    "network": "object",
    "user_agent_class": "object",
    "error_code": "object",
    "secret_read": "bool",
    "kms_key_arn": "object",
    "target": "object",
    "source_ip": "object",
    "endpoint_account_id": "object",
    "event_count": "int64",
    "first_seen": UTC_TIME,
    "last_seen": UTC_TIME,
}
"""What the reduction of one account/region's log objects yields (collect/activity)."""
ACTIVITY_TABLE_COLUMNS: Columns = {"account_id": "object", "region": "object", **ACTIVITY_COLUMNS}

# ------------------------------------------------------------------------------------ agents and drift tables

# `principal_links`: edges other analyses add to the privilege-escalation graph (scan/privesc_graph.Link): an AI
# agent runs as its execution role, a Kubernetes service account assumes its IRSA role, a subject that can create
# pods in a namespace acts as its service accounts. `source_id`/`target_id` are principal ids (an ARN, or a
# non-IAM node's own id); a target may be `sink:admin` or `sink:escalation`. Sources contribute rows through
# `TableRows` ({"principal_links": [...]}); pure scan steps may add them before the policy facts are joined.
PRINCIPAL_LINK_COLUMNS: Columns = {
    "account_id": "str",
    "source_id": "str",
    "source_kind": "str",
    "source_name": "str",
    "target_id": "str",
    "label": "str",
    "conditional": "bool",
    "source_file": "str",
    "source_sha256": "str",
}

# `linked_reach`: the graph's verdict on every non-IAM node of `principal_links` (agents, Kubernetes subjects),
# joined onto their own tables by the analyses that added them.
LINKED_REACH_COLUMNS: Columns = {
    "node_id": "str",
    "privesc_escalates": "bool",
    "privesc_path": "str",
    "privesc_conditional": "bool",
    "privesc_latent": "bool",
    "privesc_latent_path": "str",
    "privesc_undecidable": "bool",
}

# `kubernetes_subjects`: one row per Kubernetes subject of a configured cluster — every service account, and every
# user, group or missing service account a binding names (scan/kubernetes, docs/kubernetes.md). Its own table,
# not `identities`: `account_id` is the cluster's scope `k8s:<cluster>`, so a cluster that cannot be read makes
# only the kubernetes rules of that cluster INCOMPLETE, never an AWS account's identity rules.
KUBERNETES_SUBJECT_COLUMNS: Columns = {
    "account_id": "str",
    "cluster": "str",
    "arn": "str",
    "kind": "str",
    "namespace": "str",
    "name": "str",
    "exists": "boolean",
    "platform": "bool",
    "is_default": "bool",
    "uid": "str",
    "created": UTC_TIME,
    "owner": "str",
    "owner_source": "str",
    "automount": "boolean",
    "pods_using": "int64",
    "pods_mounting_token": "int64",
    "bindings": "str",
    "binding_count": "int64",
    "rbac_rules": "object",
    "cluster_admin": "bool",
    "cluster_admin_via": "str",
    "wildcard_grants": "str",
    "wildcard_grant_count": "int64",
    "secrets_cluster_wide": "str",
    "secrets_cluster_wide_read": "bool",
    "escalation_grants": "str",
    "escalation_grant_count": "int64",
    "takeover_grants": "str",
    "takeover_grant_count": "int64",
    "token_create_grants": "str",
    "token_create_count": "int64",
    "cluster_control_grants": "str",
    "cluster_control_count": "int64",
    "privileged": "bool",
    "automount_privileged": "bool",
    "bound_missing": "bool",
    "default_bound": "bool",
    "irsa_role_arn": "str",
    "irsa_status": "str",
    "pod_identity_roles": "str",
    "aws_roles": "str",
    "aws_roles_unknown_count": "int64",
    "aws_account_id": "str",
    "cluster_arn": "str",
    "source_file": "str",
    "source_sha256": "str",
    # The principal graph's verdict (linked_reach) and the approved model (baseline/kubernetes).
    "privesc_escalates": "bool",
    "privesc_path": "str",
    "privesc_conditional": "bool",
    "in_baseline": "bool",
    "unapproved_bindings": "str",
    "unapproved_binding_count": "Int64",
    "unapproved_aws_roles": "str",
    "unapproved_aws_role_count": "Int64",
    "drift_rbac_gained": "str",
    "drift_rbac_gained_count": "Int64",
}

# `kubernetes_tokens`: one row per service-account token Secret (`kubernetes.io/service-account-token`): metadata
# only — its age, and its last use from the `kubernetes.io/legacy-token-last-used` label. Never its value.
KUBERNETES_TOKEN_COLUMNS: Columns = {
    "account_id": "str",
    "cluster": "str",
    "credential_id": "str",
    "kind": "str",
    "owner_arn": "str",
    "region": "str",
    "namespace": "str",
    "name": "str",
    "created": UTC_TIME,
    "last_used": UTC_TIME,
    "invalid_since": UTC_TIME,
    "age_days": "float64",
    "days_since_last_use": "float64",
    "never_used": "bool",
    "owner_exists": "bool",
    "source_file": "str",
    "source_sha256": "str",
}

# `agents`: one row per registry agent, joined to the IAM identity it runs as (baseline/approvals).
AGENT_COLUMNS: Columns = {
    "account_id": "object",
    "agent_id": "object",
    "arn": "object",
    "identity_found": "bool",
    "identity_kind": "object",
    "owner": "object",
    "classification_reason": "object",
    "scopes_granted": "object",
    "scopes_requested": "object",
    "approved_scopes": "object",
    "in_baseline": "bool",
    "unapproved_scopes": "object",
    "unapproved_scope_count": "Int64",
    "source_file": "object",
    "source_sha256": "object",
    # Agents discovered on an agent platform (scan/agents.py, docs/agents.md) and their approvals (baseline/agents).
    # `kind`: ai_agent (a Bedrock agent or an AgentCore runtime, with `arn` its execution role), agent_gateway (an
    # AgentCore gateway, `arn` its role) or registered_agent (a registry entry no platform listed).
    "kind": "object",
    "platform": "object",
    "region": "object",
    "name": "object",
    "status": "object",
    "created": UTC_TIME,
    "tags": "object",
    "foundation_model": "object",
    "guardrail": "object",
    "network_mode": "object",
    "workload_identity": "object",
    "endpoints": "object",
    "knowledge_bases": "object",
    "role_unknown_count": "Int64",
    "effective_admin": "boolean",
    "privesc_escalates": "boolean",
    "privesc_path": "object",
    "owner_status": "object",
    "tools": "object",
    "tool_count": "Int64",
    "tool_actions": "object",
    "approved_tools": "object",
    "unapproved_tools": "object",
    "unapproved_tool_count": "Int64",
    "credentials": "object",
    "inbound_auth": "object",
    "api_key_targets": "object",
    "api_key_target_count": "Int64",
    "evidence_gap_count": "Int64",
    "registry_id": "object",
    "registry_conflicts": "object",
    "rt_calls_outside_scope": "object",
    "rt_calls_outside_scope_count": "Int64",
    "rt_source_file": "object",
    "rt_source_sha256": "object",
}

# `agent_tools`: one row per (agent, tool) an agent can reach — an action group (or each of its operations), a
# gateway target (or each of its tools) on a gateway its runtime may call — with how it is reached, the target's
# outbound credential and whether the baseline approves it (scan/agents.py, baseline/agents.py).
AGENT_TOOL_COLUMNS: Columns = {
    "account_id": "object",
    "region": "object",
    "agent_id": "object",
    "agent_name": "object",
    "tool": "object",
    "tool_kind": "object",
    "gateway_arn": "object",
    "gateway_name": "object",
    "target_id": "object",
    "target_name": "object",
    "target_type": "object",
    "endpoint": "object",
    "credential_type": "object",
    "credential_arn": "object",
    "reachable_via": "object",
    "approved": "boolean",
    "source_file": "object",
    "source_sha256": "object",
}

# `drift_*` tables (baseline/drift), one per kind of day-over-day change.
DRIFT_IDENTITY_COLUMNS: Columns = {"account_id": "object", "arn": "object", "kind": "object", "change": "object"}
DRIFT_CREDENTIAL_COLUMNS: Columns = {
    "account_id": "object",
    "credential_id": "object",
    "kind": "object",
    "owner_arn": "object",
    "change": "object",
}
DRIFT_PERMISSION_COLUMNS: Columns = {
    "account_id": "object",
    "arn": "object",
    "added_actions": "object",
    "added_count": "int64",
    "removed_actions": "object",
    "removed_count": "int64",
    "added_outside_baseline": "object",
    "added_outside_baseline_count": "int64",
}
DRIFT_TRUST_COLUMNS: Columns = {
    "account_id": "object",
    "arn": "object",
    "added_principals": "object",
    "added_count": "int64",
    "removed_principals": "object",
    "removed_count": "int64",
    "added_outside_baseline": "object",
    "added_outside_baseline_count": "int64",
}
DRIFT_OWNER_COLUMNS: Columns = {
    "account_id": "object",
    "arn": "object",
    "previous_owner": "object",
    "current_owner": "object",
}
DRIFT_CREEP_COLUMNS: Columns = {
    "account_id": "object",
    "arn": "object",
    "previous_sensitive_actions": "Int64",
    "current_sensitive_actions": "int64",
    "change": "Int64",
}

# ------------------------------------------------------------------------------------ evaluation (evaluate/)

# `findings`: one row per (rule, resource) that fails; every column is text (object) by contract.
FINDINGS_COLUMNS: Columns = dict.fromkeys(
    (
        "rule_id",
        "family",
        "title",
        "severity",
        "status",
        "account_id",
        "region",
        "resource_arn",
        "resource_kind",
        "identity_arn",
        "observed",
        "threshold",
        "classification_reason",
        "owner",
        "snapshot_id",
        "partition_date",
        "source_file",
        "source_sha256",
        # The configured inputs the verdict also rests on (directory feed, baseline files), as 'path sha256:…'.
        "input_files",
        # The finding's stable id across days (rule, account, resource and, for a multi-valued rule, the element).
        "finding_id",
        # The element of a multi-valued rule (meta `finding_element` names its column); None for the others.
        "element",
        # How `observed` reads (OBSERVED_KINDS below): every surface renders the value from it, never from its look.
        "observed_kind",
    ),
    "object",
)

# ------------------------------------------------------------------------------------ observed values

# The kinds an observed value can be, each rendered one way on every surface (output/observed.py).
OBSERVED_KIND_NAMES: tuple[str, ...] = (
    "count",  # a whole number of things
    "days",  # an age or time since, in days
    "days_left",  # days until a date (negative: that many days past it)
    "seconds",  # a duration in seconds
    "account_ids",  # AWS account ids, comma-joined (written as they are: leading zeros, no separators)
    "arns",  # ARNs or principals, comma-joined
    "actions",  # IAM actions, comma-joined (AWS casing)
    "services",  # service namespaces, comma-joined
    "names",  # other names, comma-joined (scopes, grants)
    "boolean",  # true / false, read as yes / no
    "expiry",  # a date a thing expires; absent means it never does
    "status",  # a state word (departed, unknown, …)
    "text",  # a sentence the fact already phrases (a path, a summary): shown as written
)
# The kind of each fact column a rule observes, declared once here beside the columns (a rule may override it
# with meta `observed_kind`). A column not listed reads as `text`: shown exactly as written.
OBSERVED_KINDS: dict[str, str] = {
    "age_days": "days",
    "days_since_last_use": "days",
    "days_since_rotation": "days",
    "days_to_expiry": "days_left",
    "max_session_seconds": "seconds",
    "stated_lifetime_seconds": "seconds",
    "lifetime_excess_seconds": "seconds",
    "active_access_key_count": "count",
    "policy_parse_errors": "count",
    "policy_documents_missing": "count",
    "cross_account_without_external_id": "account_ids",
    "unapproved_trust_principals": "arns",
    "drift_trust_outside_baseline": "arns",
    "jit_expired_grants": "arns",
    "privesc_reachable_by": "arns",
    "drift_permissions_outside_baseline": "actions",
    "unapproved_actions": "actions",
    "privesc_methods": "actions",
    "sensitive_wildcard_services": "services",
    "rt_unused_granted_services": "services",
    "unapproved_scopes": "names",
    "unapproved_managed_policies": "arns",
    "trust_open_unconditioned": "boolean",
    "oidc_subject_unconstrained": "boolean",
    "console_access": "boolean",
    "rotation_enabled": "boolean",
    "effective_admin": "boolean",
    "expires": "expiry",
    "owner_status": "status",
    "owner": "text",
    "unapproved_permissions": "text",
    "admin_implied": "text",
    "privesc_path": "text",
    # Probe and runtime facts are phrased by their scan already ("HTTP 200 at +4 s", "kms:Decrypt from … ×3").
    "expired_replay_observed": "text",
    "cross_audience_observed": "text",
    "revocation_observed": "text",
    "rt_secret_reads_outside_networks": "text",
    "rt_interactive_use": "text",
    "rt_calls_outside_scope": "text",
    "rt_denied_outside_baseline": "text",
    "rt_secret_reads_new_network": "text",
    "rt_first_sensitive_use": "text",
    "rt_new_regions": "text",
    "privesc_latent_path": "text",
    # AI agents: tool paths and agent names are names; how a gateway admits callers is a state word.
    "unapproved_tools": "names",
    "inbound_auth": "status",
    "api_key_targets": "text",
    "used_by": "names",
    # Kubernetes: grants and binding paths are phrased by the RBAC scan; pod counts are counts.
    "cluster_admin_via": "text",
    "wildcard_grants": "text",
    "secrets_cluster_wide": "text",
    "escalation_grants": "text",
    "takeover_grants": "text",
    "token_create_grants": "text",
    "cluster_control_grants": "text",
    "bindings": "text",
    "pods_using": "count",
    "pods_mounting_token": "count",
    "owner_source": "status",
    "unapproved_bindings": "text",
    "unapproved_aws_roles": "arns",
    "drift_rbac_gained": "text",
}
# `finding_lifecycle`: one row per finding ever seen up to the day (evaluate/lifecycle.py): open ones and resolved
# ones alike, so a finding that returns is known as re-opened. Dates are ISO strings; `*_at` the snapshot times.
FINDING_LIFECYCLE_COLUMNS: Columns = dict.fromkeys(
    (
        "finding_id",
        "rule_id",
        "family",
        "title",
        "severity",
        "account_id",
        "region",
        "resource_arn",
        "resource_kind",
        "identity_arn",
        "element",
        "status",  # new | open | reopened | resolved
        "first_seen",
        "first_seen_at",
        "last_seen",
        "last_seen_at",
        "resolved_on",
    ),
    "object",
)
# `rule_results`: one row per (rule, account, region scope).
RULE_RESULT_COLUMNS: Columns = {
    "rule_id": "object",
    "family": "object",
    "title": "object",
    "severity": "object",
    "account_id": "object",
    "region": "object",
    "status": "object",
    "evaluated": "int64",
    "failed": "int64",
    "missing_sources": "object",
    # Why a scope is INCOMPLETE when no source status says so (a rule no configured evidence could reach).
    "reason": "object",
}

# `probes`: one row per runtime probe target (scan/probe_table.py, docs/probes.md); NA facts read INCOMPLETE.
PROBE_COLUMNS: Columns = {
    "account_id": "object",
    "target": "object",
    "kind": "object",
    "principal": "object",
    "resource": "object",
    "probe_run_id": "object",
    "probe_status": "object",
    "incomplete_reason": "object",
    "client_auth": "object",
    "token_format": "object",
    "token_fingerprint": "object",
    "issued_at": "object",
    "stated_lifetime_seconds": "Float64",
    "lifetime_source": "object",
    "max_lifetime_seconds": "Float64",
    "lifetime_excess_seconds": "Float64",
    "clock_skew_seconds": "Float64",
    "clock_skew_source": "object",
    "resource_clock_skew_seconds": "Float64",
    "leeway_seconds": "Float64",
    "expired_replays": "Int64",
    "expired_token_accepted": "boolean",
    "accepted_seconds_after_expiry": "Float64",
    "acceptance_stopped_seconds_after_expiry": "Float64",
    "still_accepted_at_last_replay": "boolean",
    "expired_replay_observed": "object",
    "audience_check_configured": "bool",
    "cross_audience_accepted": "boolean",
    "cross_audience_observed": "object",
    "revocation_configured": "bool",
    "revoked_session_accepted": "boolean",
    "revocation_observed": "object",
    "source_file": "object",
    "source_sha256": "object",
}
