"""When a token was issued, how long it lives and when the relying service will see it expire (pure, no I/O).

Three clocks are involved — the probe's, the issuer's and the relying service's — and each answer uses the one
that decides it:

* the *lifetime* runs from issue to `exp` on the issuer's clock. The issue time is the local mid-point of the
  token request corrected by the issuer's skew, measured from the token response's `Date` header; `iat` is a
  fallback only, because issuers backdate it (Entra ID by five minutes), which would inflate the lifetime;
* the *expiry* that matters for a replay is when the relying service's clock passes `exp`: `exp` corrected by
  the service's own skew (its `Date` header on the valid use). Without that header the later of "local clock"
  and "issuer clock" is taken, so an unknown clock can delay a replay but never make it early (an early replay
  of a still-valid token would be a false alarm). An opaque token expires `expires_in` after issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Skew:
    seconds: float
    source: str


@dataclass(frozen=True)
class Lifetime:
    seconds: float
    source: str


def issuer_skew(issued_local: datetime, server_date: datetime | None, jwt_iat: float | None) -> Skew | None:
    """The issuer's clock minus ours: from its `Date` header, else from `iat` (which backdating distorts)."""
    if server_date is not None:
        return Skew(round((server_date - issued_local).total_seconds(), 3), "token response Date vs local")
    if jwt_iat is not None:
        return Skew(round(jwt_iat - issued_local.timestamp(), 3), "jwt iat vs local")
    return None


def usable_lifetime(
    issued_local: datetime, skew: Skew | None, exp: float | None, expires_in: float | None
) -> Lifetime | None:
    """The longest lifetime the issuer states, counted from the skew-corrected issue time (never from `iat`)."""
    candidates = []
    if exp is not None:
        issued_on_issuer_clock = issued_local.timestamp() + (skew.seconds if skew else 0.0)
        candidates.append(Lifetime(round(exp - issued_on_issuer_clock, 3), "jwt exp - issue (skew-corrected)"))
    if expires_in is not None:
        candidates.append(Lifetime(round(expires_in, 3), "expires_in"))
    return max(candidates, key=lambda lifetime: lifetime.seconds) if candidates else None


def expiry_on_service_clock(
    issued_local: datetime,
    exp: float | None,
    expires_in: float | None,
    issuer: Skew | None,
    service_skew: float | None,
    earliest: bool = False,
) -> datetime | None:
    """Local time at which the relying service considers the token expired: the latest candidate (when to replay
    an expired token), or with `earliest` the first moment it may already be expired (a refusal from then on could
    be expiry, not revocation)."""
    candidates = []
    if exp is not None:
        skews = [service_skew] if service_skew is not None else [0.0, issuer.seconds if issuer else 0.0]
        candidates += [datetime.fromtimestamp(exp - skew, UTC) for skew in skews]
    if expires_in is not None:
        candidates.append(issued_local + timedelta(seconds=expires_in))
    if not candidates:
        return None
    return min(candidates) if earliest else max(candidates)
