"""The runtime activity page: coverage per region, notable calls, estate text escaped."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assurance_jobs.output import synthetic as s
from assurance_jobs.output.html import render_report
from assurance_jobs.scan.runtime import ACTIVITY_TABLE_COLUMNS

HOSTILE = "arn:aws:iam::111111111111:user/<script>alert(1)</script>"
T = pd.Timestamp("2026-11-24T10:00:00Z")


def _activity() -> pd.DataFrame:
    row = {
        "account_id": s.ACCOUNT,
        "region": "eu-west-1",
        "principal_arn": HOSTILE,
        "principal_type": "IAMUser",
        "event_source": "secretsmanager.amazonaws.com",
        "event_name": "GetSecretValue",
        "network": "185.220.101.45",
        "user_agent_class": "aws-cli",
        "error_code": "",
        "secret_read": True,
        "event_count": 3,
        "first_seen": T,
        "last_seen": T,
    }
    return pd.DataFrame([row], columns=list(ACTIVITY_TABLE_COLUMNS))


def _coverage(state: str, message: str | None = None) -> list[dict]:
    return [
        {
            "account_id": s.ACCOUNT,
            "source": "cloudtrail_activity",
            "region": "eu-west-1",
            "status": state,
            "pages": 22,
            "message": message,
            "error_code": None,
            "api": "s3:GetObject",
        }
    ]


def test_the_activity_page_lists_secret_reads_with_the_estate_text_escaped(tmp_path: Path) -> None:
    render_report(s.make_bundle(activity=_activity(), collection_status=_coverage("ok")), tmp_path)
    page = (tmp_path / "activity.html").read_text(encoding="utf-8")
    assert "185.220.101.45" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_the_activity_page_shows_a_coverage_gap_with_its_hours(tmp_path: Path) -> None:
    gap = _coverage("partial", "no log objects for hours 03, 04 UTC")
    render_report(s.make_bundle(activity=_activity(), collection_status=gap), tmp_path)
    assert "no log objects for hours 03, 04 UTC" in (tmp_path / "activity.html").read_text(encoding="utf-8")


def test_without_a_trail_the_page_says_runtime_rules_are_incomplete(tmp_path: Path) -> None:
    render_report(s.make_bundle(), tmp_path)
    assert "runtime rules are INCOMPLETE" in (tmp_path / "activity.html").read_text(encoding="utf-8")


def test_every_page_links_the_activity_page(tmp_path: Path) -> None:
    index = render_report(s.make_bundle(), tmp_path)
    assert 'href="activity.html"' in index.read_text(encoding="utf-8")
