"""emulated_aws(): plain boto3 reaches the emulator through the environment, and everything is put back after."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from assurance_jobs.demo.documents import self_signed_certificate
from assurance_jobs.demo.server import emulated_aws


def test_plain_boto3_session_reaches_the_emulator_through_the_environment() -> None:
    with emulated_aws() as endpoint_url:
        assert os.environ["AWS_ENDPOINT_URL"] == endpoint_url
        assert endpoint_url.startswith("http://127.0.0.1:")
        identity = boto3.Session().client("sts").get_caller_identity()
    assert identity["Account"] == "123456789012"


def test_environment_cannot_reach_a_real_account_while_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production-admin")
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", "https://iam.amazonaws.com")
    with emulated_aws():
        assert "AWS_PROFILE" not in os.environ
        assert "AWS_ENDPOINT_URL_IAM" not in os.environ
        assert "AWS_SESSION_TOKEN" not in os.environ
        assert (os.environ["AWS_DEFAULT_REGION"], os.environ["AWS_REGION"]) == ("us-east-1", "us-east-1")


def test_environment_is_restored_on_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production-admin")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    before = dict(os.environ)
    with emulated_aws():
        pass
    assert dict(os.environ) == before


def test_each_use_starts_from_an_empty_account() -> None:
    with emulated_aws():
        boto3.client("iam").create_user(UserName="left-over")
    with emulated_aws():
        assert boto3.client("iam").list_users()["Users"] == []


def test_server_certificate_metadata_is_read_from_the_certificate() -> None:
    expires = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)
    body, key = self_signed_certificate("demo.example.com", issued=expires - timedelta(days=30), expires=expires)
    with emulated_aws():
        iam = boto3.client("iam")
        iam.upload_server_certificate(ServerCertificateName="demo", CertificateBody=body, PrivateKey=key)
        listed = iam.list_server_certificates()["ServerCertificateMetadataList"]
    assert [cert["Expiration"].astimezone(UTC) for cert in listed] == [expires]
