"""The demo's findings, rule results and report pages are exactly those stored before the package was reorganised.

Behaviour is pinned by `tests/fixtures/demo_parity.json` (see tests/demo_parity.py for what is normalised and how to
regenerate it when behaviour changes on purpose).
"""

from __future__ import annotations

import json

from conftest_demo import DemoRun, demo_run  # noqa: F401  (the shared demo fixture)
from demo_parity import STORED, normalized_output


def test_demo_findings_match_the_stored_output(demo_run: DemoRun) -> None:  # noqa: F811
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    assert normalized_output(demo_run.reports, demo_run.partition_date)["findings"] == stored["findings"]


def test_demo_rule_results_match_the_stored_output(demo_run: DemoRun) -> None:  # noqa: F811
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    assert normalized_output(demo_run.reports, demo_run.partition_date)["rule_results"] == stored["rule_results"]


def test_demo_report_pages_match_the_stored_set(demo_run: DemoRun) -> None:  # noqa: F811
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    assert normalized_output(demo_run.reports, demo_run.partition_date)["pages"] == stored["pages"]
