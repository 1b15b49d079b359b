"""A relying service may tolerate some time after `exp` (a clock-skew leeway): acceptance within the target's
tolerated leeway is not a failure, acceptance beyond it is — and the probe records when acceptance stopped.

One local issuer with 2-second tokens and one resource that tolerates 3 s after `exp` (PyJWT's leeway), probed
by two targets at once: one tolerating 5 s (the resource is within it), one tolerating 1 s (it is not).
The Date header has one-second resolution, so every boundary here is at least a second away from a replay.
"""

from __future__ import annotations

import pytest
from probe_fixtures import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, judge, oauth2_target, run_targets

from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running
from assurance_jobs.probes.record import ProbeRecord

RESOURCE_LEEWAY = 3


@pytest.fixture(scope="module")
def leeway_run() -> dict[str, ProbeRecord]:
    issuer = LocalIssuer(lifetime_seconds=2, clients={CLIENT_ID: CLIENT_SECRET})
    lenient = ResourceServer(issuer, "orders-api", leeway_seconds=RESOURCE_LEEWAY)
    with pytest.MonkeyPatch.context() as patch, running(issuer, lenient):
        patch.setenv(SECRET_ENV, CLIENT_SECRET)
        endpoint = issuer.token_endpoint
        return run_targets(
            [
                oauth2_target("tolerant", endpoint, lenient.url, audience="orders-api", leeway_seconds=5),
                oauth2_target("strict", endpoint, lenient.url, audience="orders-api", leeway_seconds=1),
            ],
            late_replay_seconds=3,
        )


def _replays(record: ProbeRecord) -> list[tuple[str | None, str]]:
    return [(event.detail, event.outcome) for event in record.events if event.phase == "expired_replay"]


def test_acceptance_within_the_tolerated_leeway_passes(leeway_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(leeway_run)
    assert _replays(leeway_run["tolerant"]) == [("just_after_expiry", "accepted"), ("after_leeway", "rejected")]
    assert verdicts[("NHI-PRB-001", "tolerant")] == "PASS"


def test_acceptance_beyond_the_tolerated_leeway_fails(leeway_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(leeway_run)
    assert _replays(leeway_run["strict"])[:2] == [("just_after_expiry", "accepted"), ("after_leeway", "accepted")]
    assert verdicts[("NHI-PRB-001", "strict")] == "FAIL"


def test_the_late_replay_records_when_acceptance_stopped(leeway_run: dict[str, ProbeRecord]) -> None:
    late = [event for event in leeway_run["strict"].events if event.detail == "late"]
    assert [(event.outcome, event.status) for event in late] == [("rejected", 401)]
    assert late[0].after_expiry_seconds > RESOURCE_LEEWAY


def test_a_token_refused_soon_after_the_leeway_is_a_high_not_a_critical_finding(
    leeway_run: dict[str, ProbeRecord],
) -> None:
    _, severities = judge(leeway_run)
    assert severities[("NHI-PRB-001", "strict")] == "high"


def test_replays_are_timed_from_expiry_and_spaced_by_the_leeway(leeway_run: dict[str, ProbeRecord]) -> None:
    after = {e.detail: e.after_expiry_seconds for e in leeway_run["tolerant"].events if e.phase == "expired_replay"}
    assert after["just_after_expiry"] >= 0.5 and after["after_leeway"] >= 5.5
