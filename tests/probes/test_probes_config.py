"""The probes: configuration section: secrets by reference only, one-line errors naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from assurance_jobs.config import ConfigError, parse_config

ROLE = "arn:aws:iam::123456789012:role/assurance-token-probe"


def oauth2(**overrides: Any) -> dict[str, Any]:
    target = {
        "name": "orders-api",
        "token_endpoint": "https://idp.example.com/oauth2/token",
        "client_id": "svc-orders-probe",
        "client_secret": {"env": "ORDERS_PROBE_CLIENT_SECRET"},
        "resource_url": "https://orders.example.com/health",
    }
    return {**target, **overrides}


def parse(**probes: Any):
    return parse_config({"probes": probes})


def test_a_valid_section_has_safe_defaults() -> None:
    probes = parse(oauth2=[oauth2()], sts=[{"name": "probe-role", "role_arn": ROLE}]).probes
    assert probes.oauth2[0].expected_rejection == [401, 403]
    assert probes.oauth2[0].max_lifetime_seconds == 3600
    assert probes.sts[0].duration_seconds == 900 and probes.sts[0].revocation_probe is False
    assert probes.schedule.cron == "30 6 * * *"


def test_a_literal_client_secret_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError, match=r"probes\.oauth2\.0\.client_secret': must be a reference") as error:
        parse(oauth2=[oauth2(client_secret="hunter2-super-secret")])
    assert "hunter2" not in str(error.value)


def test_a_secret_reference_names_exactly_one_place() -> None:
    both = {"env": "X", "secretsmanager_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:probe-AbCdEf"}
    with pytest.raises(ConfigError, match="exactly one of env"):
        parse(oauth2=[oauth2(client_secret=both)])


def test_a_secrets_manager_reference_must_be_a_secret_arn() -> None:
    with pytest.raises(ConfigError, match="secretsmanager_arn"):
        parse(oauth2=[oauth2(client_secret={"secretsmanager_arn": "arn:aws:s3:::bucket"})])


def test_probe_names_are_file_stems_and_unique() -> None:
    with pytest.raises(ConfigError, match=r"probes\.oauth2\.0\.name"):
        parse(oauth2=[oauth2(name="../orders")])
    with pytest.raises(ConfigError, match="repeated: orders-api"):
        parse(oauth2=[oauth2()], sts=[{"name": "orders-api", "role_arn": ROLE}])


def test_expected_rejection_is_a_refusal_status() -> None:
    with pytest.raises(ConfigError, match=r"expected_rejection\.0"):
        parse(oauth2=[oauth2(expected_rejection=[200])])


def test_sts_sessions_cannot_be_shorter_than_the_sts_minimum() -> None:
    with pytest.raises(ConfigError, match=r"probes\.sts\.0\.duration_seconds"):
        parse(sts=[{"name": "probe-role", "role_arn": ROLE, "duration_seconds": 60}])


def test_urls_must_be_http() -> None:
    with pytest.raises(ConfigError, match=r"probes\.oauth2\.0\.resource_url"):
        parse(oauth2=[oauth2(resource_url="ftp://orders.example.com/")])
