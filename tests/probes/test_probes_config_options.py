"""The probe target options for real providers: one-line errors naming the field, credentials by reference only,
documented defaults for the leeway and the replay schedule."""

from __future__ import annotations

from typing import Any

import pytest

from assurance_jobs.config import ConfigError, parse_config

KEY = {"key": {"env": "ORDERS_PROBE_KEY"}}


def oauth2(**overrides: Any) -> dict[str, Any]:
    target = {
        "name": "orders-api",
        "issuer": "https://idp.example.com/oauth2/default",
        "client_id": "svc-orders-probe",
        "client_secret": {"env": "ORDERS_PROBE_CLIENT_SECRET"},
        "resource_url": "https://orders.example.com/health",
    }
    return {key: value for key, value in {**target, **overrides}.items() if value is not None}


def parse(*targets: dict[str, Any], **settings: Any):
    return parse_config({"probes": {"oauth2": list(targets), **settings}}).probes


def test_defaults_tolerate_a_minute_of_leeway_and_replay_five_minutes_later() -> None:
    probes = parse(oauth2())
    assert probes.oauth2[0].leeway_seconds == 60 and probes.late_replay_seconds == 300
    assert probes.max_wait_seconds == 4000 and probes.revocation_window_seconds == 60
    assert (probes.oauth2[0].client_auth, probes.oauth2[0].method) == ("client_secret_basic", "GET")


def test_an_issuer_or_a_token_endpoint_is_needed() -> None:
    with pytest.raises(ConfigError, match=r"probes\.oauth2\.0.*give issuer \(OIDC discovery\) or token_endpoint"):
        parse(oauth2(issuer=None))


def test_private_key_jwt_needs_its_key_and_no_secret() -> None:
    with pytest.raises(ConfigError, match="private_key_jwt needs a private_key_jwt section and no client_secret"):
        parse(oauth2(client_auth="private_key_jwt"))
    target = parse(oauth2(client_auth="private_key_jwt", client_secret=None, private_key_jwt=KEY)).oauth2[0]
    assert target.private_key_jwt.algorithm == "RS256" and target.private_key_jwt.lifetime_seconds == 60


def test_a_literal_private_key_is_refused_without_echoing_it() -> None:
    literal = {"key": "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkq"}
    with pytest.raises(ConfigError, match=r"private_key_jwt\.key': must be a reference") as error:
        parse(oauth2(client_auth="private_key_jwt", client_secret=None, private_key_jwt=literal))
    assert "MIIEvQ" not in str(error.value)


def test_a_credential_header_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"probes\.oauth2\.0\.headers.*Authorization is set by the probe"):
        parse(oauth2(headers={"Authorization": "Bearer x"}))
    with pytest.raises(ConfigError, match="Ocp-Apim-Subscription-Key is set by the probe or would hold") as error:
        parse(oauth2(headers={"Ocp-Apim-Subscription-Key": "0123456789abcdef"}))
    assert "0123456789abcdef" not in str(error.value)
    assert parse(oauth2(headers={"api-version": "2024-10-01"})).oauth2[0].headers == {"api-version": "2024-10-01"}


def test_a_redirect_may_be_a_rejection_but_throttling_may_not() -> None:
    assert parse(oauth2(expected_rejection=[401, 302])).oauth2[0].expected_rejection == [401, 302]
    with pytest.raises(ConfigError, match=r"expected_rejection\.0.*not 408 or 429"):
        parse(oauth2(expected_rejection=[429]))


def test_one_resource_indicator_may_be_given_as_a_string() -> None:
    assert parse(oauth2(resource="https://orders.example.com")).oauth2[0].resource == ["https://orders.example.com"]
    with pytest.raises(ConfigError, match="RFC 8707"):
        parse(oauth2(resource="orders"))


def test_introspection_checks_a_revoked_token_so_it_needs_revocation() -> None:
    with pytest.raises(ConfigError, match="set revocation: true as well"):
        parse(oauth2(introspection=True))


def test_the_leeway_is_bounded() -> None:
    with pytest.raises(ConfigError, match=r"probes\.oauth2\.0\.leeway_seconds"):
        parse(oauth2(leeway_seconds=-1))
