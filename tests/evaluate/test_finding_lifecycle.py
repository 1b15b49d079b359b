"""A finding's life across stored days (evaluate/lifecycle.py): one id for its whole life, first and last seen, new,
open, re-opened, resolved — and never resolved by a day that was not stored or whose evidence was incomplete."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from assurance_jobs.evaluate.findings import finding_id, identity_lookup, rule_findings, with_finding_ids
from assurance_jobs.evaluate.gx_runner import RuleOutcome
from assurance_jobs.evaluate.lifecycle import (
    DEFAULT_SLA_DAYS,
    advance,
    mean_time_to_remediate,
    missing_days,
    not_rechecked,
    published_lifecycle,
    resolved_on,
)
from assurance_jobs.evaluate.suites import all_rules, load_suites
from assurance_jobs.output.synthetic import finding, rule_result

ROLE = "arn:aws:iam::123456789012:role/app"
OTHER = "arn:aws:iam::123456789012:role/batch"
MON, TUE, WED, FRI = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 27)


def found(*rows: dict) -> pd.DataFrame:
    return with_finding_ids(pd.DataFrame(list(rows)))


def results(*statuses: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame([rule_result(rule_id, status) for rule_id, status in statuses])


def day(previous: pd.DataFrame | None, when: date, findings: pd.DataFrame, scopes: pd.DataFrame) -> pd.DataFrame:
    return advance(previous, findings, scopes, when, f"{when.isoformat()}T06:00:00+00:00")


def status_of(ledger: pd.DataFrame, resource: str = ROLE, rule_id: str = "NHI-LP-001") -> dict:
    (row,) = ledger[(ledger["resource_arn"] == resource) & (ledger["rule_id"] == rule_id)].to_dict("records")
    return row


def test_the_same_rule_on_the_same_resource_has_the_same_id_every_day() -> None:
    assert finding_id("NHI-LP-001", "123456789012", ROLE) == finding_id("NHI-LP-001", "123456789012", ROLE)
    assert finding_id("NHI-LP-001", "123456789012", ROLE) != finding_id("NHI-LP-002", "123456789012", ROLE)


def test_each_element_of_a_multi_valued_rule_is_a_finding_of_its_own() -> None:
    first = finding_id("NHI-LP-005", "123456789012", ROLE, "012345678901")
    assert first != finding_id("NHI-LP-005", "123456789012", ROLE, "210987654321")
    assert first != finding_id("NHI-LP-005", "123456789012", ROLE)


def test_a_finding_seen_for_the_first_time_is_new_and_first_seen_today() -> None:
    ledger = day(None, MON, found(finding("NHI-LP-001", ROLE)), results(("NHI-LP-001", "FAIL")))
    row = status_of(ledger)
    assert (row["status"], row["first_seen"], row["last_seen"]) == ("new", "2026-11-23", "2026-11-23")
    assert row["first_seen_at"] == "2026-11-23T06:00:00+00:00"


def test_a_finding_seen_again_the_next_day_is_open_and_keeps_its_first_sighting() -> None:
    monday = day(None, MON, found(finding("NHI-LP-001", ROLE)), results(("NHI-LP-001", "FAIL")))
    tuesday = day(monday, TUE, found(finding("NHI-LP-001", ROLE)), results(("NHI-LP-001", "FAIL")))
    row = status_of(tuesday)
    assert (row["status"], row["first_seen"], row["last_seen"]) == ("open", "2026-11-23", "2026-11-24")


def test_a_finding_absent_where_the_evidence_was_complete_is_resolved_that_day() -> None:
    monday = day(None, MON, found(finding("NHI-LP-001", ROLE)), results(("NHI-LP-001", "FAIL")))
    tuesday = day(monday, TUE, found(), results(("NHI-LP-001", "PASS")))
    row = status_of(tuesday)
    assert (row["status"], row["resolved_on"], row["last_seen"]) == ("resolved", "2026-11-24", "2026-11-23")
    assert list(resolved_on(tuesday, TUE)["finding_id"]) == [row["finding_id"]]


def test_a_finding_absent_where_the_evidence_was_incomplete_stays_open_and_is_not_resolved() -> None:
    monday = day(None, MON, found(finding("NHI-LP-001", ROLE)), results(("NHI-LP-001", "FAIL")))
    tuesday = day(monday, TUE, found(), results(("NHI-LP-001", "INCOMPLETE")))
    row = status_of(tuesday)
    assert (row["status"], row["resolved_on"], row["last_seen"]) == ("open", None, "2026-11-23")
    assert resolved_on(tuesday, TUE).empty
    assert list(not_rechecked(tuesday, TUE)["resource_arn"]) == [ROLE]


def test_a_finding_whose_rule_was_not_evaluated_at_all_is_not_resolved() -> None:
    monday = day(None, MON, found(finding("NHI-LP-001", ROLE)), results(("NHI-LP-001", "FAIL")))
    tuesday = day(monday, TUE, found(), results(("NHI-ROT-001", "PASS")))
    assert status_of(tuesday)["status"] == "open"


def test_a_resolved_finding_seen_again_is_reopened_with_its_first_sighting_kept() -> None:
    monday = day(None, MON, found(finding("NHI-LP-001", ROLE)), results(("NHI-LP-001", "FAIL")))
    tuesday = day(monday, TUE, found(), results(("NHI-LP-001", "PASS")))
    wednesday = day(tuesday, WED, found(finding("NHI-LP-001", ROLE)), results(("NHI-LP-001", "FAIL")))
    row = status_of(wednesday)
    assert (row["status"], row["first_seen"], row["resolved_on"]) == ("reopened", "2026-11-23", None)


def test_a_resolved_finding_stays_resolved_on_later_days_with_its_date() -> None:
    monday = day(None, MON, found(finding("NHI-LP-001", ROLE)), results(("NHI-LP-001", "FAIL")))
    tuesday = day(monday, TUE, found(), results(("NHI-LP-001", "PASS")))
    wednesday = day(tuesday, WED, found(), results(("NHI-LP-001", "PASS")))
    assert (status_of(wednesday)["status"], status_of(wednesday)["resolved_on"]) == ("resolved", "2026-11-24")
    assert resolved_on(wednesday, WED).empty


def test_a_gap_between_stored_days_is_named_and_a_resolution_is_dated_on_the_day_observed() -> None:
    wednesday = day(None, WED, found(finding("NHI-LP-001", ROLE)), results(("NHI-LP-001", "FAIL")))
    friday = day(wednesday, FRI, found(), results(("NHI-LP-001", "PASS")))
    assert missing_days(WED, FRI) == [date(2026, 11, 26)]
    assert status_of(friday)["resolved_on"] == "2026-11-27"  # never the missing Thursday


def test_advancing_the_same_day_twice_gives_the_same_ledger() -> None:
    monday = day(None, MON, found(finding("NHI-LP-001", ROLE)), results(("NHI-LP-001", "FAIL")))
    tuesday = found(finding("NHI-LP-001", ROLE), finding("NHI-LP-001", OTHER))
    once = day(monday, TUE, tuesday, results(("NHI-LP-001", "FAIL")))
    assert once.equals(day(monday, TUE, tuesday, results(("NHI-LP-001", "FAIL"))))


def published(severity: str, first_seen: date, today: date, **extra: object) -> dict:
    row = finding("NHI-LP-001", ROLE, severity=severity, **extra)
    findings = found(row)
    ledger = day(None, first_seen, findings, results(("NHI-LP-001", "FAIL")))
    return published_lifecycle(findings, ledger, today, DEFAULT_SLA_DAYS).to_dict("records")[0]


def test_sla_defaults_are_a_week_for_critical_a_month_for_high_a_quarter_for_medium_half_a_year_for_low() -> None:
    assert DEFAULT_SLA_DAYS == {"critical": 7, "high": 30, "medium": 90, "low": 180}


@pytest.mark.parametrize(
    ("severity", "age", "overdue"), [("critical", 7, False), ("critical", 8, True), ("high", 31, True)]
)
def test_a_finding_is_overdue_once_older_than_the_sla_of_its_severity(severity: str, age: int, overdue: bool) -> None:
    row = published(severity, MON, date.fromordinal(MON.toordinal() + age))
    assert (row["age_days"], bool(row["overdue"])) == (age, overdue)
    assert row["due_date"] == date.fromordinal(MON.toordinal() + DEFAULT_SLA_DAYS[severity]).isoformat()


def test_a_waived_finding_reads_waived_and_is_never_overdue() -> None:
    row = published("critical", MON, date(2026, 12, 31), waiver_status="waived")
    assert (row["lifecycle_status"], bool(row["overdue"])) == ("waived", False)


def test_a_finding_whose_waiver_expired_is_overdue_like_any_open_one() -> None:
    row = published("critical", MON, date(2026, 12, 31), waiver_status="waiver_expired")
    assert (row["lifecycle_status"], bool(row["overdue"])) == ("new", True)


def test_mean_time_to_remediate_is_per_family_from_first_sighting_to_resolution() -> None:
    monday = day(
        None, MON, found(finding("NHI-LP-001", ROLE), finding("NHI-ROT-001", OTHER)), results(("NHI-LP-001", "FAIL"))
    )
    tuesday = day(monday, TUE, found(finding("NHI-ROT-001", OTHER)), results(("NHI-LP-001", "PASS")))
    friday = day(tuesday, FRI, found(), results(("NHI-ROT-001", "PASS")))
    table = {row["family"]: row for row in mean_time_to_remediate(friday, ("rotation", "least_privilege", "expiry"))}
    assert table["least_privilege"] == {"family": "least_privilege", "resolved": 1, "mean_days": 1.0}
    assert table["rotation"] == {"family": "rotation", "resolved": 1, "mean_days": 4.0}
    assert table["expiry"] == {"family": "expiry", "resolved": 0, "mean_days": None}


def test_a_rule_naming_its_element_column_reports_one_finding_per_element_each_with_its_own_id() -> None:
    """A multi-valued rule (meta `finding_element`): one row per trusted account, one lasting id per account."""
    (rule,) = [r for r in all_rules(load_suites()) if r.rule_id == "NHI-LP-005"]
    rule = replace(rule, meta={**rule.meta, "finding_element": "trusted_account"})
    rows = pd.DataFrame(
        {
            "account_id": ["123456789012"] * 2,
            "arn": [ROLE] * 2,
            "kind": ["role"] * 2,
            "trusted_account": ["012345678901", "210987654321"],
            "cross_account_without_external_id": ["012345678901", "210987654321"],
        }
    )
    outcome = RuleOutcome(rule, np.array([True, True]), np.array([0, 1]))
    findings = rule_findings(outcome, rows, identity_lookup(rows), "snap", "2026-11-25")
    assert list(findings["element"]) == ["012345678901", "210987654321"]
    assert list(findings["finding_id"]) == [
        finding_id("NHI-LP-005", "123456789012", ROLE, "012345678901"),
        finding_id("NHI-LP-005", "123456789012", ROLE, "210987654321"),
    ]
    assert set(findings["observed_kind"]) == {"account_ids"}
