"""session_for: profile and role from the account config; everything else from the standard chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from assurance_jobs.collect.aws import ROLE_SESSION_NAME, new_session, session_for
from assurance_jobs.config import AccountConfig

ROLE_ARN = "arn:aws:iam::123456789012:role/auditor"


@pytest.fixture
def moto() -> Iterator[None]:
    with mock_aws():
        yield


def test_named_profile_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text("[profile audit]\naws_access_key_id = audit-key\naws_secret_access_key = b\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    session = session_for(AccountConfig(name="prod", profile="audit"))
    assert (session.profile_name, session.get_credentials().access_key) == ("audit", "audit-key")


def test_without_profile_or_role_the_ambient_chain_is_used() -> None:
    session = session_for(AccountConfig(name="prod"))
    assert session.get_credentials().access_key == "testing"


def test_role_is_assumed_with_the_external_id(moto: None) -> None:
    base = boto3.Session(region_name="us-east-1")
    requests: list[dict[str, Any]] = []
    base.events.register("before-parameter-build.sts.AssumeRole", lambda params, **_: requests.append(dict(params)))
    account = AccountConfig(name="prod", role_arn=ROLE_ARN, external_id="ext-123")
    session = session_for(account, base=base)
    assert requests == [{"RoleArn": ROLE_ARN, "RoleSessionName": ROLE_SESSION_NAME, "ExternalId": "ext-123"}]
    assert session.get_credentials().token
    identity = session.client("sts", region_name="us-east-1").get_caller_identity()
    assert identity["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/auditor/")


def test_sessions_share_loaded_models_but_keep_aws_data_path_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path / "models"))
    first, second = new_session(), new_session()
    loader = first._session.get_component("data_loader")
    assert loader is second._session.get_component("data_loader")
    assert loader.search_paths[0] == str(tmp_path / "models")
