"""Runtime coverage as evidence: the CLI summary and findings.json say how many NHIs are judged how, and why not."""

from __future__ import annotations

import json

from assurance_jobs.app.summary import runtime_coverage_lines
from assurance_jobs.evaluate.engine import Evaluation, empty_incomplete_resources
from assurance_jobs.evaluate.export import findings_json
from assurance_jobs.evaluate.findings import combine_findings
from assurance_jobs.evaluate.results import results_frame

COVERAGE = {
    "nhis": 120,
    "approved": 4,
    "learned": 100,
    "not_judged": 16,
    "why_not_judged": {
        "created 3 days ago: fewer than 14 days of behaviour to learn from": 14,
        "service-linked role: AWS acts as it": 2,
    },
}


def test_the_cli_summary_counts_nhis_by_how_runtime_judges_them_and_why_not() -> None:
    lines = runtime_coverage_lines(COVERAGE)
    assert lines[0].split(None, 1)[1] == (
        "120 NHIs: 4 against an approved baseline, 100 against learned behaviour only, 16 not judged"
    )
    assert [line.split(None, 1) for line in lines[1:]] == [
        ["14", "created 3 days ago: fewer than 14 days of behaviour to learn from"],
        ["2", "service-linked role: AWS acts as it"],
    ]


def test_no_nhi_means_no_runtime_line() -> None:
    assert runtime_coverage_lines({"nhis": 0}) == [] and runtime_coverage_lines(None) == []


def test_findings_json_carries_the_runtime_coverage() -> None:
    evaluation = Evaluation(combine_findings([]), results_frame([]), empty_incomplete_resources())
    assert json.loads(findings_json(evaluation, runtime_coverage=COVERAGE))["runtime_coverage"] == COVERAGE
