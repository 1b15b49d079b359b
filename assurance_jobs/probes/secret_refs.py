"""Resolve a configured secret *reference* to its value, in memory, for the probe's duration only."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.config import SecretReference


class SecretUnavailable(Exception):
    """The referenced secret is not there (unset variable, denied or absent secret): the probe cannot run."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def resolve_secret(reference: SecretReference, secretsmanager: Callable[[str], Any] | None = None) -> str:
    """The value, never logged. `secretsmanager(region)` builds a client (tests pass a stubbed one)."""
    if reference.env is not None:
        value = os.environ.get(reference.env)
        if not value:
            raise SecretUnavailable("CredentialMissing", f"environment variable {reference.env} is not set")
        return value
    arn = str(reference.secretsmanager_arn)
    region = arn.split(":")[3]
    client = secretsmanager(region) if secretsmanager else _client(region)
    try:
        value = client.get_secret_value(SecretId=arn).get("SecretString")
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "ClientError")
        raise SecretUnavailable("CredentialMissing", f"{arn}: {code}") from None
    except BotoCoreError as error:
        raise SecretUnavailable("CredentialMissing", f"{arn}: {type(error).__name__}") from None
    if not value:
        raise SecretUnavailable("CredentialMissing", f"{arn}: no SecretString")
    return value


def _client(region: str) -> Any:
    import boto3

    return boto3.Session().client("secretsmanager", region_name=region)
