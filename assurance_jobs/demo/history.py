"""Two days of demo history: an approved baseline, an agent registry, and the drift between yesterday and today.

Yesterday's snapshot is collected with the clock set back one day (the same collector, the same emulator); then
the estate drifts the way real estates do — a policy attached outside the baseline, a trust widened, an agent
granted a scope it was never approved for, a just-in-time elevation whose window has closed but is still
attached — and today's run sees it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import boto3
import yaml
from freezegun import freeze_time

from assurance_jobs.demo.agents import AGENT_APPROVALS

ACCOUNT = "123456789012"
UNKNOWN_PARTNER_ACCOUNT = "444455556666"
OWNER_ML = "priya.raman@example.com"
OWNER_PAYMENTS = "maria.lopez@example.com"
_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
_SUPPORT_BOT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["bedrock:InvokeModel"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": "*"},
    ],
}
_SETTLEMENT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/payments/ledger-db-*",
        },
    ],
}
_RECONCILER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::acme-settlement/*"},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"},
    ],
}
_KMS_ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:ScheduleKeyDeletion"], "Resource": "*"}
    ],
}
_JIT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:PassRole", "cloudformation:CreateStack"], "Resource": "*"}],
}


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def _iam(endpoint: str):
    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")


def _tags(owner: str, app: str) -> list[dict[str, str]]:
    return [{"Key": "owner", "Value": owner}, {"Key": "app", "Value": app}, {"Key": "env", "Value": "prod"}]


def seed_baselined_roles(endpoint: str, now: datetime) -> None:
    """Four roles the baseline governs, created before yesterday's snapshot."""
    with freeze_time(now - timedelta(days=3)):
        iam = _iam(endpoint)
        iam.create_role(
            RoleName="agent-support-bot",
            AssumeRolePolicyDocument=json.dumps(_LAMBDA_TRUST),
            Tags=_tags(OWNER_ML, "support-bot"),
        )
        iam.put_role_policy(
            RoleName="agent-support-bot", PolicyName="support-bot-tools", PolicyDocument=json.dumps(_SUPPORT_BOT_POLICY)
        )
        iam.create_role(
            RoleName="payments-settlement",
            AssumeRolePolicyDocument=json.dumps(_LAMBDA_TRUST),
            Tags=_tags(OWNER_PAYMENTS, "settlement"),
        )
        iam.put_role_policy(
            RoleName="payments-settlement", PolicyName="settlement-files", PolicyDocument=json.dumps(_SETTLEMENT_POLICY)
        )
        iam.create_role(
            RoleName="payments-reconciler",
            AssumeRolePolicyDocument=json.dumps(_LAMBDA_TRUST),
            Tags=_tags(OWNER_PAYMENTS, "reconciler"),
        )
        iam.put_role_policy(
            RoleName="payments-reconciler", PolicyName="reconcile", PolicyDocument=json.dumps(_RECONCILER_POLICY)
        )
        iam.create_role(
            RoleName="release-automation",
            AssumeRolePolicyDocument=json.dumps(_LAMBDA_TRUST),
            Tags=_tags(OWNER_ML, "release-automation"),
        )
        iam.create_policy(PolicyName="jit-stack-deploy", PolicyDocument=json.dumps(_JIT_POLICY))
        iam.attach_role_policy(RoleName="release-automation", PolicyArn=_arn("policy", "jit-stack-deploy"))


def write_baseline(folder: Path, now: datetime) -> Path:
    """The reviewed operating model for the three roles and the support agent."""
    folder.mkdir(parents=True, exist_ok=True)
    window_start = now - timedelta(days=1, hours=6)
    document = {
        "identities": [
            {
                "name": "support agent runtime",
                "arn": _arn("role", "agent-support-bot"),
                "approved_actions": ["bedrock:InvokeModel", "dynamodb:GetItem", "dynamodb:Query"],
                "approved_trust_principals": ["lambda.amazonaws.com"],
                "approved_owner": OWNER_ML,
            },
            {
                "name": "payments settlement",
                "arn": _arn("role", "payments-settlement"),
                "approved_actions": ["s3:GetObject", "s3:PutObject", "secretsmanager:GetSecretValue"],
                "approved_networks": ["10.20.0.0/16", "vpce-0settle0001", "aws-service"],
                "approved_trust_principals": ["lambda.amazonaws.com"],
                "approved_owner": OWNER_PAYMENTS,
            },
            {
                "name": "payments reconciler",
                "arn": _arn("role", "payments-reconciler"),
                "approved_actions": ["s3:GetObject", "kms:Decrypt"],
                "approved_networks": ["10.20.0.0/16", "vpce-0settle0001", "aws-service"],
                "approved_trust_principals": ["lambda.amazonaws.com"],
                "approved_owner": OWNER_PAYMENTS,
            },
            {
                "name": "release automation",
                "arn": _arn("role", "release-automation"),
                "approved_actions": [],
                "approved_trust_principals": ["lambda.amazonaws.com"],
                "approved_owner": OWNER_ML,
            },
        ],
        # KMS keys tagged so hold secrets: a Decrypt of one is a secrets-store read (NHI-RT-001).
        "secret_key_tags": [{"key": "data-class", "value": "secret"}],
        "jit_grants": [
            {
                "identity_arn": _arn("role", "release-automation"),
                "elevated_policy": _arn("policy", "jit-stack-deploy"),
                "window_start": window_start.isoformat(),
                "window_end": (window_start + timedelta(hours=12)).isoformat(),
                "reason": "CHG-5120 one-off stack migration",
            },
        ],
        "agents": {"support-bot": ["tickets:read", "tickets:comment", "kb:search"], **AGENT_APPROVALS},
    }
    path = folder / "approved.yaml"
    path.write_text("# Demo baseline (generated by assurance-jobs demo)\n" + yaml.safe_dump(document, sort_keys=False))
    return path


def write_registry(path: Path, *, granted_extra: bool) -> Path:
    """The agent platform's export; on day two the support bot was granted a scope nobody approved."""
    scopes = ["tickets:read", "tickets:comment", "kb:search"] + (["billing:refund"] if granted_extra else [])
    agents = [
        {
            "id": "support-bot",
            "name": "Customer support assistant",
            "owner": OWNER_ML,
            "runtime_identity_arn": _arn("role", "agent-support-bot"),
            "scopes_granted": scopes,
            "scopes_requested": [],
        }
    ]
    path.write_text(yaml.safe_dump({"agents": agents}, sort_keys=False))
    return path


def drift_overnight(endpoint: str) -> dict[str, str]:
    """What changed between the two snapshots, and the rule that must catch each change."""
    iam = _iam(endpoint)
    iam.put_role_policy(
        RoleName="payments-settlement", PolicyName="key-maintenance", PolicyDocument=json.dumps(_KMS_ADMIN_POLICY)
    )
    widened = json.loads(json.dumps(_LAMBDA_TRUST))
    widened["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{UNKNOWN_PARTNER_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        }
    )
    iam.update_assume_role_policy(RoleName="agent-support-bot", PolicyDocument=json.dumps(widened))
    return {
        "NHI-BL-001": _arn("role", "payments-settlement"),
        "NHI-DRIFT-001": _arn("role", "payments-settlement"),
        "NHI-BL-002": _arn("role", "agent-support-bot"),
        "NHI-DRIFT-002": _arn("role", "agent-support-bot"),
        "NHI-BL-003": _arn("role", "release-automation"),
        "NHI-BL-004": "support-bot",
        # Held since day one: the JIT grant's iam:PassRole + cloudformation:CreateStack, with no privileged role
        # trusting CloudFormation to pass (latent escalation).
        "NHI-LP-008": _arn("role", "release-automation"),
    }
