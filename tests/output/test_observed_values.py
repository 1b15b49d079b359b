"""Observed values read as what they are — declared once per fact (schema.OBSERVED_KINDS) and rendered from that
kind on every surface, never guessed from how the text looks."""

from __future__ import annotations

from pathlib import Path

import pytest

from assurance_jobs import schema
from assurance_jobs.evaluate.suites import all_rules, load_suites
from assurance_jobs.output.entities import fact_text
from assurance_jobs.output.html import render_report
from assurance_jobs.output.observed import render
from assurance_jobs.output.synthetic import finding, identity, make_bundle, rule_meta, rule_result
from assurance_jobs.output.views import finding_row, identity_href

ROLE = "arn:aws:iam::123456789012:role/vendor-audit"


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        ("012345678901", "account_ids", "012345678901"),
        ("444455556666,012345678901", "account_ids", "444455556666, 012345678901"),
        ("313.0005", "days", "313 days"),
        ("1", "days", "1 day"),
        ("12", "days_left", "12 days left"),
        ("-10", "days_left", "expired 10 days ago"),
        ("43200", "seconds", "43,200 seconds (12 h)"),
        ("2", "count", "2"),
        ("true", "boolean", "yes"),
        ("false", "boolean", "no"),
        ("missing", "expiry", "never"),
        ("departed", "status", "departed"),
        ("not_checked", "status", "not checked"),
        ("kms:creategrant,s3:getobject", "actions", "kms:CreateGrant, s3:GetObject"),
        ("s3,sqs", "services", "s3, sqs"),
        ("12345678901", "text", "12345678901"),
    ],
)
def test_a_value_is_rendered_by_its_kind(value: str, kind: str, shown: str) -> None:
    assert render(value, kind) == shown


def test_digits_of_an_unknown_kind_are_shown_as_written_never_as_a_number() -> None:
    assert render("012345678901", None) == "012345678901"


def test_every_packaged_rule_declares_the_kind_of_what_it_observes() -> None:
    """A rule over a new fact must say how its value reads (schema.OBSERVED_KINDS, or meta observed_kind)."""
    undeclared = [
        (rule.rule_id, rule.observed_column)
        for rule in all_rules(load_suites())
        if "observed_kind" not in rule.meta and rule.observed_column not in schema.OBSERVED_KINDS
    ]
    assert undeclared == []


def test_every_declared_kind_is_one_the_report_can_render() -> None:
    assert set(schema.OBSERVED_KINDS.values()) <= set(schema.OBSERVED_KIND_NAMES)


def test_a_finding_row_renders_its_observed_value_from_its_kind() -> None:
    row = finding("NHI-LP-005", ROLE, observed="012345678901", observed_kind="account_ids")
    assert finding_row(row)["observed"] == "012345678901"


def test_a_row_without_a_kind_takes_the_kind_its_rule_declares() -> None:
    row = finding("NHI-ROT-001", ROLE, observed="313.0005", observed_kind=None)
    assert finding_row(row, kinds={"NHI-ROT-001": "days"})["observed"] == "313 days"


def test_identity_facts_render_account_ids_as_written_and_booleans_as_words() -> None:
    assert fact_text("012345678901", "cross_account_without_external_id") == "012345678901"
    assert fact_text(True, "trust_open_unconditioned") == "yes"


def test_a_zero_leading_account_id_reads_as_written_on_the_rule_and_identity_pages(tmp_path: Path) -> None:
    vendor = identity("vendor-audit", cross_account_without_external_id="012345678901")
    bundle = make_bundle(
        identities=[vendor],
        findings=[finding("NHI-LP-005", ROLE, observed="012345678901", observed_kind="account_ids")],
        rule_results=[rule_result("NHI-LP-005", "FAIL")],
        rules=[
            rule_meta(
                "NHI-LP-005",
                "least_privilege",
                "high",
                "identities",
                "Cross-account trust without ExternalId",
                observed_column="cross_account_without_external_id",
            )
        ],
    )
    render_report(bundle, tmp_path)
    for page in ("rules/NHI-LP-005.html", identity_href(ROLE)):
        text = (tmp_path / page).read_text(encoding="utf-8")
        assert "012345678901" in text and "12,345,678,901" not in text
