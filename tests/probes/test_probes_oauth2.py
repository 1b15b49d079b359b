"""The OAuth2 client-credentials probe against a real local issuer (authlib) and relying services (PyJWT).

Tokens live a few seconds (JWT `iat` is a whole second, so a 3-second token is valid for 2 to 3 s — room for
a loaded machine); the targets of one case run in one probe run, in parallel, so each case waits ~4 s.
"""

from __future__ import annotations

import socket

import pytest
from probe_fixtures import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, oauth2_target, probes_config

from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running
from assurance_jobs.probes.record import ProbeRecord
from assurance_jobs.probes.runner import run_probes


@pytest.fixture(autouse=True)
def client_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)


def _by_target(records: list[ProbeRecord]) -> dict[str, ProbeRecord]:
    return {record.target: record for record in records}


def _phases(record: ProbeRecord) -> list[tuple[str, str]]:
    return [(event.phase, event.outcome) for event in record.events]


@pytest.fixture(scope="module")
def jwt_run() -> dict[str, ProbeRecord]:
    """One run over an honest, a planted (no exp/aud check) and a broken (500) resource of one JWT issuer."""
    issuer = LocalIssuer(lifetime_seconds=3, clients={CLIENT_ID: CLIENT_SECRET})
    honest = ResourceServer(issuer, "orders-api")
    planted = ResourceServer(issuer, "ledger-api", verify_exp=False, verify_aud=False)
    broken = ResourceServer(issuer, "reports-api", broken=True)
    with pytest.MonkeyPatch.context() as patch, running(issuer, honest, planted, broken):
        patch.setenv(SECRET_ENV, CLIENT_SECRET)
        endpoint = issuer.token_endpoint
        config = probes_config(
            [
                oauth2_target("orders", endpoint, honest.url, audience="orders-api", second_resource_url=planted.url),
                oauth2_target("ledger", endpoint, planted.url, audience="ledger-api", second_resource_url=honest.url),
                oauth2_target("reports", endpoint, broken.url, audience="reports-api"),
            ]
        )
        return _by_target(run_probes(config.probes).records)


def test_honest_resource_refuses_the_replayed_expired_token(jwt_run: dict[str, ProbeRecord]) -> None:
    orders = jwt_run["orders"]
    assert orders.status == "ok"
    assert _phases(orders)[-1] == ("expired_replay", "rejected")
    assert orders.events[-1].status == 401 and orders.events[-1].code == "invalid_token"


def test_replay_happens_after_the_stated_expiry(jwt_run: dict[str, ProbeRecord]) -> None:
    orders = jwt_run["orders"]
    replay = orders.events[-1]
    assert 2 <= orders.stated_lifetime_seconds <= 3  # JWT times and the Date header have one-second resolution
    # Both the `exp` claim and `expires_in` state ~3 s; the longer wins, and which is longer depends on where in
    # the second the token was issued (the Date header is whole seconds), so only the rule is pinned here.
    assert orders.expires_in == 3 and orders.stated_lifetime_seconds >= orders.expires_in
    if orders.stated_lifetime_seconds > orders.expires_in:
        assert orders.lifetime_source == "jwt exp - issue (skew-corrected)"
    else:
        assert orders.lifetime_source in {"expires_in", "jwt exp - issue (skew-corrected)"}
    assert replay.after_expiry_seconds >= 0.5 and replay.offset_seconds >= orders.stated_lifetime_seconds


def test_planted_resource_still_accepting_is_replayed_once_more_later(jwt_run: dict[str, ProbeRecord]) -> None:
    ledger = jwt_run["ledger"]
    replays = [event for event in ledger.events if event.phase == "expired_replay"]
    assert [(event.detail, event.outcome, event.status) for event in replays] == [
        ("just_after_expiry", "accepted", 200),
        ("late", "accepted", 200),
    ]


def test_token_for_another_audience_accepted_by_the_planted_resource(jwt_run: dict[str, ProbeRecord]) -> None:
    assert ("cross_audience", "accepted") in _phases(jwt_run["orders"])
    assert ("cross_audience", "rejected") in _phases(jwt_run["ledger"])


def test_resource_answering_500_ends_the_probe_as_an_error(jwt_run: dict[str, ProbeRecord]) -> None:
    reports = jwt_run["reports"]
    assert (reports.status, reports.error_code) == ("error", "ValidTokenNotAccepted")
    assert not any(event.phase == "expired_replay" for event in reports.events)


def test_jwt_lifetime_and_fingerprint_are_recorded_never_the_token(jwt_run: dict[str, ProbeRecord]) -> None:
    orders = jwt_run["orders"]
    assert orders.token_format == "jwt"
    assert orders.jwt_exp - orders.jwt_iat == 3
    assert orders.token_fingerprint.startswith("hmac-sha256:")
    assert "eyJ" not in orders.to_json().decode()


def test_issuer_unreachable_is_recorded_as_such() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = probes_config([oauth2_target("down", f"http://127.0.0.1:{port}/token", "http://127.0.0.1:9/")])
    (record,) = run_probes(config.probes).records
    assert (record.status, record.error_code) == ("error", "IssuerUnreachable")
    assert _phases(record)[-1] == ("issue", "error")


def test_wrong_client_secret_is_refused_by_the_issuer() -> None:
    issuer = LocalIssuer(clients={CLIENT_ID: "the-real-secret-differs"})
    with running(issuer):
        config = probes_config([oauth2_target("wrong", issuer.token_endpoint, "http://127.0.0.1:9/")])
        (record,) = run_probes(config.probes).records
    assert (record.status, record.error_code) == ("error", "TokenRequestRejected")
    issue = next(event for event in record.events if event.phase == "issue")
    assert issue.status == 401 and issue.code == "invalid_client"


def test_missing_secret_variable_means_the_probe_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV)
    config = probes_config([oauth2_target("nosecret", "http://127.0.0.1:9/token", "http://127.0.0.1:9/")])
    (record,) = run_probes(config.probes).records
    assert (record.status, record.error_code) == ("error", "CredentialMissing")
    assert record.events == []


def test_opaque_token_lifetime_comes_from_expires_in() -> None:
    issuer = LocalIssuer(lifetime_seconds=2, token_format="opaque", clients={CLIENT_ID: CLIENT_SECRET})
    honest = ResourceServer(issuer, "orders-api")
    with running(issuer, honest):
        config = probes_config([oauth2_target("opaque", issuer.token_endpoint, honest.url, audience="orders-api")])
        (record,) = run_probes(config.probes).records
    assert (record.token_format, record.lifetime_source, record.stated_lifetime_seconds) == ("opaque", "expires_in", 2)
    assert record.jwt_exp is None and record.status == "ok"
    assert _phases(record)[-1] == ("expired_replay", "rejected")
