"""A real OAuth2 client-credentials issuer and two relying services on 127.0.0.1, for the demo and the tests.

The issuer is authlib's `AuthorizationServer` with its `ClientCredentialsGrant` (client authentication,
`invalid_client` answers and token responses are authlib's, not ours), issuing short-lived tokens — JWT
access tokens (RFC 9068 shape, ES256, signed with joserfc) or opaque random strings. The resource servers
validate with PyJWT: one honestly (`exp`, `aud`, `iss`), one planted to skip the expiry and audience checks,
as a relying service with `verify_exp=False` left in from debugging would. moto cannot play this part: it
never expires anything.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, ClassVar

import flask
import jwt
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey
from werkzeug.serving import WSGIRequestHandler, make_server

ALGORITHM = "ES256"


@dataclass
class _Client(ClientMixin):
    client_id: str
    secret: str = field(repr=False)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return ""

    def get_allowed_scope(self, scope: str | None) -> str:
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.secret, client_secret or "")

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class _ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]


@dataclass
class LocalIssuer:
    """Token lifetimes in seconds; `clock_offset_seconds` skews the issuer's clock (iat, exp, Date header)."""

    lifetime_seconds: int = 3
    token_format: str = "jwt"
    clock_offset_seconds: float = 0.0
    clients: dict[str, str] = field(default_factory=dict)
    url: str = ""
    key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256"))
    opaque_tokens: dict[str, tuple[float, str]] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)  # in memory only: lets tests prove no token was stored

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def token_endpoint(self) -> str:
        return f"{self.url}/token"

    @property
    def public_pem(self) -> bytes:
        return self.key.as_pem(private=False)

    def now(self) -> float:
        return time.time() + self.clock_offset_seconds

    def opaque_expiry(self, token: str) -> tuple[float, str] | None:
        """What a relying service learns from introspection: (exp, audience), or None if never issued."""
        return self.opaque_tokens.get(token)

    def _access_token(self, client: Any, grant_type: str, user: Any, scope: str) -> str:
        issued = int(self.now())
        audience = flask.request.form.get("audience") or "default"
        if self.token_format == "opaque":
            token = secrets.token_urlsafe(32)
            self.opaque_tokens[token] = (time.time() + self.lifetime_seconds, audience)
            self.issued.append(token)
            return token
        claims = {
            "iss": self.issuer,
            "sub": client.get_client_id(),
            "client_id": client.get_client_id(),
            "aud": audience,
            "iat": issued,
            "exp": issued + self.lifetime_seconds,
            "jti": secrets.token_hex(8),
            "scope": scope,
        }
        token = jose_jwt.encode({"alg": ALGORITHM, "typ": "at+jwt"}, claims, self.key, algorithms=[ALGORITHM])
        self.issued.append(token)
        return token

    def app(self) -> flask.Flask:
        # authlib logs every issued token at DEBUG; in-process, that would put tokens into the product's logs.
        logging.getLogger("authlib").setLevel(logging.INFO)
        app = flask.Flask("local-issuer")
        server = AuthorizationServer(app, query_client=self._query_client, save_token=lambda token, request: None)
        server.register_grant(_ClientCredentials)
        server.register_token_generator(
            "client_credentials",
            BearerTokenGenerator(self._access_token, expires_generator=lambda client, grant: self.lifetime_seconds),
        )

        @app.post("/token")
        def token():
            return server.create_token_response()

        return app

    def _query_client(self, client_id: str) -> _Client | None:
        secret = self.clients.get(client_id)
        return _Client(client_id, secret) if secret is not None else None


@dataclass
class ResourceServer:
    """A relying service: `verify_exp`/`verify_aud` False plants the defect; `broken` answers 500 to everything."""

    issuer: LocalIssuer
    audience: str
    verify_exp: bool = True
    verify_aud: bool = True
    broken: bool = False
    url: str = ""
    seen: list[int] = field(default_factory=list)

    def app(self) -> flask.Flask:
        app = flask.Flask(f"resource-{self.audience}")

        @app.get("/")
        def resource():
            if self.broken:
                return flask.Response("internal error", status=500)
            header = flask.request.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ").strip()
            if not header.startswith("Bearer ") or not self._valid(token):
                return flask.Response("", status=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return flask.jsonify({"ok": True, "audience": self.audience})

        return app

    def _valid(self, token: str) -> bool:
        if self.issuer.token_format == "opaque":
            known = self.issuer.opaque_expiry(token)
            if known is None:
                return False
            exp, audience = known
            return (not self.verify_exp or time.time() < exp) and (not self.verify_aud or audience == self.audience)
        try:
            jwt.decode(
                token,
                self.issuer.public_pem,
                algorithms=[ALGORITHM],
                audience=self.audience if self.verify_aud else None,
                issuer=self.issuer.issuer,
                options={"verify_exp": self.verify_exp, "verify_aud": self.verify_aud, "verify_iat": False},
            )
        except jwt.PyJWTError:
            return False
        return True


@contextmanager
def serve(app: flask.Flask, clock: Callable[[], float] = time.time):
    """Serve a WSGI app on an ephemeral 127.0.0.1 port in a daemon thread; yield its base URL.

    `clock` sets the HTTP `Date` header (the server's clock, which a skewed issuer gets wrong)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log lines on the demo's terminal

    class Handler(WSGIRequestHandler):
        def date_time_string(self, timestamp: float | None = None) -> str:
            return formatdate(clock(), usegmt=True)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Handler)
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{app.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def running(issuer: LocalIssuer, *resources: ResourceServer):
    """Start the issuer and the resource servers; their `url` fields are set while the block runs."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        issuer.url = stack.enter_context(serve(issuer.app(), clock=issuer.now))
        for resource in resources:
            resource.url = stack.enter_context(serve(resource.app()))
        yield issuer
