"""Policy, trust-policy and certificate material for the demo estate.

Kept apart from the seeding so a reader can see at a glance what each planted identity is allowed to do and
who may assume it: the documents are the evidence the rules judge.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1"


def allow(actions: str | list[str], resources: str | list[str] = "*", sid: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if sid:
        statement["Sid"] = sid
    return statement


def deny(actions: str | list[str], resources: str | list[str] = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resources}


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_trust(service: str) -> str:
    """Trust a single AWS service principal: the compliant shape for workload roles."""
    return policy({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def account_trust(account_id: str, external_id: str | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "sts:AssumeRole",
    }
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return policy(statement)


def open_trust() -> str:
    """Anyone with an AWS account may assume the role: the worst trust policy there is."""
    return policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})


def github_oidc_trust(account_id: str, repo_ref: str | None) -> str:
    """GitHub Actions web-identity trust; without a `sub` condition any repository on GitHub can assume it."""
    conditions: dict[str, Any] = {"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com"}}
    if repo_ref:
        conditions["StringLike"] = {f"{GITHUB_OIDC_HOST}:sub": repo_ref}
    return policy(
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{account_id}:oidc-provider/{GITHUB_OIDC_HOST}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": conditions,
        }
    )


def scoped_app_policy(account_id: str, app: str, env: str) -> str:
    """What a well-run workload holds: named actions on its own bucket, queue and table only."""
    return policy(
        allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::acme-{app}-{env}/*"),
        allow(["sqs:SendMessage", "sqs:ReceiveMessage"], f"arn:aws:sqs:us-east-1:{account_id}:{app}-{env}"),
        allow(
            ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
            f"arn:aws:dynamodb:us-east-1:{account_id}:table/{app}-{env}",
        ),
    )


def scoped_deploy_policy(account_id: str, app: str) -> str:
    """A CI/CD deployer limited to one ECS service and one ECR repository."""
    return policy(
        allow(
            ["ecs:UpdateService", "ecs:DescribeServices"],
            f"arn:aws:ecs:us-east-1:{account_id}:service/prod/{app}",
        ),
        allow(
            ["ecr:PutImage", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload"],
            f"arn:aws:ecr:us-east-1:{account_id}:repository/{app}",
        ),
    )


def self_signed_certificate(common_name: str, *, issued: datetime, expires: datetime) -> tuple[str, str]:
    """(certificate PEM, private key PEM) for an IAM server certificate with the given validity window."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(issued - timedelta(minutes=5))
        .not_valid_after(expires)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()
