"""What a relying service needs from the probe's requests: the RFC 8707 `resource` parameter (as well as
`audience`), a method and extra headers (an API version), and the statuses it refuses tokens with."""

from __future__ import annotations

import pytest
from probe_fixtures import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, judge, oauth2_target, run_targets

from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running
from assurance_jobs.probes.record import ProbeRecord

ORDERS = "https://orders.example.com"


@pytest.fixture(scope="module")
def options_run() -> dict[str, ProbeRecord]:
    issuer = LocalIssuer(lifetime_seconds=2, clients={CLIENT_ID: CLIENT_SECRET})
    by_resource = ResourceServer(issuer, ORDERS)
    versioned = ResourceServer(issuer, "orders-api", method="POST", required_headers={"api-version": "2"})
    refuses_400 = ResourceServer(issuer, "orders-api", refusal=400)
    with pytest.MonkeyPatch.context() as patch, running(issuer, by_resource, versioned, refuses_400):
        patch.setenv(SECRET_ENV, CLIENT_SECRET)
        endpoint = issuer.token_endpoint
        api_version = {"method": "POST", "headers": {"api-version": "2"}}
        status_400 = {"expected_rejection": [400]}
        return run_targets(
            [
                oauth2_target("resource-indicator", endpoint, by_resource.url, resource=ORDERS),
                oauth2_target("no-indicator", endpoint, by_resource.url),
                oauth2_target("versioned", endpoint, versioned.url, audience="orders-api", **api_version),
                oauth2_target("unversioned", endpoint, versioned.url, audience="orders-api"),
                oauth2_target("refuses-400", endpoint, refuses_400.url, audience="orders-api", **status_400),
                oauth2_target("400-unlisted", endpoint, refuses_400.url, audience="orders-api"),
            ]
        )


def test_the_resource_parameter_gets_a_token_for_that_resource(options_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(options_run)
    assert options_run["resource-indicator"].resource_indicators == [ORDERS]
    assert verdicts[("NHI-PRB-001", "resource-indicator")] == "PASS"


def test_without_it_the_token_is_for_another_audience_and_nothing_is_judged(options_run) -> None:
    verdicts, _ = judge(options_run)
    assert options_run["no-indicator"].error_code == "ValidTokenNotAccepted"
    assert verdicts[("NHI-PRB-001", "no-indicator")] == "INCOMPLETE"


def test_the_configured_method_and_headers_reach_the_resource(options_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(options_run)
    assert options_run["versioned"].method == "POST"
    assert verdicts[("NHI-PRB-001", "versioned")] == "PASS"


def test_without_them_the_resource_answers_400_and_nothing_is_judged(options_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(options_run)
    assert options_run["unversioned"].error_code == "ValidTokenNotAccepted"
    assert verdicts[("NHI-PRB-001", "unversioned")] == "INCOMPLETE"


def test_a_listed_rejection_status_is_a_refusal(options_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(options_run)
    assert verdicts[("NHI-PRB-001", "refuses-400")] == "PASS"


def test_an_unlisted_status_is_not_read_as_a_refusal(options_run: dict[str, ProbeRecord]) -> None:
    verdicts, _ = judge(options_run)
    assert verdicts[("NHI-PRB-001", "400-unlisted")] == "INCOMPLETE"
