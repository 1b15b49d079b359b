"""A real OAuth2 client-credentials issuer and relying services on 127.0.0.1, for the demo and the tests.

The issuer is authlib's `AuthorizationServer` with its `ClientCredentialsGrant` (client authentication,
`invalid_client` answers and token responses are authlib's, not ours), issuing short-lived tokens — JWT
access tokens (RFC 9068 shape, ES256, signed with joserfc) or opaque random strings. It also speaks what real
providers speak: OIDC discovery and a JWKS, `client_secret_basic` decoded as RFC 6749 §2.3.1 says (form-encoded
id and secret), `client_secret_post`, `private_key_jwt` (authlib's RFC 7523 client assertion), RFC 8707
`resource`, RFC 7009 revocation and RFC 7662 introspection — and what real providers do: a skewed clock, an
`iat` backdated like Entra ID's.

The resource servers validate with PyJWT (or by introspection): one honestly (`exp`, `aud`, `iss`, an optional
leeway), one planted to skip the expiry and audience checks, as a relying service with `verify_exp=False` left in
from debugging would; others play an auth proxy that redirects to a sign-in page, a public route, a route that
needs a method and a header. moto cannot play this part: it never expires anything.
"""

from __future__ import annotations

import base64
import logging
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, ClassVar, Literal
from urllib.parse import unquote_plus

import flask
import jwt
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidClientError
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey, Key
from werkzeug.serving import WSGIRequestHandler, make_server

ALGORITHM = "ES256"
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
LOGIN_PAGE = '<html><body><form action="/login" method="post">Sign in <input type="password" name="p"></form></body>'


@dataclass
class _Client(ClientMixin):
    client_id: str
    secret: str | None = field(default=None, repr=False)
    public_key: Key | None = None
    methods: tuple[str, ...] = SECRET_METHODS

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return ""

    def get_allowed_scope(self, scope: str | None) -> str:
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        given = (client_secret or "").encode("utf-8")
        return self.secret is not None and secrets.compare_digest(self.secret.encode("utf-8"), given)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in self.methods

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class _ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [*SECRET_METHODS, "private_key_jwt"]


@dataclass
class IssuedToken:
    """What the issuer remembers of a token (in memory): introspection and revocation answer from it."""

    client_id: str
    expires: float  # on the issuer's clock
    audience: str | list[str]
    revoked: bool = False

    def check_client(self, client: Any) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return ""


def _basic_client_secret(query_client: Callable[[str], Any], request: Any) -> Any:
    """`client_secret_basic` read as RFC 6749 §2.3.1 and Appendix B say: id and secret are form-encoded ('+' is a
    space), so a secret with ':', '%', '+' or a space survives the trip."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        pair = base64.b64decode(header.split(" ", 1)[1]).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    if ":" not in pair:
        return None
    client_id, secret = (unquote_plus(part) for part in pair.split(":", 1))
    client = query_client(client_id)
    if client is None:
        raise InvalidClientError(status_code=401, description="The client does not exist on this server.")
    return client if client.check_client_secret(secret) else None


class _PrivateKeyJwt(JWTBearerClientAssertion):
    """authlib's RFC 7523 client assertion check, as `private_key_jwt`, with one-use `jti`s."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, issuer: LocalIssuer) -> None:
        super().__init__(validate_jti=True)
        self.issuer = issuer

    def get_audiences(self) -> list[str]:
        return [self.issuer.token_endpoint, self.issuer.issuer]

    def validate_jti(self, claims: Any, jti: str) -> bool:
        if jti in self.issuer.seen_jtis:
            return False
        self.issuer.seen_jtis.add(jti)
        return True

    def resolve_client_public_key(self, client: _Client) -> Key:
        assert client.public_key is not None
        return client.public_key

    def __call__(self, query_client: Any, request: Any) -> Any:
        assertion = request.form.get("client_assertion")
        if assertion:
            self.issuer.assertions.append(assertion)
        return super().__call__(query_client, request)


class _IssuedTokens:
    """What the revocation and introspection endpoints share: the client methods they accept, and the issuer's
    tokens they look a presented token up in."""

    CLIENT_AUTH_METHODS: ClassVar[list[str]] = [*SECRET_METHODS, "private_key_jwt"]

    def __init__(self, issuer: LocalIssuer) -> None:
        super().__init__()
        self.issuer = issuer

    def query_token(self, token_string: str, token_type_hint: str | None) -> IssuedToken | None:
        return self.issuer.tokens.get(token_string)


class _Revocation(_IssuedTokens, RevocationEndpoint):
    def revoke_token(self, token: IssuedToken, request: Any) -> None:
        token.revoked = True


class _Introspection(_IssuedTokens, IntrospectionEndpoint):
    def check_permission(self, token: IssuedToken, client: Any, request: Any) -> bool:
        return True

    def create_introspection_payload(self, token: IssuedToken | None) -> dict[str, Any]:
        return self.issuer.introspect_record(token)

    def introspect_token(self, token: IssuedToken) -> dict[str, Any]:
        return self.issuer.introspect_record(token)


@dataclass
class LocalIssuer:
    """Token lifetimes in seconds; `clock_offset_seconds` skews the issuer's clock (iat, exp, Date header);
    `backdate_iat_seconds` sets `iat` that much before issue (as Entra ID does); `client_keys` registers clients
    that authenticate with `private_key_jwt`; `introspection_ignores_revocation` plants an issuer whose
    introspection still reports a revoked token active."""

    lifetime_seconds: int = 3
    token_format: str = "jwt"
    clock_offset_seconds: float = 0.0
    backdate_iat_seconds: int = 0
    clients: dict[str, str] = field(default_factory=dict)
    client_keys: dict[str, Key] = field(default_factory=dict)
    introspection_ignores_revocation: bool = False
    discovery_issuer: str | None = None  # a discovery document naming another issuer (impersonation)
    url: str = ""
    key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256"))
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)  # in memory only: lets tests prove no token was stored
    assertions: list[str] = field(default_factory=list)  # client assertions received, likewise
    seen_jtis: set[str] = field(default_factory=set)

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

    def introspect_record(self, token: IssuedToken | None) -> dict[str, Any]:
        """RFC 7662: inactive when unknown, expired or revoked (unless planted to ignore revocation)."""
        if token is None or self.now() >= token.expires:
            return {"active": False}
        if token.revoked and not self.introspection_ignores_revocation:
            return {"active": False}
        return {"active": True, "client_id": token.client_id, "aud": token.audience, "exp": int(token.expires)}

    def introspect(self, token: str) -> dict[str, Any]:
        """What an introspecting relying service learns (in-process, as if it called the endpoint)."""
        return self.introspect_record(self.tokens.get(token))

    def _audience(self) -> str | list[str]:
        resources = flask.request.form.getlist("resource")
        if resources:
            return resources[0] if len(resources) == 1 else resources
        return flask.request.form.get("audience") or "default"

    def _access_token(self, client: Any, grant_type: str, user: Any, scope: str) -> str:
        issued = int(self.now())
        audience = self._audience()
        if self.token_format == "opaque":
            token = secrets.token_urlsafe(32)
        else:
            claims = {
                "iss": self.issuer,
                "sub": client.get_client_id(),
                "client_id": client.get_client_id(),
                "aud": audience,
                "iat": issued - self.backdate_iat_seconds,
                "nbf": issued - self.backdate_iat_seconds,
                "exp": issued + self.lifetime_seconds,
                "jti": secrets.token_hex(8),
                "scope": scope,
            }
            header = {"alg": ALGORITHM, "typ": "at+jwt", "kid": "issuer-key"}
            token = jose_jwt.encode(header, claims, self.key, algorithms=[ALGORITHM])
        self.tokens[token] = IssuedToken(client.get_client_id(), float(issued + self.lifetime_seconds), audience)
        self.issued.append(token)
        return token

    def app(self) -> flask.Flask:
        # authlib logs every issued token at DEBUG; in-process, that would put tokens into the product's logs.
        logging.getLogger("authlib").setLevel(logging.INFO)
        app = flask.Flask("local-issuer")
        server = AuthorizationServer(app, query_client=self._query_client, save_token=lambda token, request: None)
        server.register_grant(_ClientCredentials)
        server.register_client_auth_method("client_secret_basic", _basic_client_secret)
        server.register_client_auth_method("private_key_jwt", _PrivateKeyJwt(self))
        server.register_endpoint(_Revocation(self))
        server.register_endpoint(_Introspection(self))
        server.register_token_generator(
            "client_credentials",
            BearerTokenGenerator(self._access_token, expires_generator=lambda client, grant: self.lifetime_seconds),
        )

        @app.post("/token")
        def token():
            return server.create_token_response()

        @app.post("/revoke")
        def revoke():
            return server.create_endpoint_response("revocation")

        @app.post("/introspect")
        def introspect():
            return server.create_endpoint_response("introspection")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return flask.jsonify(self.discovery_document())

        @app.get("/jwks")
        def jwks():
            return flask.jsonify({"keys": [{**self.key.as_dict(private=False), "kid": "issuer-key", "use": "sig"}]})

        return app

    def discovery_document(self) -> dict[str, Any]:
        return {
            "issuer": self.discovery_issuer or self.issuer,
            "token_endpoint": self.token_endpoint,
            "jwks_uri": f"{self.url}/jwks",
            "revocation_endpoint": f"{self.url}/revoke",
            "introspection_endpoint": f"{self.url}/introspect",
            "token_endpoint_auth_methods_supported": [*SECRET_METHODS, "private_key_jwt"],
        }

    def _query_client(self, client_id: str) -> _Client | None:
        if client_id in self.client_keys:
            return _Client(client_id, public_key=self.client_keys[client_id], methods=("private_key_jwt",))
        secret = self.clients.get(client_id)
        return _Client(client_id, secret) if secret is not None else None


Refusal = int | Literal["redirect", "login_page"]


@dataclass
class ResourceServer:
    """A relying service. `verify_exp`/`verify_aud` False plants the defect; `leeway_seconds` tolerates that much
    after `exp`; `introspect` validates by asking the issuer (RFC 7662) instead of checking the JWT; `broken`
    answers 500 to everything; `public` answers 200 to anything, token or not; `accept_any_token` answers 200 to
    any bearer token, valid or not (a validator that checks nothing); `refusal` is how a refused request is
    answered (a status, a redirect to a sign-in page, or a sign-in page served with 200); `method` and
    `required_headers` must match or the request is a 400 (a malformed request, not a refused token)."""

    issuer: LocalIssuer
    audience: str
    verify_exp: bool = True
    verify_aud: bool = True
    leeway_seconds: float = 0.0
    introspect: bool = False
    broken: bool = False
    public: bool = False
    accept_any_token: bool = False
    refusal: Refusal = 401
    method: str = "GET"
    required_headers: dict[str, str] = field(default_factory=dict)
    url: str = ""

    def app(self) -> flask.Flask:
        app = flask.Flask(f"resource-{self.audience}")

        @app.route("/", methods=["GET", "HEAD", "POST"])
        def resource():
            if self.broken:
                return flask.Response("internal error", status=500)
            if self.public:
                return flask.jsonify({"ok": True, "public": True})
            if flask.request.method != self.method or any(
                flask.request.headers.get(name) != value for name, value in self.required_headers.items()
            ):
                return flask.Response("bad request", status=400)
            header = flask.request.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ").strip()
            if not header.startswith("Bearer ") or not self._valid(token):
                return self._refuse()
            return flask.jsonify({"ok": True, "audience": self.audience})

        @app.get("/login")
        def login():
            return flask.Response(LOGIN_PAGE, status=200, content_type="text/html")

        return app

    def _refuse(self) -> flask.Response:
        if self.refusal == "redirect":
            return flask.redirect("/login", code=302)
        if self.refusal == "login_page":
            return flask.Response(LOGIN_PAGE, status=200, content_type="text/html")
        return flask.Response("", status=self.refusal, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    def _valid(self, token: str) -> bool:
        if self.accept_any_token:
            return bool(token)
        if self.introspect or self.issuer.token_format == "opaque":
            return self._valid_by_introspection(token)
        try:
            jwt.decode(
                token,
                self.issuer.public_pem,
                algorithms=[ALGORITHM],
                audience=self.audience if self.verify_aud else None,
                issuer=self.issuer.issuer,
                leeway=self.leeway_seconds,
                options={
                    "verify_exp": self.verify_exp,
                    "verify_aud": self.verify_aud,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError:
            return False
        return True

    def _valid_by_introspection(self, token: str) -> bool:
        known = self.issuer.tokens.get(token)
        if known is None:
            return False
        answer = self.issuer.introspect(token)
        if self.verify_exp and not answer["active"]:
            return False
        if not self.verify_exp and known.revoked and not self.issuer.introspection_ignores_revocation:
            return False
        audiences = known.audience if isinstance(known.audience, list) else [known.audience]
        return not self.verify_aud or self.audience in audiences


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
    with ExitStack() as stack:
        issuer.url = stack.enter_context(serve(issuer.app(), clock=issuer.now))
        for resource in resources:
            resource.url = stack.enter_context(serve(resource.app()))
        yield issuer
