"""The report's account filter offers the accounts the run covered: not one the configuration excluded (its row
on the summary still says `excluded`), nor an OU that holds only excluded accounts."""

from __future__ import annotations

import re
from pathlib import Path

from assurance_jobs.output.html import render_report
from assurance_jobs.output.synthetic import ACCOUNT, identity, make_bundle, rule_result

COVERED = "210987654321"
EXCLUDED = "567890123456"
RECORDS = [
    {"account_id": ACCOUNT, "name": "payments", "ou_path": "Root/prod", "collection": "complete"},
    {"account_id": COVERED, "name": "ledger", "ou_path": "Root/prod/eu", "collection": "incomplete"},
    {"account_id": EXCLUDED, "name": "lab", "ou_path": "Root/lab", "collection": "excluded"},
]


def filter_options(page: str, select: str) -> list[str]:
    found = re.search(rf'<select id="{select}">(.*?)</select>', page, re.DOTALL)
    assert found, f"no {select} selector"
    return [value for value in re.findall(r'<option value="([^"]*)">', found.group(1)) if value]


def test_the_filter_offers_only_covered_accounts_and_their_ous(tmp_path: Path) -> None:
    bundle = make_bundle(
        identities=[identity("bot"), identity("batch", account=COVERED)],
        rule_results=[rule_result("NHI-ROT-001", "PASS"), rule_result("NHI-ROT-001", "PASS", account=COVERED)],
        account_status=RECORDS,
    )
    render_report(bundle, tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert filter_options(page, "filter-account") == sorted([ACCOUNT, COVERED])
    assert filter_options(page, "filter-ou") == ["Root", "Root/prod", "Root/prod/eu"]
    assert f"<code>{EXCLUDED}</code>" in page  # still listed on the summary, as excluded
