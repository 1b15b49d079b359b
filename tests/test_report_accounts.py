"""The summary page lists every account of an organization scan with its OU, collection state and counts."""

from __future__ import annotations

import re
from pathlib import Path

from assurance_jobs.output.html import render_report
from assurance_jobs.output.synthetic import ACCOUNT, finding, identity, make_bundle, rule_result

SUSPENDED = "210987654321"
RECORDS = [
    {
        "account_id": ACCOUNT,
        "name": "payments",
        "ou_path": "Root/prod",
        "collection": "complete",
        "carried_over_from": "20261125T050000Z-0a0b0c0d",
    },
    {
        "account_id": SUSPENDED,
        "name": "old-<app>",
        "ou_path": "Root/prod",
        "collection": "suspended",
        "carried_over_from": None,
    },
]


def summary(tmp_path: Path, **overrides: object) -> str:
    bot = identity("bot", "user")
    bundle = make_bundle(
        identities=[bot, identity("task")],
        findings=[finding("NHI-ROT-001", f"{bot['arn']}#access_key_1", bot["arn"], account_id=ACCOUNT)],
        rule_results=[rule_result("NHI-ROT-001", "FAIL"), rule_result("NHI-ROT-001", "INCOMPLETE", account=SUSPENDED)],
        **overrides,
    )
    render_report(bundle, tmp_path)
    return (tmp_path / "index.html").read_text()


def account_row(page: str, account: str) -> str:
    match = re.search(rf"<tr data-ou=[^>]*><td><code>{account}</code>.*?</tr>", page)
    assert match, f"no row for {account}"
    return match.group(0)


def test_each_account_row_shows_its_counts_and_where_it_was_carried_from(tmp_path: Path) -> None:
    row = account_row(summary(tmp_path, account_status=RECORDS), ACCOUNT)
    cells = re.findall(r'<td class="n">(\d+)</td>', row)
    assert cells == ["2", "0", "1", "0"]  # identities, credentials, open findings, incomplete scopes
    assert "20261125T050000Z-0a0b0c0d" in row


def test_a_suspended_account_is_marked_incomplete_and_its_name_escaped(tmp_path: Path) -> None:
    row = account_row(summary(tmp_path, account_status=RECORDS), SUSPENDED)
    assert "st-INCOMPLETE" in row and "SUSPENDED" in row
    assert "old-&lt;app&gt;" in row


def test_without_account_records_the_summary_has_no_account_table(tmp_path: Path) -> None:
    assert 'id="account-status"' not in summary(tmp_path)
