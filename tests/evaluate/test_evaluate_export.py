"""findings.json and findings.csv: stable columns, stable order, identical bytes for the same evaluation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from assurance_jobs.evaluate import FINDINGS_COLUMNS, RULE_RESULT_COLUMNS, Evaluation, write_findings_exports
from assurance_jobs.evaluate import synthetic as s
from assurance_jobs.evaluate.results import results_frame


def _finding(rule_id: str, resource: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(FINDINGS_COLUMNS)
    row.update(
        rule_id=rule_id,
        family="rotation",
        title="t",
        severity="high",
        status="FAIL",
        account_id=s.ACCOUNT,
        resource_arn=resource,
        resource_kind="access_key",
        observed="91",
        threshold="≤ 90 days",
        snapshot_id="20261125T060000Z-1a2b3c4d",
        partition_date="2026-11-25",
    )
    row.update(values)
    return row


@pytest.fixture
def evaluation() -> Evaluation:
    findings = pd.DataFrame(
        [
            _finding("NHI-ROT-001", "arn:aws:iam::111111111111:user/a/access_key_1", owner='=HYPERLINK("x")'),
            _finding("NHI-ROT-005", "arn:aws:iam::111111111111:server-certificate/c", observed="-3", region=None),
        ],
        columns=list(FINDINGS_COLUMNS),
    )
    results = results_frame(
        [
            {
                "rule_id": "NHI-ROT-001",
                "family": "rotation",
                "title": "t",
                "severity": "high",
                "account_id": s.ACCOUNT,
                "region": None,
                "status": "FAIL",
                "evaluated": 3,
                "failed": 1,
                "missing_sources": "",
            }
        ]
    )
    return Evaluation(findings=findings, rule_results=results)


def test_exports_are_identical_bytes_for_the_same_evaluation(evaluation: Evaluation, tmp_path: Path) -> None:
    first = [path.read_bytes() for path in write_findings_exports(evaluation, tmp_path / "one")]
    second = [path.read_bytes() for path in write_findings_exports(evaluation, tmp_path / "two")]
    assert first == second


def test_json_holds_findings_and_rule_results_in_contract_key_order(evaluation: Evaluation, tmp_path: Path) -> None:
    write_findings_exports(evaluation, tmp_path)
    body = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert [list(row) for row in body["findings"]] == [list(FINDINGS_COLUMNS)] * 2
    assert list(body["rule_results"][0]) == list(RULE_RESULT_COLUMNS)
    assert (body["rule_results"][0]["region"], body["rule_results"][0]["evaluated"]) == (None, 3)


def test_csv_has_the_contract_header_and_empty_cells_for_none(evaluation: Evaluation, tmp_path: Path) -> None:
    write_findings_exports(evaluation, tmp_path)
    rows = list(csv.reader(io.StringIO((tmp_path / "findings.csv").read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == FINDINGS_COLUMNS
    assert rows[2][FINDINGS_COLUMNS.index("region")] == ""


def test_csv_neutralises_formulas_but_keeps_negative_numbers(evaluation: Evaluation, tmp_path: Path) -> None:
    write_findings_exports(evaluation, tmp_path)
    rows = list(csv.reader(io.StringIO((tmp_path / "findings.csv").read_text(encoding="utf-8"))))
    assert rows[1][FINDINGS_COLUMNS.index("owner")] == '\'=HYPERLINK("x")'
    assert rows[2][FINDINGS_COLUMNS.index("observed")] == "-3"


def test_export_of_an_evaluation_without_findings_writes_headers_only(tmp_path: Path) -> None:
    empty = Evaluation(findings=pd.DataFrame(columns=list(FINDINGS_COLUMNS)), rule_results=results_frame([]))
    write_findings_exports(empty, tmp_path)
    assert (tmp_path / "findings.csv").read_text(encoding="utf-8") == ",".join(FINDINGS_COLUMNS) + "\n"
    assert json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))["findings"] == []


def test_published_exports_carry_the_waiver_state(tmp_path: Path) -> None:
    waived = {
        **_finding("NHI-ROT-001", "arn:aws:iam::111111111111:user/svc#access_key_1"),
        "waiver_status": "waived",
        "waiver_justification": "vendor cannot rotate until Q1",
        "waiver_approver": "ciso@example.com",
        "waiver_expires": "2027-01-31",
    }
    evaluation = Evaluation(pd.DataFrame([waived]), results_frame([]))
    json_path, csv_path = write_findings_exports(evaluation, tmp_path)
    (finding,) = json.loads(json_path.read_text())["findings"]
    assert (finding["waiver_status"], finding["waiver_approver"]) == ("waived", "ciso@example.com")
    header = next(csv.reader(io.StringIO(csv_path.read_text())))
    assert header[-4:] == ["waiver_status", "waiver_justification", "waiver_approver", "waiver_expires"]
