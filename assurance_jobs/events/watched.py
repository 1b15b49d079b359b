"""The CloudTrail management events that change what a snapshot would see.

WHY a fixed list rather than "every write call": the daily snapshot is the baseline; a rerun is worth its AWS calls
only when an identity, credential, permission, trust or secret changed. The EventBridge rule in
docs/change-events.md filters on the same names (a test keeps the two in step), and the parser rejects anything
else, so a too-broad rule cannot turn into a rerun storm.
"""

from __future__ import annotations

from collections.abc import Mapping

IAM_EVENTS: frozenset[str] = frozenset(
    {
        # identities
        "CreateUser",
        "DeleteUser",
        "UpdateUser",
        "CreateRole",
        "DeleteRole",
        "UpdateRole",
        "CreateServiceLinkedRole",
        "DeleteServiceLinkedRole",
        "TagUser",
        "UntagUser",
        "TagRole",
        "UntagRole",
        # credentials
        "CreateAccessKey",
        "DeleteAccessKey",
        "UpdateAccessKey",
        "CreateLoginProfile",
        "UpdateLoginProfile",
        "DeleteLoginProfile",
        "UploadServerCertificate",
        "UpdateServerCertificate",
        "DeleteServerCertificate",
        "UpdateAccountPasswordPolicy",
        "DeleteAccountPasswordPolicy",
        # permissions
        "AttachUserPolicy",
        "DetachUserPolicy",
        "PutUserPolicy",
        "DeleteUserPolicy",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "PutRolePolicy",
        "DeleteRolePolicy",
        "AttachGroupPolicy",
        "DetachGroupPolicy",
        "PutGroupPolicy",
        "DeleteGroupPolicy",
        "AddUserToGroup",
        "RemoveUserFromGroup",
        "CreatePolicyVersion",
        "DeletePolicyVersion",
        "SetDefaultPolicyVersion",
        "PutUserPermissionsBoundary",
        "DeleteUserPermissionsBoundary",
        "PutRolePermissionsBoundary",
        "DeleteRolePermissionsBoundary",
        # trust
        "UpdateAssumeRolePolicy",
        "CreateOpenIDConnectProvider",
        "UpdateOpenIDConnectProviderThumbprint",
        "AddClientIDToOpenIDConnectProvider",
        "RemoveClientIDFromOpenIDConnectProvider",
        "DeleteOpenIDConnectProvider",
    }
)

# STS writes nothing a snapshot stores, except that long-term access keys minting federation or session tokens
# update the keys' last-used facts. AssumeRole* is deliberately absent: it fires on every workload start and would
# rerun the day continuously.
STS_EVENTS: frozenset[str] = frozenset({"GetFederationToken", "GetSessionToken"})

SECRETSMANAGER_EVENTS: frozenset[str] = frozenset(
    {
        "CreateSecret",
        "DeleteSecret",
        "RestoreSecret",
        "UpdateSecret",
        "PutSecretValue",
        "RotateSecret",
        "CancelRotateSecret",
        "UpdateSecretVersionStage",
        "TagResource",
        "UntagResource",
        "PutResourcePolicy",
        "DeleteResourcePolicy",
        "ReplicateSecretToRegions",
        "RemoveRegionsFromReplication",
    }
)

# CloudTrail `eventSource` → the event names worth a rerun.
WATCHED_EVENTS: Mapping[str, frozenset[str]] = {
    "iam.amazonaws.com": IAM_EVENTS,
    "sts.amazonaws.com": STS_EVENTS,
    "secretsmanager.amazonaws.com": SECRETSMANAGER_EVENTS,
}

# EventBridge `source` of the envelope → CloudTrail `eventSource` of the detail.
EVENTBRIDGE_SOURCES: Mapping[str, str] = {
    "aws.iam": "iam.amazonaws.com",
    "aws.sts": "sts.amazonaws.com",
    "aws.secretsmanager": "secretsmanager.amazonaws.com",
}

CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
