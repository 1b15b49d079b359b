"""The demo's relying services: a real local OAuth2 issuer with 3-second tokens and two APIs that accept them —
`orders-api`, which checks `exp` and `aud` with PyJWT, and `ledger-api`, planted to check neither. The probe
job then shows NHI-PRB-001 failing on the ledger and passing on orders (and NHI-PRB-003 on the orders token the
ledger accepts), after a wait of a few seconds."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running

DEMO_SECRET_ENV = "ASSURANCE_DEMO_PROBE_SECRET"
DEMO_CLIENT_ID = "svc-payments-batch"
DEMO_TOKEN_LIFETIME_SECONDS = 3  # JWT iat is a whole second: valid for 2 to 3 s
# What the probes must catch, as (rule id, probe target): the ledger accepts expired tokens, and accepts tokens
# issued for the orders API.
PROBE_LEDGER: frozenset[tuple[str, str]] = frozenset({("NHI-PRB-001", "ledger-api"), ("NHI-PRB-003", "orders-api")})


@contextmanager
def demo_token_services() -> Iterator[dict[str, Any]]:
    """Run the issuer and both APIs on 127.0.0.1; yield the `probes:` configuration section pointing at them.

    The client secret is random, lives in this process's environment only, and the configuration names the
    variable — as a team would configure a real probe."""
    secret = secrets.token_urlsafe(24)
    issuer = LocalIssuer(lifetime_seconds=DEMO_TOKEN_LIFETIME_SECONDS, clients={DEMO_CLIENT_ID: secret})
    orders = ResourceServer(issuer, "orders-api")
    ledger = ResourceServer(issuer, "ledger-api", verify_exp=False, verify_aud=False)
    previous = os.environ.get(DEMO_SECRET_ENV)
    os.environ[DEMO_SECRET_ENV] = secret
    try:
        with running(issuer, orders, ledger):
            yield {
                "expiry_margin_seconds": 1,
                "late_replay_seconds": 1,  # the planted ledger is replayed once more, a second later
                "oauth2": [
                    _target("orders-api", issuer, orders, ledger),
                    _target("ledger-api", issuer, ledger, orders),
                ],
            }
    finally:
        if previous is None:
            os.environ.pop(DEMO_SECRET_ENV, None)
        else:
            os.environ[DEMO_SECRET_ENV] = previous


def _target(name: str, issuer: LocalIssuer, resource: ResourceServer, other: ResourceServer) -> dict[str, Any]:
    return {
        "name": name,
        "token_endpoint": issuer.token_endpoint,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": {"env": DEMO_SECRET_ENV},
        "audience": resource.audience,
        "resource_url": f"{resource.url}/",
        "second_resource_url": f"{other.url}/",
        "max_lifetime_seconds": 3600,
        "leeway_seconds": 0,  # PyJWT's default leeway: the demo's APIs tolerate none
    }
