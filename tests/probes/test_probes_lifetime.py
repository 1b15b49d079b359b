"""The usable lifetime runs from issue (on the issuer's clock, from its `Date` header) to `exp` — never from `iat`,
which issuers backdate (Entra ID by five minutes): a backdated `iat` must neither fail NHI-PRB-002 nor push the
replay beyond `max_wait_seconds`."""

from __future__ import annotations

from datetime import datetime

import pytest
from probe_fixtures import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, judge, oauth2_target, run_targets

from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running
from assurance_jobs.probes.record import ProbeRecord
from assurance_jobs.probes.timing import issuer_skew, usable_lifetime

BACKDATE = 300


@pytest.fixture(scope="module")
def lifetime_run() -> dict[str, ProbeRecord]:
    backdating = LocalIssuer(lifetime_seconds=2, backdate_iat_seconds=BACKDATE, clients={CLIENT_ID: CLIENT_SECRET})
    long_lived = LocalIssuer(lifetime_seconds=3, clients={CLIENT_ID: CLIENT_SECRET})
    orders, ledger = ResourceServer(backdating, "orders-api"), ResourceServer(long_lived, "ledger-api")
    with pytest.MonkeyPatch.context() as patch, running(backdating, orders), running(long_lived, ledger):
        patch.setenv(SECRET_ENV, CLIENT_SECRET)
        return run_targets(
            [
                oauth2_target(
                    "backdated", backdating.token_endpoint, orders.url, audience="orders-api", max_lifetime_seconds=60
                ),
                oauth2_target(
                    "too-long", long_lived.token_endpoint, ledger.url, audience="ledger-api", max_lifetime_seconds=1
                ),
            ],
            max_wait_seconds=30,
        )


def test_a_backdated_iat_does_not_lengthen_the_lifetime(lifetime_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(lifetime_run)
    backdated = lifetime_run["backdated"]
    assert backdated.jwt_exp - backdated.jwt_iat == BACKDATE + 2
    assert 1 <= backdated.stated_lifetime_seconds <= 2
    assert verdicts[("NHI-PRB-002", "backdated")] == "PASS"


def test_a_backdated_iat_does_not_push_the_replay_beyond_max_wait(lifetime_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(lifetime_run)
    assert lifetime_run["backdated"].status == "ok"
    assert verdicts[("NHI-PRB-001", "backdated")] == "PASS"


def test_a_lifetime_over_the_maximum_still_fails(lifetime_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(lifetime_run)
    assert verdicts[("NHI-PRB-002", "too-long")] == "FAIL"


def test_the_issuer_date_is_preferred_to_iat_for_the_issue_time() -> None:
    local = datetime.fromisoformat("2026-11-25T06:30:00.400+00:00")
    server_date = datetime.fromisoformat("2026-11-25T06:30:00+00:00")
    skew = issuer_skew(local, server_date, jwt_iat=local.timestamp() - BACKDATE)
    lifetime = usable_lifetime(local, skew, exp=server_date.timestamp() + 3600, expires_in=3599)
    assert skew.source == "token response Date vs local"
    assert (lifetime.seconds, lifetime.source) == (3600, "jwt exp - issue (skew-corrected)")
