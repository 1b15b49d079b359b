"""What one probe observed, as plain data: the evidence file written for each target (docs/probes.md).

Nothing here can hold a token or a secret: a token is represented by a salted fingerprint whose salt lives
only in memory for the run, and every free-text field passes through `Redactor` before it is recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

ProbeKind = Literal["oauth2", "sts"]
Outcome = Literal["accepted", "rejected", "error"]
RECORD_SCHEMA_VERSION = 2  # 2: leeway, replay schedule, controls, client auth, OAuth2 revocation
MAX_TEXT = 300


class Redactor:
    """The secrets of one run (client secrets, tokens, session keys), kept in memory to scrub any text that
    leaves the probe; `check` refuses bytes that would still contain one."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._salt = secrets.token_bytes(16)

    def add(self, value: str | None) -> None:
        if value and len(value) >= 4:
            self._values.add(value)

    def fingerprint(self, token: str) -> str:
        """HMAC-SHA256 under a per-run salt that is never stored: equal fingerprints within a run show the
        replayed token is the issued one, and nothing outside the run can test a guess against it."""
        digest = hmac.new(self._salt, token.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"hmac-sha256:{digest[:24]}"

    def scrub(self, text: str | None) -> str | None:
        if text is None:
            return None
        for value in self._values:
            text = text.replace(value, "[redacted]")
        return text[:MAX_TEXT]

    def check(self, data: bytes) -> None:
        for value in self._values:
            if value.encode("utf-8") in data:
                raise ValueError("refusing to store probe evidence that contains a token or secret")


@dataclass(frozen=True)
class ProbeEvent:
    """One step of a probe's timeline: when, what was tried, what the relying service answered."""

    phase: str  # control_* | issue | valid_use | cross_audience | revocation_* | revoke | after_revoke | expired_replay
    at: str
    offset_seconds: float
    outcome: Outcome
    status: int | None = None
    code: str | None = None
    detail: str | None = None
    after_expiry_seconds: float | None = None  # replays: seconds past the expiry on the relying service's clock


@dataclass
class ProbeRecord:
    """The evidence of one probe target for one run."""

    target: str
    kind: ProbeKind
    principal: str
    resource: str
    started_at: str
    status: Literal["ok", "error"] = "ok"
    error_code: str | None = None
    message: str | None = None
    issuer: str | None = None
    audience: str | None = None
    second_resource: str | None = None
    expected_rejection: list[Any] = field(default_factory=list)
    max_lifetime_seconds: float | None = None
    leeway_seconds: float | None = None  # acceptance this long after expiry is tolerated (None: schema 1, none)
    revocation_configured: bool = False
    introspection_configured: bool = False
    client_auth: str | None = None  # client_secret_basic | client_secret_post | private_key_jwt
    discovery: dict[str, str] = field(default_factory=dict)  # what the issuer's discovery document named
    resource_indicators: list[str] = field(default_factory=list)  # RFC 8707 `resource` parameters sent
    method: str | None = None
    token_format: str | None = None  # jwt | opaque | sts
    token_fingerprint: str | None = None
    issued_at: str | None = None
    expires_in: float | None = None
    jwt_iat: float | None = None
    jwt_exp: float | None = None
    sts_expiration: str | None = None
    stated_lifetime_seconds: float | None = None
    lifetime_source: str | None = None
    expires_at: str | None = None
    clock_skew_seconds: float | None = None
    clock_skew_source: str | None = None
    date_header_skew_seconds: float | None = None  # the issuer's HTTP Date vs local (one-second resolution)
    resource_clock_skew_seconds: float | None = None  # the relying service's HTTP Date vs local: it judges `exp`
    revocation_token_fingerprint: str | None = None  # the second token, revoked for NHI-PRB-004
    events: list[ProbeEvent] = field(default_factory=list)
    finished_at: str | None = None

    def add_event(
        self,
        redactor: Redactor,
        phase: str,
        outcome: Outcome,
        status: int | None,
        code: str | None,
        at: datetime,
        start: datetime | None,
        detail: str | None = None,
        after_expiry: float | None = None,
    ) -> None:
        """One timeline step, timed from `start` (the local issue time, else the step itself), its text scrubbed of
        every token and secret the probe handled."""
        offset = round((at - (start or at)).total_seconds(), 3)
        after = round(after_expiry, 3) if after_expiry is not None else None
        self.events.append(
            ProbeEvent(phase, iso(at), offset, outcome, status, redactor.scrub(code), redactor.scrub(detail), after)
        )

    def fail(self, code: str, message: str) -> ProbeRecord:
        """A step could not be judged: what was recorded stays, and the rules it feeds read INCOMPLETE.

        The first problem names the record's `error_code`; later ones are appended to the message, so a revocation
        that could not run and an expiry replay that could both stay visible."""
        if self.status == "error" and self.error_code:
            self.message = f"{self.message}; {code}: {message}" if self.message else f"{code}: {message}"
            return self
        self.status, self.error_code, self.message = "error", code, message
        return self

    def to_json(self) -> bytes:
        body = {"schema_version": RECORD_SCHEMA_VERSION, **asdict(self)}
        return json.dumps(body, indent=2, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> ProbeRecord:
        body = json.loads(raw)
        body.pop("schema_version", None)
        body["events"] = [ProbeEvent(**event) for event in body.get("events", [])]
        return cls(**body)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")
