"""NHI-PRB-004 for OAuth2 targets: a second token is revoked at the issuer (RFC 7009) and replayed; where the
resource validates by introspection (RFC 7662), the issuer must also report it inactive. The first token is
left alone, so its expiry replay still decides NHI-PRB-001."""

from __future__ import annotations

import pytest
from probe_fixtures import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, judge, oauth2_target, run_targets

from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running
from assurance_jobs.probes.record import ProbeRecord

REVOKE = {"revocation": True}
REVOKE_AND_INTROSPECT = {"revocation": True, "introspection": True}


@pytest.fixture(scope="module")
def revocation_run() -> dict[str, ProbeRecord]:
    # Tokens live long enough for the revocation steps to finish before they expire on a loaded machine (a
    # refusal after expiry would prove nothing and read INCOMPLETE), and short enough for the expiry replay.
    issuer = LocalIssuer(lifetime_seconds=6, clients={CLIENT_ID: CLIENT_SECRET})
    stale = LocalIssuer(lifetime_seconds=6, clients={CLIENT_ID: CLIENT_SECRET}, introspection_ignores_revocation=True)
    local_jwt = ResourceServer(issuer, "orders-api")
    introspecting = ResourceServer(issuer, "orders-api", introspect=True)
    stale_introspecting = ResourceServer(stale, "orders-api", introspect=True)
    with (
        pytest.MonkeyPatch.context() as patch,
        running(issuer, local_jwt, introspecting),
        running(stale, stale_introspecting),
    ):
        patch.setenv(SECRET_ENV, CLIENT_SECRET)

        def target(name: str, on: LocalIssuer, resource: ResourceServer, **extra: object) -> dict:
            found = oauth2_target(name, on.token_endpoint, resource.url, audience="orders-api", **extra)
            del found["token_endpoint"]
            return {**found, "issuer": on.issuer}  # endpoints by discovery

        return run_targets(
            [
                target("introspected", issuer, introspecting, **REVOKE_AND_INTROSPECT),
                target("local-jwt", issuer, local_jwt, **REVOKE),
                target("stale-introspection", stale, stale_introspecting, **REVOKE_AND_INTROSPECT),
                {**oauth2_target("no-endpoint", issuer.token_endpoint, local_jwt.url, audience="orders-api"), **REVOKE},
            ]
        )


def test_a_revoked_token_refused_and_reported_inactive_passes(revocation_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(revocation_run)
    phases = [(e.phase, e.outcome) for e in revocation_run["introspected"].events]
    assert ("revoke", "accepted") in phases and ("after_revoke", "rejected") in phases
    assert ("introspect_after_revoke", "rejected") in phases
    assert verdicts[("NHI-PRB-004", "introspected")] == "PASS"


def test_a_resource_validating_jwts_locally_still_accepts_a_revoked_token(revocation_run) -> None:
    verdicts, _ = judge(revocation_run)
    assert verdicts[("NHI-PRB-004", "local-jwt")] == "FAIL"


def test_introspection_still_reporting_a_revoked_token_active_fails(revocation_run) -> None:
    verdicts, _ = judge(revocation_run)
    introspected = [e.code for e in revocation_run["stale-introspection"].events if e.phase.startswith("introspect")]
    assert introspected == ["active", "active"]
    assert verdicts[("NHI-PRB-004", "stale-introspection")] == "FAIL"


def test_the_expiry_replay_uses_the_token_that_was_not_revoked(revocation_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(revocation_run)
    record = revocation_run["introspected"]
    assert record.revocation_token_fingerprint not in (None, record.token_fingerprint)
    assert verdicts[("NHI-PRB-001", "introspected")] == "PASS"


def test_without_a_revocation_endpoint_only_the_revocation_rule_is_incomplete(revocation_run) -> None:
    verdicts, _ = judge(revocation_run)
    assert revocation_run["no-endpoint"].error_code == "RevocationEndpointMissing"
    assert verdicts[("NHI-PRB-004", "no-endpoint")] == "INCOMPLETE"
    assert verdicts[("NHI-PRB-001", "no-endpoint")] == "PASS"
