"""Client authentication at the token, revocation and introspection endpoints, without ever storing a credential.

* `client_secret_basic` (RFC 6749 §2.3.1): the client id and secret are each form-encoded (Appendix B) before
  they are joined with ':' and base64-encoded — a secret with ':', '%' or '+' in it is otherwise misread.
* `client_secret_post`: `client_id` and `client_secret` in the form body.
* `private_key_jwt` (RFC 7523 §2.2, OIDC Core §9): a one-use assertion (`iss` = `sub` = client id, `aud` = the
  token endpoint unless configured, a random `jti`, a short `exp`) signed with joserfc by a private key read from
  its reference.

Every value that could identify the credential — the secret, its encodings, the key and each of its PEM lines,
every assertion — goes to the run's `Redactor`, which refuses evidence containing any of them.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

from joserfc import jwk, jwt

from assurance_jobs.config import OAuth2ProbeTarget, PrivateKeyJwt
from assurance_jobs.probes.record import Redactor
from assurance_jobs.probes.secret_refs import SecretUnavailable, resolve_secret

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC"}


@dataclass(frozen=True)
class ClientCredential:
    """The resolved credential of one target, in memory for the probe's duration only."""

    method: str
    client_id: str
    secret: str | None = None
    key: Any = None  # a joserfc key for private_key_jwt
    assertion: PrivateKeyJwt | None = None


def load_credential(target: OAuth2ProbeTarget, redactor: Redactor) -> ClientCredential:
    """Resolve the configured reference; raise SecretUnavailable (CredentialMissing) when it cannot be read."""
    if target.client_auth == "private_key_jwt":
        settings = target.private_key_jwt
        assert settings is not None  # the configuration requires it for this method
        pem = resolve_secret(settings.key)
        _register_key(pem, redactor)
        key = _import_key(pem, settings)
        return ClientCredential(target.client_auth, target.client_id, key=key, assertion=settings)
    assert target.client_secret is not None  # the configuration requires it for the secret methods
    secret = resolve_secret(target.client_secret)
    redactor.add(secret)
    redactor.add(quote_plus(secret, safe=""))
    return ClientCredential(target.client_auth, target.client_id, secret=secret)


def _register_key(pem: str, redactor: Redactor) -> None:
    redactor.add(pem)
    for line in pem.splitlines():
        if len(line.strip()) >= 16 and not line.startswith("-----"):
            redactor.add(line.strip())


def _import_key(pem: str, settings: PrivateKeyJwt) -> Any:
    key_type = _KEY_TYPES[settings.algorithm[:2]]
    try:
        return jwk.import_key(pem.encode("utf-8"), key_type)  # type: ignore[call-overload]
    except ValueError:
        raise SecretUnavailable("CredentialUnreadable", f"the private key is not a PEM {key_type} key") from None


def authenticate(
    credential: ClientCredential, token_endpoint: str, now: datetime, redactor: Redactor
) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, form fields) that authenticate the client at any of the issuer's endpoints. An assertion's default
    audience is the token endpoint even at the revocation or introspection endpoint: it names the authorization
    server, not the URL called (issuers refuse the introspection URL as audience)."""
    if credential.method == "client_secret_basic":
        header = basic_authorization(credential.client_id, credential.secret or "")
        redactor.add(header.split(" ", 1)[1])
        return {"Authorization": header}, {}
    if credential.method == "client_secret_post":
        return {}, {"client_id": credential.client_id, "client_secret": credential.secret or ""}
    assertion = client_assertion(credential, token_endpoint, now)
    redactor.add(assertion)
    form = {"client_id": credential.client_id, "client_assertion_type": ASSERTION_TYPE}
    return {}, {**form, "client_assertion": assertion}


def basic_authorization(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: each part form-encoded (Appendix B), then joined and base64-encoded."""
    pair = f"{quote_plus(client_id, safe='')}:{quote_plus(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def client_assertion(credential: ClientCredential, token_endpoint: str, now: datetime) -> str:
    settings = credential.assertion
    assert settings is not None and credential.key is not None
    issued = int(now.timestamp())
    claims = {
        "iss": credential.client_id,
        "sub": credential.client_id,
        "aud": settings.audience or token_endpoint,
        "jti": secrets.token_urlsafe(16),
        "iat": issued,
        "exp": issued + settings.lifetime_seconds,
    }
    header: dict[str, str] = {"alg": settings.algorithm, "typ": "JWT"}
    for name, value in (("kid", settings.key_id), ("x5t#S256", settings.x5t_s256), ("x5t", settings.x5t)):
        if value:
            header[name] = value
    return jwt.encode(header, claims, credential.key, algorithms=[settings.algorithm])
