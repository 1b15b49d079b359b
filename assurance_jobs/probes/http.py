"""How the probe reads a relying service's answer: acceptance must be an authenticated 2xx, nothing less.

Redirects are never followed: an auth proxy that answers an expired token with a 302 to its sign-in page, followed
to a 200, would otherwise read as "accepted". A redirect is a refusal only where the target lists it in
`expected_rejection`; otherwise it is an answer the probe cannot judge. A 2xx HTML sign-in page is not acceptance
either (some proxies serve one in place of the resource): it reads as `LoginPage`, never as accepted.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import requests

from assurance_jobs.probes.clock import http_date
from assurance_jobs.probes.record import Outcome

LOGIN_PAGE = "LoginPage"
REDIRECT = "Redirect"
_PASSWORD_INPUT = re.compile(r"<input[^>]*type\s*=\s*[\"']?password", re.IGNORECASE)
_SIGN_IN_FORM = re.compile(r"<form[^>]*>.*?(sign[\s_-]?in|log[\s_-]?in)", re.IGNORECASE | re.DOTALL)
_SNIFF_BYTES = 65536


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    status: int | None
    code: str | None
    server_date: datetime | None = None


def looks_like_login_page(response: requests.Response) -> bool:
    """An HTML page with a password field or a sign-in form: what an auth proxy shows instead of the resource."""
    if "html" not in response.headers.get("Content-Type", "").lower():
        return False
    text = response.content[:_SNIFF_BYTES].decode("utf-8", errors="replace")
    return bool(_PASSWORD_INPUT.search(text) or _SIGN_IN_FORM.search(text))


def classify(response: requests.Response, rejections: Collection[int]) -> tuple[Outcome, str | None]:
    """accepted (an authenticated 2xx), rejected (a configured refusal status) or error (anything else), and why."""
    status = response.status_code
    if 300 <= status < 400:
        return ("rejected" if status in rejections else "error"), REDIRECT
    if 200 <= status < 300:
        return ("error", LOGIN_PAGE) if looks_like_login_page(response) else ("accepted", None)
    if status in rejections:
        return "rejected", bearer_error(response)
    return "error", bearer_error(response)


def answer(response: requests.Response, rejections: Collection[int]) -> Answer:
    outcome, code = classify(response, rejections)
    return Answer(outcome, status=response.status_code, code=code, server_date=http_date(response.headers.get("Date")))


def bearer_error(response: requests.Response) -> str | None:
    """The `error=` of a Bearer challenge (RFC 6750), e.g. invalid_token: why the resource refused."""
    header = response.headers.get("WWW-Authenticate", "")
    marker = 'error="'
    if marker not in header:
        return None
    return header.split(marker, 1)[1].split('"', 1)[0][:60]


def json_body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
