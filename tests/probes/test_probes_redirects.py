"""Redirects are never followed, and a sign-in page is not acceptance: an auth proxy that answers an expired token
with a 302 to its sign-in page (or serves that page with 200) must not read as "accepted"."""

from __future__ import annotations

import pytest
from probe_fixtures import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, judge, oauth2_target, run_targets

from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running
from assurance_jobs.probes.record import ProbeRecord


@pytest.fixture(scope="module")
def proxy_run() -> dict[str, ProbeRecord]:
    issuer = LocalIssuer(lifetime_seconds=2, clients={CLIENT_ID: CLIENT_SECRET})
    redirecting = ResourceServer(issuer, "orders-api", refusal="redirect")
    sign_in_page = ResourceServer(issuer, "orders-api", refusal="login_page")
    planted = ResourceServer(issuer, "orders-api", refusal="redirect", verify_exp=False)
    with pytest.MonkeyPatch.context() as patch, running(issuer, redirecting, sign_in_page, planted):
        patch.setenv(SECRET_ENV, CLIENT_SECRET)
        endpoint, audience = issuer.token_endpoint, "orders-api"
        return run_targets(
            [
                oauth2_target("redirect-unlisted", endpoint, redirecting.url, audience=audience),
                oauth2_target(
                    "redirect-listed", endpoint, redirecting.url, audience=audience, expected_rejection=[401, 302]
                ),
                oauth2_target("sign-in-page", endpoint, sign_in_page.url, audience=audience),
                oauth2_target("planted", endpoint, planted.url, audience=audience, expected_rejection=[401, 302]),
            ]
        )


def _replay_answers(record: ProbeRecord) -> list[tuple[str, int | None, str | None]]:
    return [(e.outcome, e.status, e.code) for e in record.events if e.phase == "expired_replay"]


def test_a_redirect_is_not_followed_and_not_acceptance(proxy_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(proxy_run)
    assert _replay_answers(proxy_run["redirect-unlisted"]) == [("error", 302, "Redirect")]
    assert verdicts[("NHI-PRB-001", "redirect-unlisted")] == "INCOMPLETE"


def test_a_redirect_listed_as_a_rejection_passes(proxy_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(proxy_run)
    assert _replay_answers(proxy_run["redirect-listed"]) == [("rejected", 302, "Redirect")]
    assert verdicts[("NHI-PRB-001", "redirect-listed")] == "PASS"


def test_a_sign_in_page_served_with_200_is_not_acceptance(proxy_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(proxy_run)
    assert _replay_answers(proxy_run["sign-in-page"]) == [("error", 200, "LoginPage")]
    assert verdicts[("NHI-PRB-001", "sign-in-page")] == "INCOMPLETE"


def test_an_expired_token_accepted_behind_the_same_proxy_still_fails(proxy_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(proxy_run)
    assert verdicts[("NHI-PRB-001", "planted")] == "FAIL"
