"""`iam_authorization_details`: every user, group, role and managed policy with their documents, merged over all
pages; the principals' identity rows are assembled in `scan.inventory`, their policy rows here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assurance_jobs.scan.sources.common import (
    NOT_IN_SNAPSHOT,
    Context,
    Provenance,
    decode_policy_document,
    dicts,
    load_pages,
)
from assurance_jobs.snapshot.model import IAM_AUTHORIZATION_DETAILS, Snapshot


@dataclass
class AuthorizationDetails:
    users: list[dict[str, Any]]
    roles: list[dict[str, Any]]
    groups: dict[str, dict[str, Any]]
    policies: dict[str, dict[str, Any]]
    provenance: Provenance


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> AuthorizationDetails | None:
    """The account's authorization details, or None when the snapshot holds no readable file for them."""
    loaded = load_pages(snapshot, account_id, IAM_AUTHORIZATION_DETAILS, None, ctx.warnings)
    return merge_pages(*loaded) if loaded else None


def merge_pages(pages: list[dict[str, Any]], provenance: Provenance) -> AuthorizationDetails:
    details = AuthorizationDetails([], [], {}, {}, provenance)
    for page in pages:
        details.users.extend(dicts(page.get("UserDetailList")))
        details.roles.extend(dicts(page.get("RoleDetailList")))
        for group in dicts(page.get("GroupDetailList")):
            details.groups[str(group.get("GroupName"))] = group
        for policy in dicts(page.get("Policies")):
            details.policies[str(policy.get("Arn"))] = policy
    return details


def managed_document(details: AuthorizationDetails, policy_arn: str | None) -> tuple[str | None, str | None]:
    """The DEFAULT version's document (moto omits AWS-managed policies: kept as 'not in snapshot')."""
    policy = details.policies.get(str(policy_arn))
    if policy is None:
        return None, NOT_IN_SNAPSHOT
    versions = dicts(policy.get("PolicyVersionList"))
    default = [v for v in versions if v.get("IsDefaultVersion") is True]
    default = default or [v for v in versions if v.get("VersionId") == policy.get("DefaultVersionId")]
    if not default:
        return None, NOT_IN_SNAPSHOT
    return decode_policy_document(default[0].get("Document"))


def _policy_row(
    account_id: str,
    principal_arn: str,
    attachment: str,
    name: Any,
    arn: Any,
    via_group: str | None,
    decoded: tuple[str | None, str | None],
    provenance: Provenance,
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "principal_arn": principal_arn,
        "attachment": attachment,
        "policy_name": name,
        "policy_arn": arn,
        "via_group": via_group,
        "document": decoded[0],
        "parse_error": decoded[1],
        "source_file": provenance.source_file,
        "source_sha256": provenance.source_sha256,
    }


def _attached_rows(
    details: AuthorizationDetails,
    account_id: str,
    principal_arn: str,
    holder: dict[str, Any],
    inline_key: str,
    kinds: tuple[str, str],
    via_group: str | None,
) -> list[dict[str, Any]]:
    """Inline and attached managed policies of one user, role or group."""
    rows = [
        _policy_row(
            account_id,
            principal_arn,
            kinds[0],
            inline.get("PolicyName"),
            None,
            via_group,
            decode_policy_document(inline.get("PolicyDocument")),
            details.provenance,
        )
        for inline in dicts(holder.get(inline_key))
    ]
    for managed in dicts(holder.get("AttachedManagedPolicies")):
        arn = managed.get("PolicyArn")
        decoded = managed_document(details, arn)
        rows.append(
            _policy_row(
                account_id,
                principal_arn,
                kinds[1],
                managed.get("PolicyName"),
                arn,
                via_group,
                decoded,
                details.provenance,
            )
        )
    return rows


def boundary_arn(principal: dict[str, Any]) -> str | None:
    boundary = principal.get("PermissionsBoundary")
    return boundary.get("PermissionsBoundaryArn") if isinstance(boundary, dict) else None


def principal_policy_rows(
    details: AuthorizationDetails, account_id: str, principal: dict[str, Any], kind: str, ctx: Context
) -> list[dict[str, Any]]:
    arn = str(principal.get("Arn"))
    inline_key = "UserPolicyList" if kind == "user" else "RolePolicyList"
    rows = _attached_rows(details, account_id, arn, principal, inline_key, ("inline", "managed"), None)
    group_names = (principal.get("GroupList") or []) if kind == "user" else []
    for group_name in group_names:
        group = details.groups.get(str(group_name))
        if group is None:
            ctx.warnings.append(f"{account_id}: group {group_name} of {arn} not in authorization details")
            continue
        kinds = ("group_inline", "group_managed")
        rows += _attached_rows(details, account_id, arn, group, "GroupPolicyList", kinds, str(group_name))
    boundary = boundary_arn(principal)
    if boundary:
        name = boundary.rsplit("/", 1)[-1]
        decoded = managed_document(details, boundary)
        rows.append(_policy_row(account_id, arn, "boundary", name, boundary, None, decoded, details.provenance))
    if kind == "role":
        decoded = decode_policy_document(principal.get("AssumeRolePolicyDocument"))
        rows.append(_policy_row(account_id, arn, "trust", None, None, None, decoded, details.provenance))
    return rows
