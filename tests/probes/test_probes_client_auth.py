"""Client authentication as real issuers expect it — client_secret_basic with RFC 6749 §2.3.1 form-encoding,
client_secret_post, private_key_jwt with a key read by reference — and OIDC discovery of the endpoints."""

from __future__ import annotations

import base64
from urllib.parse import unquote_plus

import pytest
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import RSAKey
from probe_fixtures import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, oauth2_target, run_targets

from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running
from assurance_jobs.probes.client_auth import basic_authorization
from assurance_jobs.probes.record import ProbeRecord

AWKWARD_SECRET = "s3:cr%t+with space&é"  # every character RFC 6749 Appendix B encodes
KEY_CLIENT = "svc-key-client"
KEY_ENV = "PROBE_TEST_PRIVATE_KEY"
REGISTERED_KEY = RSAKey.generate_key(2048)
OTHER_KEY = RSAKey.generate_key(2048)


def _issue_outcome(record: ProbeRecord) -> tuple[str, str | None]:
    issue = next(event for event in record.events if event.phase == "issue")
    return issue.outcome, issue.code


def _key_target(name: str, issuer: LocalIssuer, resource: ResourceServer, env: str) -> dict:
    target = oauth2_target(name, issuer.token_endpoint, resource.url, audience="orders-api")
    del target["client_secret"]
    key = {"private_key_jwt": {"key": {"env": env}}}
    return {**target, "client_id": KEY_CLIENT, "client_auth": "private_key_jwt", **key}


@pytest.fixture(scope="module")
def auth_run() -> tuple[dict[str, ProbeRecord], LocalIssuer]:
    issuer = LocalIssuer(
        lifetime_seconds=2, clients={CLIENT_ID: AWKWARD_SECRET}, client_keys={KEY_CLIENT: REGISTERED_KEY}
    )
    honest = ResourceServer(issuer, "orders-api")
    with pytest.MonkeyPatch.context() as patch, running(issuer, honest):
        patch.setenv(SECRET_ENV, AWKWARD_SECRET)
        patch.setenv(KEY_ENV, REGISTERED_KEY.as_pem(private=True).decode())
        patch.setenv("PROBE_TEST_OTHER_KEY", OTHER_KEY.as_pem(private=True).decode())
        patch.setenv("PROBE_TEST_NOT_A_KEY", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----")
        endpoint = issuer.token_endpoint
        records = run_targets(
            [
                oauth2_target("basic", endpoint, honest.url, audience="orders-api"),
                oauth2_target("post", endpoint, honest.url, audience="orders-api", client_auth="client_secret_post"),
                _key_target("key", issuer, honest, KEY_ENV),
                _key_target("wrong-key", issuer, honest, "PROBE_TEST_OTHER_KEY"),
                _key_target("not-a-key", issuer, honest, "PROBE_TEST_NOT_A_KEY"),
            ]
        )
    return records, issuer


def test_basic_authentication_form_encodes_id_and_secret() -> None:
    encoded = basic_authorization("svc orders", AWKWARD_SECRET).removeprefix("Basic ")
    client_id, secret = base64.b64decode(encoded).decode().split(":", 1)
    assert (unquote_plus(client_id), unquote_plus(secret)) == ("svc orders", AWKWARD_SECRET)
    assert ":" not in secret and " " not in secret


def test_a_secret_with_reserved_characters_gets_a_token_by_basic(auth_run) -> None:
    records, _ = auth_run
    assert _issue_outcome(records["basic"]) == ("accepted", None)
    assert records["basic"].status == "ok"


def test_client_secret_post_gets_a_token(auth_run) -> None:
    records, _ = auth_run
    assert _issue_outcome(records["post"]) == ("accepted", None)
    assert records["post"].client_auth == "client_secret_post"


def test_private_key_jwt_with_the_registered_key_gets_a_token(auth_run) -> None:
    records, _ = auth_run
    assert _issue_outcome(records["key"]) == ("accepted", None)
    assert records["key"].status == "ok"


def test_private_key_jwt_with_another_key_is_refused_by_the_issuer(auth_run) -> None:
    records, _ = auth_run
    assert (records["wrong-key"].status, records["wrong-key"].error_code) == ("error", "TokenRequestRejected")
    assert _issue_outcome(records["wrong-key"]) == ("rejected", "invalid_client")


def test_an_unreadable_private_key_means_the_probe_cannot_run(auth_run) -> None:
    records, _ = auth_run
    assert (records["not-a-key"].error_code, records["not-a-key"].events) == ("CredentialUnreadable", [])


def _signed_by_the_registered_key(assertions: list[str]) -> list[dict]:
    claims = []
    for assertion in assertions:
        try:
            claims.append(jose_jwt.decode(assertion, REGISTERED_KEY).claims)
        except BadSignatureError:
            continue
    return claims


def test_the_client_assertion_is_short_lived_single_use_and_addressed_to_the_token_endpoint(auth_run) -> None:
    _, issuer = auth_run
    (claims,) = _signed_by_the_registered_key(issuer.assertions)
    assert claims["iss"] == claims["sub"] == KEY_CLIENT
    assert claims["aud"] == issuer.token_endpoint and claims["exp"] - claims["iat"] == 60
    assert issuer.seen_jtis == {claims["jti"]}  # the issuer would refuse a second use of it


@pytest.fixture(scope="module")
def discovery_run() -> dict[str, ProbeRecord]:
    issuer = LocalIssuer(lifetime_seconds=2, clients={CLIENT_ID: CLIENT_SECRET})
    impostor = LocalIssuer(
        lifetime_seconds=2, clients={CLIENT_ID: CLIENT_SECRET}, discovery_issuer="https://idp.invalid"
    )
    honest = ResourceServer(issuer, "orders-api")
    with pytest.MonkeyPatch.context() as patch, running(issuer, honest), running(impostor):
        patch.setenv(SECRET_ENV, CLIENT_SECRET)
        discovered = oauth2_target("discovered", issuer.token_endpoint, honest.url, audience="orders-api")
        mismatched = oauth2_target("mismatched", impostor.token_endpoint, honest.url, audience="orders-api")
        del discovered["token_endpoint"], mismatched["token_endpoint"]
        return run_targets([{**discovered, "issuer": issuer.issuer}, {**mismatched, "issuer": impostor.issuer}])


def test_the_issuer_discovery_document_names_the_endpoints(discovery_run: dict[str, ProbeRecord]) -> None:
    record = discovery_run["discovered"]
    assert record.status == "ok"
    assert set(record.discovery) == {"token_endpoint", "jwks_uri", "revocation_endpoint", "introspection_endpoint"}


def test_a_discovery_document_naming_another_issuer_is_refused(discovery_run: dict[str, ProbeRecord]) -> None:
    record = discovery_run["mismatched"]
    assert (record.status, record.error_code) == ("error", "DiscoveryIssuerMismatch")
    assert record.events == []
