"""The OAuth2 / OIDC client-credentials probe.

Steps: get a token (client_secret_basic), note what the issuer says about its lifetime (`expires_in`, JWT
`iat`/`exp`) and the clock skew, use it once while valid (the resource must accept it, else a rejection later
proves nothing), optionally present it to a resource of another audience, wait past expiry plus a margin,
replay it. Any step that cannot be judged ends the probe as `error`: its rules read INCOMPLETE, never PASS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import requests

from assurance_jobs.config import OAuth2ProbeTarget, ProbesConfig
from assurance_jobs.probes.claims import read_claims
from assurance_jobs.probes.clock import Clock, http_date
from assurance_jobs.probes.record import Outcome, ProbeRecord, Redactor, iso
from assurance_jobs.probes.secret_refs import SecretUnavailable, resolve_secret


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    status: int | None
    code: str | None
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
            issuer=target.token_endpoint,
            audience=target.audience,
            second_resource=target.second_resource_url,
            expected_rejection=list(target.expected_rejection),
            max_lifetime_seconds=float(target.max_lifetime_seconds),
        )
        self.issued_local: datetime | None = None

    def run(self) -> ProbeRecord:
        try:
            self._run()
        finally:
            self.record.finished_at = iso(self.clock.now())
        return self.record

    def _run(self) -> None:
        try:
            secret = resolve_secret(self.target.client_secret)
        except SecretUnavailable as error:
            self.record.fail(error.code, str(error))
            return
        self.redactor.add(secret)
        token = self._issue(secret)
        if token is None:
            return
        expires_local = self._expiry()
        if expires_local is None:
            self.record.fail("NoStatedLifetime", "the token states no lifetime (no expires_in, no exp claim)")
            return
        valid = self._use("valid_use", self.target.resource_url, token)
        if valid.outcome != "accepted":
            what = f"HTTP {valid.status}" if valid.status else (valid.code or "no answer")
            self.record.fail("ValidTokenNotAccepted", f"the resource did not accept the fresh token ({what})")
            return
        if self.target.second_resource_url:
            self._use("cross_audience", self.target.second_resource_url, token)
        self._replay_after(expires_local, token)

    # ---- steps ------------------------------------------------------------------------------------------
    def _issue(self, secret: str) -> str | None:
        form = {"grant_type": "client_credentials"}
        if self.target.scope:
            form["scope"] = self.target.scope
        if self.target.audience:
            form["audience"] = self.target.audience
        sent = self.clock.now()
        try:
            response = self.http.post(
                self.target.token_endpoint,
                data=form,
                auth=(self.target.client_id, secret),
                timeout=self.settings.request_timeout_seconds,
            )
        except requests.RequestException as error:
            self._event("issue", "error", None, "IssuerUnreachable", type(error).__name__, sent)
            self.record.fail("IssuerUnreachable", f"{self.target.token_endpoint}: {type(error).__name__}")
            return None
        received = self.clock.now()
        body = _json(response)
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            code = str(body.get("error") or f"HTTP{response.status_code}")
            self._event("issue", "rejected", response.status_code, code, None, received)
            self.record.fail("TokenRequestRejected", f"the issuer answered {response.status_code} ({code})")
            return None
        token = body["access_token"]
        self.redactor.add(token)
        self.redactor.add(body.get("refresh_token") if isinstance(body.get("refresh_token"), str) else None)
        self.issued_local = sent + (received - sent) / 2
        self._note_token(token, body, http_date(response.headers.get("Date")))
        self._event("issue", "accepted", response.status_code, None, None, received)
        return token

    def _note_token(self, token: str, body: dict, server_date: datetime | None) -> None:
        record, issued = self.record, self.issued_local
        assert issued is not None
        claims = read_claims(token)
        record.token_format = claims.format
        record.token_fingerprint = self.redactor.fingerprint(token)
        record.issued_at = iso(issued)
        expires_in = body.get("expires_in")
        record.expires_in = float(expires_in) if isinstance(expires_in, int | float) else None
        record.jwt_iat, record.jwt_exp = claims.iat, claims.exp
        if server_date is not None:
            record.date_header_skew_seconds = round((server_date - issued).total_seconds(), 3)
        if claims.iat is not None:
            record.clock_skew_seconds = round(claims.iat - issued.timestamp(), 3)
            record.clock_skew_source = "jwt iat vs local"
        elif server_date is not None:
            record.clock_skew_seconds = round((server_date - issued).total_seconds(), 3)
            record.clock_skew_source = "token response Date vs local"
        lifetimes = {}
        if claims.exp is not None:
            start = claims.iat if claims.iat is not None else issued.timestamp() + (record.clock_skew_seconds or 0)
            lifetimes["jwt exp-iat" if claims.iat is not None else "jwt exp"] = claims.exp - start
        if record.expires_in is not None:
            lifetimes["expires_in"] = record.expires_in
        if lifetimes:
            source, longest = max(lifetimes.items(), key=lambda item: item[1])
            record.stated_lifetime_seconds, record.lifetime_source = round(longest, 3), source

    def _expiry(self) -> datetime | None:
        """Local time at which every stated lifetime has run out (the longest claim wins)."""
        if self.record.stated_lifetime_seconds is None or self.issued_local is None:
            return None
        expires = self.issued_local + timedelta(seconds=self.record.stated_lifetime_seconds)
        self.record.expires_at = iso(expires)
        return expires

    def _use(self, phase: str, url: str, token: str) -> Answer:
        at = self.clock.now()
        try:
            response = self.http.get(
                url, headers={"Authorization": f"Bearer {token}"}, timeout=self.settings.request_timeout_seconds
            )
        except requests.RequestException as error:
            answer = Answer("error", None, "ResourceUnreachable", None)
            self._event(phase, "error", None, answer.code, type(error).__name__, at)
            return answer
        answer = Answer(self._classify(response.status_code), response.status_code, None, None)
        self._event(phase, answer.outcome, response.status_code, _www_authenticate_error(response), None, at)
        return answer

    def _classify(self, status: int) -> Outcome:
        if 200 <= status < 300:
            return "accepted"
        if status in self.target.expected_rejection:
            return "rejected"
        return "error"

    def _replay_after(self, expires_local: datetime, token: str) -> None:
        margin = self.settings.expiry_margin_seconds
        wait = (expires_local - self.clock.now()).total_seconds() + margin
        if wait > self.settings.max_wait_seconds:
            self.record.fail(
                "LifetimeBeyondMaxWait",
                f"the token expires in {wait:.0f} s, beyond max_wait_seconds {self.settings.max_wait_seconds:.0f}",
            )
            return
        self.clock.sleep(wait)
        first = self._use("expired_replay", self.target.resource_url, token)
        if first.outcome == "accepted":
            # Accepted past expiry plus the margin: once more, a margin later, so skew cannot explain it.
            self.clock.sleep(max(margin, 1.0))
            self._use("expired_replay", self.target.resource_url, token)

    def _event(
        self, phase: str, outcome: Outcome, status: int | None, code: str | None, detail: str | None, at: datetime
    ) -> None:
        self.record.add_event(self.redactor, phase, outcome, status, code, at, self.issued_local, detail)


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _www_authenticate_error(response: requests.Response) -> str | None:
    """The `error=` of a Bearer challenge (RFC 6750), e.g. invalid_token: why the resource refused."""
    header = response.headers.get("WWW-Authenticate", "")
    marker = 'error="'
    if marker not in header:
        return None
    return header.split(marker, 1)[1].split('"', 1)[0][:60]
