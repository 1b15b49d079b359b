"""The AWS STS probe: a session of a dedicated probe role must stop working when it expires (and, optionally,
as soon as the role's older sessions are revoked).

Why GetCallerIdentity: it needs no permission, so the probe role can have none; an expired session answers
`ExpiredToken`. It cannot be denied by policy, though, so the revocation probe uses `iam:GetRole` on the
probe role itself (the one permission that role then needs) and expects `AccessDenied` once the console's
`AWSRevokeOlderSessions` deny (`DateLessThan aws:TokenIssueTime`) is in place. The deny's time is the session's
own issue time on AWS's clock (`Expiration - DurationSeconds`) plus a margin — not the local time, which may be
a second short of it and leave the session allowed. A role the probe cannot `GetRole` still gets its expiry
replay: that needs no permission. moto never expires sessions: this probe is tested with botocore's Stubber and
meant for real accounts.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.config import ProbesConfig, StsProbeTarget
from assurance_jobs.probes.clock import Clock, http_date
from assurance_jobs.probes.record import Outcome, ProbeRecord, Redactor, iso
from assurance_jobs.probes.schedule import Replay, beyond_max_wait, plan_for, run_schedule

REVOKE_POLICY_NAME = "AWSRevokeOlderSessions"
REVOCATION_POLL_SECONDS = 5.0  # IAM is eventually consistent: the deny takes seconds (revocation_window_seconds)
# The deny covers sessions issued up to this long after the probe's own, so second truncation cannot exempt it.
ISSUE_TIME_MARGIN_SECONDS = 5
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException"})

# (service, region, credentials or None for the runner's own) -> boto3 client
ClientFactory = Callable[[str, str, dict[str, str] | None], Any]


def boto3_clients(service: str, region: str, credentials: dict[str, str] | None) -> Any:
    import boto3

    if credentials is None:
        return boto3.Session().client(service, region_name=region)
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    ).client(service, region_name=region)


def revoke_older_sessions_policy(issued_before: datetime) -> str:
    """What the console's "Revoke active sessions" attaches: deny everything to sessions issued before a time."""
    statement = {
        "Effect": "Deny",
        "Action": ["*"],
        "Resource": ["*"],
        "Condition": {
            "DateLessThan": {"aws:TokenIssueTime": issued_before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        },
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _code(error: ClientError | BotoCoreError) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    return type(error).__name__


class StsProbe:
    def __init__(
        self,
        target: StsProbeTarget,
        settings: ProbesConfig,
        clock: Clock,
        redactor: Redactor,
        clients: ClientFactory = boto3_clients,
    ) -> None:
        self.target, self.settings, self.clock, self.redactor, self.clients = (
            target,
            settings,
            clock,
            redactor,
            clients,
        )
        self.record = ProbeRecord(
            target=target.name,
            kind="sts",
            principal=target.role_arn,
            resource="sts:GetCallerIdentity",
            started_at=iso(clock.now()),
            issuer=f"sts.{target.region}",
            expected_rejection=sorted(EXPIRED_CODES),
            max_lifetime_seconds=float(target.max_lifetime_seconds),
            leeway_seconds=float(target.leeway_seconds),
            revocation_configured=target.revocation_probe,
        )
        self.issued_local: datetime | None = None
        self.expires_local: datetime | None = None
        self.issued_on_aws_clock: datetime | None = None

    @property
    def role_name(self) -> str:
        return self.target.role_arn.split(":role/", 1)[1].rsplit("/", 1)[-1]

    def run(self) -> ProbeRecord:
        try:
            self._run()
        finally:
            self.record.finished_at = iso(self.clock.now())
        return self.record

    def _run(self) -> None:
        credentials = self._assume()
        if credentials is None:
            return
        sts = self.clients("sts", self.target.region, credentials)
        if self._call("valid_use", lambda: sts.get_caller_identity()) != "accepted":
            self.record.fail("ValidSessionNotAccepted", "the fresh session could not call sts:GetCallerIdentity")
            return
        if self.target.revocation_probe:
            self._revocation(credentials)
        self._replay_expired(sts)

    def _replay_expired(self, sts: Any) -> None:
        """GetCallerIdentity on the schedule (just after expiry, after the leeway, later), from AWS's expiry."""
        assert self.expires_local is not None and self.issued_local is not None
        expires, issued, max_wait = self.expires_local, self.issued_local, self.settings.max_wait_seconds
        plan = plan_for(self.target.leeway_seconds, self.settings)

        def replay(step: Replay) -> Outcome:
            after = (self.clock.now() - expires).total_seconds()
            call = lambda: sts.get_caller_identity()  # noqa: E731
            return self._call("expired_replay", call, rejected=EXPIRED_CODES, detail=step.label, after_expiry=after)

        skipped = run_schedule(plan, expires, issued, max_wait, self.clock, replay)
        if skipped is not None:
            self.record.fail("LifetimeBeyondMaxWait", beyond_max_wait(skipped, expires, issued, max_wait))

    def _assume(self) -> dict[str, str] | None:
        base = self.clients("sts", self.target.region, None)
        sent = self.clock.now()
        try:
            response = base.assume_role(
                RoleArn=self.target.role_arn,
                RoleSessionName=f"assurance-probe-{secrets.token_hex(4)}",
                DurationSeconds=self.target.duration_seconds,
            )
        except (ClientError, BotoCoreError) as error:
            self._event("issue", "error", None, _code(error), sent)
            self.record.fail(_code(error), f"sts:AssumeRole {self.target.role_arn} failed")
            return None
        received = self.clock.now()
        credentials = response["Credentials"]
        for key in ("SecretAccessKey", "SessionToken", "AccessKeyId"):
            self.redactor.add(credentials.get(key))
        self.issued_local = sent + (received - sent) / 2
        self._note_session(credentials, response)
        self._event("issue", "accepted", 200, None, received)
        return {key: credentials[key] for key in ("AccessKeyId", "SecretAccessKey", "SessionToken")}

    def _note_session(self, credentials: dict[str, Any], response: dict[str, Any]) -> None:
        record, issued = self.record, self.issued_local
        assert issued is not None
        expiration = credentials["Expiration"]
        if isinstance(expiration, str):
            expiration = datetime.fromisoformat(expiration.replace("Z", "+00:00"))
        record.token_format = "sts"
        record.token_fingerprint = self.redactor.fingerprint(credentials["SessionToken"])
        record.issued_at = iso(issued)
        record.sts_expiration = iso(expiration)
        headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        server_date = http_date(headers.get("date"))
        start = issued
        if server_date is not None:
            record.clock_skew_seconds = round((server_date - issued).total_seconds(), 3)
            record.date_header_skew_seconds = record.clock_skew_seconds
            record.clock_skew_source = "AssumeRole response Date vs local"
            start = server_date
        record.stated_lifetime_seconds = round((expiration - start).total_seconds(), 3)
        record.lifetime_source = "Expiration"
        self.expires_local = issued + timedelta(seconds=record.stated_lifetime_seconds)
        record.expires_at = iso(self.expires_local)
        self.issued_on_aws_clock = expiration - timedelta(seconds=self.target.duration_seconds)

    def _revocation(self, credentials: dict[str, str]) -> None:
        """Deny the role's sessions issued up to this one (plus a margin); the live session must then be refused
        within the window. A role that cannot GetRole itself leaves NHI-PRB-004 INCOMPLETE, nothing else."""
        session_iam = self.clients("iam", self.target.region, credentials)
        check = lambda: session_iam.get_role(RoleName=self.role_name)  # noqa: E731
        if self._call("valid_use", check) != "accepted":
            self.record.fail("RevocationCheckNotAllowed", "the probe role cannot call iam:GetRole on itself")
            return
        admin = self.clients("iam", self.target.region, None)
        now = self.clock.now()
        try:
            admin.put_role_policy(
                RoleName=self.role_name,
                PolicyName=REVOKE_POLICY_NAME,
                PolicyDocument=revoke_older_sessions_policy(self._deny_sessions_before()),
            )
        except (ClientError, BotoCoreError) as error:
            self._event("revoke", "error", None, _code(error), now)
            self.record.fail(_code(error), "could not apply the revoke-older-sessions deny")
            return
        self._event("revoke", "accepted", 200, None, now)
        window = self.settings.revocation_window_seconds
        deadline = now + timedelta(seconds=window)
        while True:
            outcome = self._call("after_revoke", check, rejected=DENIED_CODES)
            if outcome != "accepted" or self.clock.now() >= deadline:
                return
            self.clock.sleep(min(REVOCATION_POLL_SECONDS, max(window / 4, 0.25)))

    def _deny_sessions_before(self) -> datetime:
        """The session's own issue time on AWS's clock, rounded up to the second, plus the margin."""
        assert self.issued_on_aws_clock is not None
        issued = self.issued_on_aws_clock.astimezone(UTC)
        whole = datetime.fromtimestamp(math.ceil(issued.timestamp()), UTC)
        return whole + timedelta(seconds=ISSUE_TIME_MARGIN_SECONDS)

    def _call(
        self,
        phase: str,
        call: Callable[[], Any],
        rejected: frozenset[str] = frozenset(),
        detail: str | None = None,
        after_expiry: float | None = None,
    ) -> Outcome:
        at = self.clock.now()
        try:
            call()
        except (ClientError, BotoCoreError) as error:
            code = _code(error)
            outcome: Outcome = "rejected" if code in rejected else "error"
            status = (
                error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                if isinstance(error, ClientError)
                else None
            )
            self._event(phase, outcome, status, code, at, detail, after_expiry)
            return outcome
        self._event(phase, "accepted", 200, None, at, detail, after_expiry)
        return "accepted"

    def _event(
        self,
        phase: str,
        outcome: Outcome,
        status: int | None,
        code: str | None,
        at: datetime,
        detail: str | None = None,
        after_expiry: float | None = None,
    ) -> None:
        self.record.add_event(self.redactor, phase, outcome, status, code, at, self.issued_local, detail, after_expiry)
