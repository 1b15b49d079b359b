"""The baseline rule suite (NHI-BL-001..005): well-formed metadata, catalogued controls, and GX judges the facts.

The suite is staged in baseline/expectations/ until the evaluation engine accepts subject 'agents' and the
inventory carries the baseline facts; then it moves to expectations/ (this test reads whichever exists).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SUITE = next(
    p for p in (REPO / "expectations/baseline.json", REPO / "baseline/expectations/baseline.json") if p.exists()
)
REQUIRED_META = {"rule_id", "title", "family", "severity", "rationale", "remediation", "subject", "depends_on",
                 "observed_column", "controls"}  # fmt: skip


def suite() -> dict:
    return json.loads(SUITE.read_text())


def test_suite_defines_the_five_baseline_rules_on_their_subjects() -> None:
    subjects = {e["meta"]["rule_id"]: e["meta"]["subject"] for e in suite()["expectations"]}
    assert subjects == {"NHI-BL-001": "identities", "NHI-BL-002": "identities", "NHI-BL-003": "identities",
                        "NHI-BL-004": "agents", "NHI-BL-005": "identities"}  # fmt: skip


def test_every_rule_carries_the_required_meta_keys() -> None:
    missing = {e["meta"]["rule_id"]: REQUIRED_META - set(e["meta"]) for e in suite()["expectations"]}
    assert all(not keys for keys in missing.values()), missing


def test_every_cited_control_exists_in_the_framework_catalogue() -> None:
    unknown = []
    for expectation in suite()["expectations"]:
        for framework, ids in expectation["meta"]["controls"].items():
            catalogue = yaml.safe_load((REPO / "reports/frameworks" / f"{framework}.yaml").read_text())
            unknown += [(framework, i) for i in ids if i not in {c["id"] for c in catalogue["controls"]}]
    assert unknown == []


@pytest.fixture(scope="module")
def gx_failures() -> dict[str, list[int]]:
    """Run the suite's identity rules with GX over a small facts table; rule id -> failing row indices."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    identities = pd.DataFrame(
        {
            "in_baseline": [True, True, False],
            "unapproved_permission_count": [0, 3, 9],
            "unapproved_trust_principal_count": [1, 0, 9],
            "jit_expired_grant_count": [0, 1, 0],
            "baseline_owner_mismatch": [False, True, True],
        }
    )
    context = gx.get_context(mode="ephemeral")
    batch = context.data_sources.add_pandas("facts").add_dataframe_asset("identities")
    definition = batch.add_batch_definition_whole_dataframe("all")
    failures = {}
    for expectation in suite()["expectations"]:
        if expectation["meta"]["subject"] != "identities":
            continue
        one = gx.ExpectationSuite(**{**suite(), "name": expectation["meta"]["rule_id"], "expectations": [expectation]})
        result = definition.get_batch(batch_parameters={"dataframe": identities}).validate(
            one, result_format={"result_format": "COMPLETE"}
        )
        failures[expectation["meta"]["rule_id"]] = sorted(result.results[0].result.get("unexpected_index_list", []))
    return failures


def test_gx_fails_exactly_the_rows_beyond_the_baseline(gx_failures: dict[str, list[int]]) -> None:
    # Row 2 is outside the baseline: only the JIT rule (which needs no baseline entry) may judge it.
    assert gx_failures == {"NHI-BL-001": [1], "NHI-BL-002": [0], "NHI-BL-003": [1], "NHI-BL-005": [1]}
