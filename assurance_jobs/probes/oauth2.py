"""The OAuth2 / OIDC client-credentials probe.

Steps: resolve the client credential (secret or private key, by reference) and the endpoints (configured, or from
the issuer's discovery document); make two control requests — no token, a garbage token — which the resource
must not accept (a public route proves nothing); get a token; note what the issuer says about its lifetime and
the clock skews; use it once while valid (the resource must accept it, else a later refusal proves nothing);
optionally present it to a resource of another audience; optionally revoke a second token (RFC 7009) and replay
it (NHI-PRB-004); then replay the first on the schedule of `schedule.py` (just after expiry, after the tolerated
leeway, later). Any step that cannot be judged is recorded as `error`: its rules read INCOMPLETE, never PASS.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from assurance_jobs.config import OAuth2ProbeTarget, ProbesConfig
from assurance_jobs.probes.claims import TokenClaims, read_claims
from assurance_jobs.probes.client_auth import ClientCredential, authenticate, load_credential
from assurance_jobs.probes.clock import Clock, http_date
from assurance_jobs.probes.discovery import DiscoveryFailed, Endpoints, resolve_endpoints
from assurance_jobs.probes.http import Answer, answer, json_body
from assurance_jobs.probes.record import Outcome, ProbeRecord, Redactor, iso
from assurance_jobs.probes.schedule import Replay, beyond_max_wait, plan_for, run_schedule
from assurance_jobs.probes.secret_refs import SecretUnavailable
from assurance_jobs.probes.timing import Skew, expiry_on_service_clock, issuer_skew, usable_lifetime

REVOCATION_POLL_SECONDS = 5.0
CONTROLS = (("control_no_token", "with no token"), ("control_garbage_token", "with a garbage token"))


@dataclass(frozen=True)
class Issued:
    token: str
    body: dict[str, Any]
    issued_local: datetime
    server_date: datetime | None


class OAuth2Probe:
    def __init__(
        self, target: OAuth2ProbeTarget, settings: ProbesConfig, clock: Clock, redactor: Redactor, http=None
    ) -> None:
        self.target, self.settings, self.clock, self.redactor = target, settings, clock, redactor
        self.http = http or requests.Session()
        self.record = ProbeRecord(
            target=target.name,
            kind="oauth2",
            principal=target.client_id,
            resource=target.resource_url,
            started_at=iso(clock.now()),
            issuer=target.issuer or target.token_endpoint,
            audience=target.audience,
            second_resource=target.second_resource_url,
            expected_rejection=list(target.expected_rejection),
            max_lifetime_seconds=float(target.max_lifetime_seconds),
            leeway_seconds=float(target.leeway_seconds),
            revocation_configured=target.revocation,
            introspection_configured=target.introspection,
            client_auth=target.client_auth,
            resource_indicators=list(target.resource),
            method=target.method,
        )
        self.issued_local: datetime | None = None
        self.credential: ClientCredential | None = None
        self.endpoints: Endpoints | None = None
        self.claims = TokenClaims("opaque")
        self.issuer_skew: Skew | None = None
        self.resource_skew: float | None = None

    def run(self) -> ProbeRecord:
        try:
            self._run()
        finally:
            self.record.finished_at = iso(self.clock.now())
        return self.record

    def _run(self) -> None:
        if not self._prepare() or not self._controls():
            return
        issued = self._issue("issue")
        if issued is None:
            return
        self._note_token(issued)
        if self.record.stated_lifetime_seconds is None:
            self.record.fail("NoStatedLifetime", "the token states no lifetime (no expires_in, no exp claim)")
            return
        valid = self._use("valid_use", self.target.resource_url, issued.token)
        if valid.outcome != "accepted":
            what = f"HTTP {valid.status}" if valid.status else (valid.code or "no answer")
            self.record.fail("ValidTokenNotAccepted", f"the resource did not accept the fresh token ({what})")
            return
        if self.target.second_resource_url:
            self._use("cross_audience", self.target.second_resource_url, issued.token)
        if self.target.revocation:
            self._revocation()
        self._replay_expired(issued)

    # ---- preparation and controls ------------------------------------------------------------------------
    def _prepare(self) -> bool:
        """The credential and the endpoints; either missing ends the probe before any request with a token."""
        try:
            self.credential = load_credential(self.target, self.redactor)
            self.endpoints = resolve_endpoints(self.target, self.http, self.settings.request_timeout_seconds)
        except (SecretUnavailable, DiscoveryFailed) as error:
            self.record.fail(error.code, str(error))
            return False
        self.record.discovery = dict(self.endpoints.discovered)
        return True

    def _controls(self) -> bool:
        """No token and a garbage token must not be accepted: otherwise the route is public (or validates nothing),
        and no verdict about this target's tokens would mean anything."""
        urls = [("resource_url", self.target.resource_url), ("second_resource_url", self.target.second_resource_url)]
        for field_name, url in urls:
            if url is None:
                continue
            for phase, how in CONTROLS:
                token = secrets.token_urlsafe(24) if phase == "control_garbage_token" else None
                control = self._use(phase, url, token)
                if control.outcome == "accepted":
                    self.record.fail(
                        "ControlRequestAccepted",
                        f"probe target {self.target.name}: {field_name} {url} answered HTTP {control.status} to a "
                        f"request {how}, so it proves nothing about tokens; point {field_name} at a route that "
                        "refuses unauthenticated requests",
                    )
                    return False
        return True

    # ---- tokens -----------------------------------------------------------------------------------------
    def _issue(self, phase: str) -> Issued | None:
        assert self.endpoints is not None and self.credential is not None
        endpoint = self.endpoints.token_endpoint
        sent = self.clock.now()
        headers, auth_form = authenticate(self.credential, endpoint, sent, self.redactor)
        form = [("grant_type", "client_credentials"), *self._token_parameters(), *auth_form.items()]
        try:
            response = self.http.post(
                endpoint,
                data=form,
                headers=headers,
                timeout=self.settings.request_timeout_seconds,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            self._event(phase, "error", None, "IssuerUnreachable", type(error).__name__, sent)
            self.record.fail("IssuerUnreachable", f"{endpoint}: {type(error).__name__}")
            return None
        received = self.clock.now()
        body = json_body(response)
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            code = str(body.get("error") or f"HTTP{response.status_code}")
            self._event(phase, "rejected", response.status_code, code, None, received)
            self.record.fail("TokenRequestRejected", f"the issuer answered {response.status_code} ({code})")
            return None
        token = body["access_token"]
        self.redactor.add(token)
        self.redactor.add(body.get("refresh_token") if isinstance(body.get("refresh_token"), str) else None)
        issued_local = sent + (received - sent) / 2
        if phase == "issue":
            self.issued_local = issued_local
        self._event(phase, "accepted", response.status_code, None, None, received)
        return Issued(token, body, issued_local, http_date(response.headers.get("Date")))

    def _token_parameters(self) -> list[tuple[str, str]]:
        parameters = [("scope", self.target.scope), ("audience", self.target.audience)]
        parameters += [("resource", uri) for uri in self.target.resource]
        return [(name, value) for name, value in parameters if value]

    def _note_token(self, issued: Issued) -> None:
        record, self.claims = self.record, read_claims(issued.token)
        record.token_format = self.claims.format
        record.token_fingerprint = self.redactor.fingerprint(issued.token)
        record.issued_at = iso(issued.issued_local)
        expires_in = issued.body.get("expires_in")
        record.expires_in = float(expires_in) if isinstance(expires_in, int | float) else None
        record.jwt_iat, record.jwt_exp = self.claims.iat, self.claims.exp
        if issued.server_date is not None:
            record.date_header_skew_seconds = round((issued.server_date - issued.issued_local).total_seconds(), 3)
        self.issuer_skew = issuer_skew(issued.issued_local, issued.server_date, self.claims.iat)
        if self.issuer_skew is not None:
            record.clock_skew_seconds, record.clock_skew_source = self.issuer_skew.seconds, self.issuer_skew.source
        lifetime = usable_lifetime(issued.issued_local, self.issuer_skew, self.claims.exp, record.expires_in)
        if lifetime is not None:
            record.stated_lifetime_seconds, record.lifetime_source = lifetime.seconds, lifetime.source

    # ---- requests to the relying services ---------------------------------------------------------------
    def _use(
        self, phase: str, url: str, token: str | None, replay: Replay | None = None, expires: datetime | None = None
    ) -> Answer:
        headers = dict(self.target.headers)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        at = self.clock.now()
        try:
            response = self.http.request(
                self.target.method,
                url,
                headers=headers,
                timeout=self.settings.request_timeout_seconds,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            self._event(phase, "error", None, "ResourceUnreachable", type(error).__name__, at)
            return Answer("error", None, "ResourceUnreachable")
        result = answer(response, self.target.expected_rejection)
        if phase == "valid_use" and result.server_date is not None:
            middle = at + (self.clock.now() - at) / 2
            self.resource_skew = round((result.server_date - middle).total_seconds(), 3)
            self.record.resource_clock_skew_seconds = self.resource_skew
        after = (at - expires).total_seconds() if expires is not None else None
        label = replay.label if replay else None
        self._event(phase, result.outcome, result.status, result.code, label, at, after)
        return result

    def _replay_expired(self, issued: Issued) -> None:
        """Replay on the schedule, from the expiry on the resource's clock (its `Date`), not the local one."""
        expires = expiry_on_service_clock(
            issued.issued_local, self.claims.exp, self.record.expires_in, self.issuer_skew, self.resource_skew
        )
        assert expires is not None  # a stated lifetime was checked before the valid use
        self.record.expires_at = iso(expires)
        plan = plan_for(self.target.leeway_seconds, self.settings)
        url, max_wait = self.target.resource_url, self.settings.max_wait_seconds

        def replay(step: Replay) -> Outcome:
            return self._use("expired_replay", url, issued.token, step, expires).outcome

        skipped = run_schedule(plan, expires, issued.issued_local, max_wait, self.clock, replay)
        if skipped is not None:
            self.record.fail("LifetimeBeyondMaxWait", beyond_max_wait(skipped, expires, issued.issued_local, max_wait))

    # ---- NHI-PRB-004: revocation (RFC 7009) and introspection (RFC 7662) --------------------------------------
    def _revocation(self) -> None:
        """Revoke a second token (the first must stay valid for the expiry replay) and replay it; where the resource
        introspects, the issuer must also report it inactive. Problems are recorded; the expiry probe goes on."""
        assert self.endpoints is not None
        if not self.endpoints.revocation_endpoint:
            self.record.fail("RevocationEndpointMissing", "no revocation_endpoint configured or discovered")
            return
        if self.target.introspection and not self.endpoints.introspection_endpoint:
            self.record.fail("IntrospectionEndpointMissing", "no introspection_endpoint configured or discovered")
            return
        issued = self._issue("revocation_issue")
        if issued is None:
            return
        self.record.revocation_token_fingerprint = self.redactor.fingerprint(issued.token)
        if self._use("before_revoke", self.target.resource_url, issued.token).outcome != "accepted":
            self.record.fail("RevocationTokenNotAccepted", "the resource did not accept the fresh token to revoke")
            return
        if self.target.introspection and self._introspect("introspect_before_revoke", issued.token) != "accepted":
            self.record.fail("IntrospectionNotUsable", "introspection did not report a fresh token active")
            return
        if not self._revoke(issued.token):
            return
        expires = self._earliest_expiry(issued)
        self._replay_revoked(issued.token, expires)
        if self.target.introspection:
            self._introspect("introspect_after_revoke", issued.token, expires)

    def _earliest_expiry(self, issued: Issued) -> datetime | None:
        """When the revoked token may first be refused for its age alone: a refusal from then on proves nothing
        about revocation (scan/probe_table.py reads it as undecided)."""
        expires_in = issued.body.get("expires_in")
        seconds = float(expires_in) if isinstance(expires_in, int | float) else None
        exp = read_claims(issued.token).exp
        return expiry_on_service_clock(
            issued.issued_local, exp, seconds, self.issuer_skew, self.resource_skew, earliest=True
        )

    def _replay_revoked(self, token: str, expires: datetime | None) -> None:
        window = self.settings.revocation_window_seconds
        deadline = self.clock.now() + timedelta(seconds=window)
        poll = min(REVOCATION_POLL_SECONDS, max(window / 4, 0.25))
        while True:
            outcome = self._use("after_revoke", self.target.resource_url, token, expires=expires).outcome
            if outcome != "accepted" or self.clock.now() >= deadline:
                return
            self.clock.sleep(poll)

    def _endpoint_call(self, phase: str, url: str, token: str) -> requests.Response | None:
        assert self.credential is not None and self.endpoints is not None
        at = self.clock.now()
        headers, auth_form = authenticate(self.credential, self.endpoints.token_endpoint, at, self.redactor)
        form = {"token": token, "token_type_hint": "access_token", **auth_form}
        try:
            return self.http.post(
                url, data=form, headers=headers, timeout=self.settings.request_timeout_seconds, allow_redirects=False
            )
        except requests.RequestException as error:
            self._event(phase, "error", None, "EndpointUnreachable", type(error).__name__, at)
            return None

    def _revoke(self, token: str) -> bool:
        assert self.endpoints is not None and self.endpoints.revocation_endpoint
        at = self.clock.now()
        response = self._endpoint_call("revoke", self.endpoints.revocation_endpoint, token)
        if response is None:
            self.record.fail("RevocationRejected", "the revocation endpoint could not be reached")
            return False
        if response.status_code != 200:
            code = str(json_body(response).get("error") or f"HTTP{response.status_code}")
            self._event("revoke", "error", response.status_code, code, None, at)
            self.record.fail("RevocationRejected", f"the revocation endpoint answered {response.status_code} ({code})")
            return False
        self._event("revoke", "accepted", 200, None, None, at)
        return True

    def _introspect(self, phase: str, token: str, expires: datetime | None = None) -> Outcome:
        """accepted = the issuer reports the token active, rejected = inactive, error = no usable answer; with
        `expires`, the event records how long after the token's expiry the issuer was asked."""
        assert self.endpoints is not None and self.endpoints.introspection_endpoint
        at = self.clock.now()
        response = self._endpoint_call(phase, self.endpoints.introspection_endpoint, token)
        if response is None:
            return "error"
        active = json_body(response).get("active") if response.status_code == 200 else None
        outcome: Outcome = "error" if not isinstance(active, bool) else ("accepted" if active else "rejected")
        code = {True: "active", False: "inactive"}.get(active) if isinstance(active, bool) else None
        after = (at - expires).total_seconds() if expires is not None else None
        self._event(phase, outcome, response.status_code, code, None, at, after)
        return outcome

    def _event(
        self,
        phase: str,
        outcome: Outcome,
        status: int | None,
        code: str | None,
        detail: str | None,
        at: datetime,
        after_expiry: float | None = None,
    ) -> None:
        self.record.add_event(self.redactor, phase, outcome, status, code, at, self.issued_local, detail, after_expiry)
