"""An issuer whose clock runs ahead: the resource judges `exp` on its own clock, so the replay is scheduled from
`exp` corrected by the skew the probe measured (the resource's `Date` header), not from the local issue time.

The issuer runs 4 s ahead with 2-second tokens: a replay at "local issue + lifetime + margin" would reach the
honest resource while the token is still valid on its clock — the false alarm this guards against.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from probe_fixtures import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, judge, oauth2_target, run_targets

from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running
from assurance_jobs.probes.record import ProbeRecord
from assurance_jobs.probes.timing import Skew, expiry_on_service_clock

ISSUER_AHEAD = 4


@pytest.fixture(scope="module")
def skewed_run() -> dict[str, ProbeRecord]:
    issuer = LocalIssuer(lifetime_seconds=2, clock_offset_seconds=ISSUER_AHEAD, clients={CLIENT_ID: CLIENT_SECRET})
    honest = ResourceServer(issuer, "orders-api")
    planted = ResourceServer(issuer, "ledger-api", verify_exp=False)
    with pytest.MonkeyPatch.context() as patch, running(issuer, honest, planted):
        patch.setenv(SECRET_ENV, CLIENT_SECRET)
        endpoint = issuer.token_endpoint
        return run_targets(
            [
                oauth2_target("honest", endpoint, honest.url, audience="orders-api"),
                oauth2_target("planted", endpoint, planted.url, audience="ledger-api"),
            ]
        )


def test_an_honest_resource_behind_a_fast_issuer_passes(skewed_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(skewed_run)
    assert verdicts[("NHI-PRB-001", "honest")] == "PASS"


def test_a_planted_resource_behind_a_fast_issuer_still_fails(skewed_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(skewed_run)
    assert verdicts[("NHI-PRB-001", "planted")] == "FAIL"


def test_the_replay_reaches_the_resource_after_exp_on_its_clock(skewed_run: dict[str, ProbeRecord]) -> None:
    honest = skewed_run["honest"]
    replay = next(event for event in honest.events if event.phase == "expired_replay")
    assert datetime.fromisoformat(replay.at).timestamp() >= honest.jwt_exp


def test_both_clock_skews_are_recorded(skewed_run: dict[str, ProbeRecord]) -> None:
    honest = skewed_run["honest"]
    assert ISSUER_AHEAD - 1 <= honest.clock_skew_seconds <= ISSUER_AHEAD + 1
    assert honest.clock_skew_source == "token response Date vs local"
    assert -1 <= honest.resource_clock_skew_seconds <= 1


def test_the_lifetime_is_not_inflated_by_the_skew(skewed_run: dict[str, ProbeRecord]) -> None:
    assert 1 <= skewed_run["honest"].stated_lifetime_seconds <= 2


def test_without_a_resource_date_the_later_of_local_and_issuer_clock_is_assumed() -> None:
    issued = datetime.fromisoformat("2026-11-25T06:30:00+00:00")
    exp = issued.timestamp() + 60
    behind = expiry_on_service_clock(issued, exp, None, Skew(-120.0, "token response Date vs local"), None)
    ahead = expiry_on_service_clock(issued, exp, None, Skew(120.0, "token response Date vs local"), None)
    assert (behind - issued).total_seconds() == 180  # the resource may share the slow issuer's clock
    assert (ahead - issued).total_seconds() == 60  # or run on the right time, which expires it later than the issuer
