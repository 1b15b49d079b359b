"""findings.json and findings.csv: the machine-readable result of one evaluation.

Both files are byte-for-byte identical for the same evaluation (fixed column order, fixed row order, no
timestamps of their own), so a day's outputs can be diffed, hashed and committed as evidence.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assurance_jobs.evaluate.engine import INCOMPLETE_RESOURCE_COLUMNS, Evaluation
from assurance_jobs.evaluate.findings import FINDINGS_COLUMNS
from assurance_jobs.evaluate.lifecycle import PUBLISHED_COLUMNS
from assurance_jobs.evaluate.results import RULE_RESULT_COLUMNS

FINDINGS_JSON = "findings.json"
FINDINGS_CSV = "findings.csv"
EXPORT_SCHEMA_VERSION = 1
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Any) -> Any:
    """A cell as a JSON-safe Python value: numpy scalars unwrapped, NaN/NA as None, times as ISO 8601."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def finding_columns(findings: pd.DataFrame) -> tuple[str, ...]:
    """The contract columns, then the waiver and lifecycle columns once the report has applied them (the
    published exports)."""
    waiver = tuple(name for name in findings.columns if str(name).startswith("waiver_"))
    lifecycle = tuple(name for name in PUBLISHED_COLUMNS if name in findings.columns)
    return FINDINGS_COLUMNS + waiver + lifecycle


RESOLVED_COLUMNS: tuple[str, ...] = (
    "finding_id",
    "rule_id",
    "account_id",
    "region",
    "resource_arn",
    "identity_arn",
    "element",
    "severity",
    "observed",
    "observed_kind",
    "first_seen",
    "last_seen",
    "resolved_on",
)
"""What findings.json says of a finding resolved on the day: which one, when it was first and last seen."""


def records(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows as dicts with keys in `columns` order; a column a table stored by an earlier version lacks is None."""
    return [
        {name: _plain(value) for name, value in zip(columns, row, strict=True)}
        for row in frame.reindex(columns=list(columns)).itertuples(index=False, name=None)
    ]


def findings_json(
    evaluation: Evaluation,
    disabled_rules: Sequence[Mapping[str, Any]] = (),
    lifecycle: Mapping[str, Any] | None = None,
    runtime_coverage: Mapping[str, Any] | None = None,
) -> bytes:
    """The day's findings and rule results; with `lifecycle` (the published report's), also what the day was
    compared with (`compared_with`, `missing_days`), the SLAs, and the findings resolved on the day; with
    `runtime_coverage`, how many NHIs runtime judged against which baseline."""
    body: dict[str, Any] = {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "findings": records(evaluation.findings, finding_columns(evaluation.findings)),
        "rule_results": records(evaluation.rule_results, RULE_RESULT_COLUMNS),
        # Resources whose verdict is unknown (an unreadable or absent policy document): never counted as passing.
        "incomplete_resources": records(evaluation.incomplete_resources, INCOMPLETE_RESOURCE_COLUMNS),
        # Rules the configuration took out, with why and who approved: absent from rule_results by decision.
        "disabled_rules": [dict(rule) for rule in disabled_rules],
    }
    if lifecycle is not None:
        resolved = lifecycle.get("resolved")
        body["lifecycle"] = {
            "compared_with": lifecycle.get("compared_with"),
            "missing_days": list(lifecycle.get("missing_days") or []),
            "sla_days": dict(lifecycle.get("sla_days") or {}),
            "resolved": [] if resolved is None else records(resolved, RESOLVED_COLUMNS),
        }
    if runtime_coverage is not None:
        # NHIs judged at runtime against an approved baseline, only against learned behaviour, not at all (why).
        body["runtime_coverage"] = dict(runtime_coverage)
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _csv_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: owner tags and names are attacker-influenced text."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def findings_csv(evaluation: Evaluation) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = finding_columns(evaluation.findings)
    writer.writerow(columns)
    for row in records(evaluation.findings, columns):
        writer.writerow([_csv_cell(value) for value in row.values()])
    return buffer.getvalue().encode("utf-8")


def write_findings_exports(
    evaluation: Evaluation,
    out_dir: str | Path,
    disabled_rules: Sequence[Mapping[str, Any]] = (),
    lifecycle: Mapping[str, Any] | None = None,
    runtime_coverage: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write findings.json (findings + rule_results) and findings.csv (findings) into `out_dir`."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    document = findings_json(evaluation, disabled_rules, lifecycle, runtime_coverage)
    contents = ((FINDINGS_JSON, document), (FINDINGS_CSV, findings_csv(evaluation)))
    for name, content in contents:
        path = folder / name
        path.write_bytes(content)
        written.append(path)
    return written
