"""Helpers for the collector tests: a small seeded estate and ways to make botocore see AWS misbehave.

Two injection points, both botocore's own event system so the collector code runs unmodified:
* `before-call.<service>.<Operation>` returning (http_response, parsed) answers a call without HTTP at all
  (used for extra pages, AccessDenied, report states);
* `before-send.<service>.<Operation>` returning an HTTP response replaces one HTTP attempt, so botocore's
  retry handler sees it (used for throttling).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.loaders import Loader

SECRET_VALUE = "never-read-this-value-7f3a"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def http_response(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> AWSResponse:
    return AWSResponse("https://aws.invalid/", status, headers or {}, _Raw(body))


def query_error(code: str, status: int = 400, message: str = "injected") -> AWSResponse:
    """An IAM/STS (query protocol) error as the HTTP layer would return it."""
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>injected</RequestId></ErrorResponse>"
    ).encode()
    return http_response(status, body, {"Content-Type": "text/xml"})


def parsed_error(code: str, status: int = 403, message: str = "injected") -> tuple[AWSResponse, dict[str, Any]]:
    """A before-call answer that makes the client raise ClientError(code)."""
    return http_response(status), {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }


def parsed_ok(body: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    return http_response(200), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}


@dataclass
class Script:
    """Answers successive calls from a list; None in the list (or running out) lets the real call through."""

    answers: list[Any]
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return self.answers.pop(0) if self.answers else None


def on_call(session: boto3.Session, service: str, operation: str, handler: Callable[..., Any]) -> None:
    session.events.register(f"before-call.{service}.{operation}", handler)


def on_send_first(session: boto3.Session, service: str, operation: str, handler: Callable[..., Any]) -> None:
    """Registered first so it wins over moto's own before-send responder."""
    session.events.register_first(f"before-send.{service}.{operation}", handler)


def session_sharing(loader: Loader, region: str = "us-east-1") -> boto3.Session:
    """A new session (own event handlers) that reuses already-parsed service models: tests stay fast."""
    core = botocore.session.Session()
    core.register_component("data_loader", loader)
    return boto3.Session(botocore_session=core, region_name=region)


def seed_estate(session: boto3.Session) -> None:
    """Two service users with keys, a group with policies, two roles, and secrets in two regions."""
    iam = session.client("iam")
    policy_arn = iam.create_policy(PolicyName="s3-everything", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.create_group(GroupName="deployers")
    iam.put_group_policy(GroupName="deployers", PolicyName="inline-s3", PolicyDocument=POLICY)
    for name in ("ci-bot", "backup-bot"):
        iam.create_user(UserName=name, Tags=[{"Key": "owner", "Value": "team@example.com"}])
        iam.create_access_key(UserName=name)
        iam.add_user_to_group(GroupName="deployers", UserName=name)
    iam.attach_user_policy(UserName="ci-bot", PolicyArn=policy_arn)
    for name in ("lambda-exec", "etl-runner"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, MaxSessionDuration=7200)
    iam.attach_role_policy(RoleName="etl-runner", PolicyArn=policy_arn)
    for region in ("us-east-1", "eu-west-1"):
        secrets = session.client("secretsmanager", region_name=region)
        secrets.create_secret(Name=f"db-password-{region}", SecretString=SECRET_VALUE)
