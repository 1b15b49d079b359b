"""OIDC discovery (OpenID Connect Discovery 1.0 §4): an issuer names its own endpoints.

The document at `<issuer>/.well-known/openid-configuration` must name exactly the configured issuer (§4.3: a
mismatch means the wrong or an impersonated issuer) and a token endpoint. Endpoints configured explicitly take
precedence over discovered ones, so a provider that does not publish, say, its revocation endpoint can still be
probed.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from assurance_jobs.config import OAuth2ProbeTarget
from assurance_jobs.probes.http import json_body

WELL_KNOWN = "/.well-known/openid-configuration"
DISCOVERED = ("token_endpoint", "jwks_uri", "revocation_endpoint", "introspection_endpoint")


class DiscoveryFailed(Exception):
    """The issuer's discovery document could not be read or does not describe that issuer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Endpoints:
    token_endpoint: str
    revocation_endpoint: str | None = None
    introspection_endpoint: str | None = None
    jwks_uri: str | None = None
    discovered: tuple[tuple[str, str], ...] = ()  # what the discovery document said, for the evidence


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + WELL_KNOWN


def resolve_endpoints(target: OAuth2ProbeTarget, http: requests.Session, timeout: float) -> Endpoints:
    """The target's endpoints: configured ones, completed from the issuer's discovery document when configured."""
    found = _discover(target.issuer, http, timeout) if target.issuer else {}
    token_endpoint = target.token_endpoint or found.get("token_endpoint")
    if not token_endpoint:
        raise DiscoveryFailed("DiscoveryIncomplete", f"{discovery_url(str(target.issuer))} names no token_endpoint")
    return Endpoints(
        token_endpoint=token_endpoint,
        revocation_endpoint=target.revocation_endpoint or found.get("revocation_endpoint"),
        introspection_endpoint=target.introspection_endpoint or found.get("introspection_endpoint"),
        jwks_uri=found.get("jwks_uri"),
        discovered=tuple(sorted(found.items())),
    )


def _discover(issuer: str, http: requests.Session, timeout: float) -> dict[str, str]:
    url = discovery_url(issuer)
    try:
        response = http.get(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException as error:
        raise DiscoveryFailed("IssuerUnreachable", f"{url}: {type(error).__name__}") from None
    document = json_body(response)
    if response.status_code != 200 or not document:
        raise DiscoveryFailed("DiscoveryFailed", f"{url} answered HTTP {response.status_code} without a JSON document")
    if document.get("issuer") != issuer:
        raise DiscoveryFailed(
            "DiscoveryIssuerMismatch", f"{url} describes issuer {str(document.get('issuer'))[:120]!r}, not {issuer!r}"
        )
    return {name: document[name] for name in DISCOVERED if isinstance(document.get(name), str)}
