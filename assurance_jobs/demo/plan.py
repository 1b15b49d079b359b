"""A time-ordered seeding plan: every AWS call is scheduled at the moment it should appear to have happened.

moto stamps creation and last use with the current clock, so the plan runs its calls oldest first under one
freezegun clock that it moves forward (`move_to` is cheap; starting freezegun patches every loaded module and is
not). Running in time order also runs in causal order: a key is created before it is used. Calls run
sequentially: freezegun's clock is process-wide, so parallel seeding would interleave the past with the present.
"""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from freezegun import freeze_time

from assurance_jobs.demo.server import DEMO_REGION

Action = Callable[["SeedContext"], None]


@dataclass
class SeedContext:
    """Clients and what earlier calls returned (new key ids) for the calls that come after."""

    endpoint_url: str
    account_id: str
    iam: Any
    sts: Any
    secrets: Any
    functions: Any
    keys: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)

    def call_as(self, access_key_id: str, secret_access_key: str, session_token: str | None = None) -> None:
        """One request signed with the given credentials: how moto learns that a key or a role was used."""
        request = AWSRequest(
            method="POST",
            url=f"{self.endpoint_url}/",
            data="Action=GetCallerIdentity&Version=2011-06-15",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        SigV4Auth(Credentials(access_key_id, secret_access_key, session_token), "sts", DEMO_REGION).add_auth(request)
        prepared = request.prepare()
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        outgoing = urllib.request.Request(prepared.url, data=body, headers=dict(prepared.headers), method="POST")
        with urllib.request.urlopen(outgoing, timeout=30) as response:
            response.read()

    def use_role(self, role_arn: str) -> None:
        """Assume the role and make one call with its session: sets the role's RoleLastUsed."""
        session = self.sts.assume_role(RoleArn=role_arn, RoleSessionName="demo-workload")["Credentials"]
        self.call_as(session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])


@dataclass
class SeedPlan:
    now: datetime
    _steps: list[tuple[datetime, int, Action]] = field(default_factory=list)

    def at(self, days_ago: float, action: Action) -> None:
        """Schedule `action` for `days_ago` days before `now`; ties keep the order they were added in."""
        self._steps.append((self.now - timedelta(days=days_ago), len(self._steps), action))

    def __len__(self) -> int:
        return len(self._steps)

    def run(self, endpoint_url: str) -> SeedContext:
        context = _context(endpoint_url)
        steps = sorted(self._steps, key=lambda step: (step[0], step[1]))
        if not steps:
            return context
        with freeze_time(steps[0][0]) as clock:
            for moment, _, action in steps:
                clock.move_to(moment)
                action(context)
        return context


def _context(endpoint_url: str) -> SeedContext:
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=DEMO_REGION)
    sts = session.client("sts", endpoint_url=endpoint_url)
    return SeedContext(
        endpoint_url=endpoint_url,
        account_id=sts.get_caller_identity()["Account"],
        iam=session.client("iam", endpoint_url=endpoint_url),
        sts=sts,
        secrets=session.client("secretsmanager", endpoint_url=endpoint_url),
        functions=session.client("lambda", endpoint_url=endpoint_url),
    )


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def function_code() -> bytes:
    """A Lambda deployment package (zip) with one handler: the emulator needs a package, the demo runs nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def secret_string(username: str, canary: str) -> str:
    return json.dumps({"username": username, "password": canary})
