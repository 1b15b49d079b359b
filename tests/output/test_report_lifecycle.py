"""The report shows findings over time: an Overdue list, mean time to remediate per family, what was resolved, what
could not be re-checked, and a gap in the stored days as a gap — on the summary, the changes page and the index."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from assurance_jobs.evaluate.findings import with_finding_ids
from assurance_jobs.evaluate.lifecycle import DEFAULT_SLA_DAYS, advance, published_lifecycle
from assurance_jobs.output.bundle import Lifecycle
from assurance_jobs.output.html import DAY_SUMMARY, render_index, render_report
from assurance_jobs.output.synthetic import finding, identity, make_bundle, rule_result

OLD_ROLE, NEW_ROLE = identity("ancient"), identity("fresh")
DAY = date(2026, 11, 25)


def read(folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


@pytest.fixture
def report(tmp_path: Path) -> Path:
    """The old finding was first seen 40 days ago (high: 30-day SLA), the new one today; two days are missing."""
    old = finding("NHI-LP-002", OLD_ROLE["arn"], severity="high", observed="s3")
    new = finding("NHI-LP-002", NEW_ROLE["arn"], severity="high", observed="kms")
    earlier = date(2026, 10, 16)
    first = advance(None, with_finding_ids(pd.DataFrame([old])), pd.DataFrame(), earlier, "e")
    before = date(2026, 11, 22)
    previous = advance(first, with_finding_ids(pd.DataFrame([old])), pd.DataFrame(), before, "b")
    findings = with_finding_ids(pd.DataFrame([old, new]))
    ledger = advance(previous, findings, pd.DataFrame([rule_result("NHI-LP-002", "FAIL")]), DAY, "d")
    published = published_lifecycle(findings.assign(waiver_status="open"), ledger, DAY, DEFAULT_SLA_DAYS)
    lifecycle = Lifecycle(
        previous_day=before,
        missing_days=[date(2026, 11, 23), date(2026, 11, 24)],
        ledger=ledger,
        resolved=published.iloc[0:0],
        not_rechecked=ledger.iloc[0:0],
        mean_time_to_remediate=[{"family": "least_privilege", "resolved": 3, "mean_days": 12.5}],
        sla_days=DEFAULT_SLA_DAYS,
    )
    bundle = make_bundle(
        identities=[OLD_ROLE, NEW_ROLE],
        findings=published,
        rule_results=[rule_result("NHI-LP-002", "FAIL")],
        lifecycle=lifecycle,
        previous_report=before,
    )
    render_report(bundle, tmp_path)
    return tmp_path


def test_the_overdue_page_lists_open_findings_past_their_sla_with_first_seen_and_due(report: Path) -> None:
    page = read(report, "overdue.html")
    assert "ancient" in page and "fresh" not in page
    assert "2026-10-16" in page and "2026-11-15" in page  # first seen, due 30 days later


def test_the_summary_counts_new_and_overdue_findings_and_links_the_overdue_list(report: Path) -> None:
    page = read(report, "index.html")
    assert 'id="count-new">1<' in page and 'id="count-overdue">1<' in page and 'href="overdue.html"' in page


def test_the_summary_shows_mean_time_to_remediate_per_family(report: Path) -> None:
    table = read(report, "index.html").split('id="remediation"')[1].split("</table>")[0]
    assert "least privilege" in table and "12.5" in table


def test_a_gap_in_the_stored_days_is_named_on_the_changes_page(report: Path) -> None:
    page = read(report, "changes.html")
    assert 'id="gap"' in page and "2026-11-23, 2026-11-24" in page


def test_a_finding_first_seen_today_is_marked_new_in_the_rule_table(report: Path) -> None:
    rows = read(report, "rules/NHI-LP-002.html").split("<tr")
    assert any("fresh" in row and "NEW" in row for row in rows)
    assert any("ancient" in row and "OVERDUE" in row for row in rows)


def test_the_day_summary_records_the_gap_and_the_day_compared_with(report: Path) -> None:
    summary = json.loads(read(report, DAY_SUMMARY))
    assert summary["compared_with"] == "2026-11-22"
    assert summary["missing_days"] == ["2026-11-23", "2026-11-24"]
    assert (summary["findings"]["new"], summary["findings"]["overdue"]) == (1, 1)


def test_the_index_across_days_shows_missing_days_as_a_gap(tmp_path: Path) -> None:
    for day in ("2026-11-22", "2026-11-25"):
        (tmp_path / day).mkdir()
        (tmp_path / day / "index.html").write_text("<p>day</p>")
    page = read(render_index(tmp_path, [date(2026, 11, 22), date(2026, 11, 25)]).parent, "index.html")
    assert "2026-11-23 – 2026-11-24: nothing stored (2 days)" in page
