"""The changes page shows day-over-day drift: what was added, what the baseline does not cover, escaped."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assurance_jobs.output.html import render_report
from assurance_jobs.output.synthetic import make_bundle

ROLE = "arn:aws:iam::111111111111:role/payments-settlement"
PAYLOAD = "<script>alert(1)</script>"


def _drift() -> dict[str, pd.DataFrame]:
    permissions = pd.DataFrame(
        [
            {
                "account_id": "111111111111",
                "arn": ROLE,
                "added_actions": "kms:decrypt,kms:schedulekeydeletion",
                "added_count": 2,
                "removed_actions": "",
                "removed_count": 0,
                "added_outside_baseline": "kms:schedulekeydeletion",
                "added_outside_baseline_count": 1,
            }
        ]
    )
    owners = pd.DataFrame(
        [{"account_id": "111111111111", "arn": ROLE, "previous_owner": "a@example.com", "current_owner": PAYLOAD}]
    )
    creep = pd.DataFrame(
        [
            {"account_id": "1", "arn": ROLE, "previous_sensitive_actions": 1,
             "current_sensitive_actions": 3, "change": 2},
            {"account_id": "1", "arn": "arn:aws:iam::1:role/steady", "previous_sensitive_actions": 1,
             "current_sensitive_actions": 1, "change": 0},
        ]
    )  # fmt: skip
    return {"permission_changes": permissions, "owner_changes": owners, "privilege_creep": creep}


def _changes_page(tmp_path: Path, drift: dict[str, pd.DataFrame]) -> str:
    render_report(make_bundle(drift=drift), tmp_path)
    return (tmp_path / "changes.html").read_text(encoding="utf-8")


def test_changes_page_lists_permissions_added_outside_the_baseline(tmp_path: Path) -> None:
    page = _changes_page(tmp_path, _drift())
    assert "Effective permissions changed" in page
    assert "kms:ScheduleKeyDeletion" in page and ROLE in page


def test_changes_page_uses_human_headers(tmp_path: Path) -> None:
    page = _changes_page(tmp_path, _drift())
    assert "<th>Actions added</th>" in page and "<th>Added outside the baseline</th>" in page
    assert "added_actions" not in page and "added actions</th>" not in page


def test_drift_values_from_the_estate_are_escaped(tmp_path: Path) -> None:
    page = _changes_page(tmp_path, _drift())
    assert PAYLOAD not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_privilege_creep_lists_only_identities_that_changed(tmp_path: Path) -> None:
    page = _changes_page(tmp_path, _drift())
    assert "Privilege creep" in page
    assert "role/steady" not in page


def test_first_day_has_no_drift_sections(tmp_path: Path) -> None:
    assert "Effective permissions changed" not in _changes_page(tmp_path, {})
