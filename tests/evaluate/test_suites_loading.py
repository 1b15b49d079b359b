"""The rule suites in expectations/: valid GX 1.x JSON, one expectation per design rule, clean metadata."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from assurance_jobs.evaluate import SuiteError, all_rules, load_suites
from assurance_jobs.evaluate.gx_runner import _import_gx
from assurance_jobs.evaluate.suites import describe_threshold

REPO = Path(__file__).resolve().parents[2]
FRAMEWORKS = REPO / "reports" / "frameworks"
SUITE_FILES = sorted((REPO / "expectations").glob("*.json"))


def _write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _rotation() -> dict[str, Any]:
    return json.loads((REPO / "expectations" / "rotation.json").read_text(encoding="utf-8"))


def test_each_rule_lives_in_the_suite_of_its_family() -> None:
    for suite in load_suites():
        assert {rule.family for rule in suite.rules} == {suite.path.stem} == {suite.name}


@pytest.mark.parametrize("path", SUITE_FILES, ids=[path.name for path in SUITE_FILES])
def test_suite_round_trips_through_gx_without_deprecation_warnings(path: Path) -> None:
    gx = _import_gx()
    document = json.loads(path.read_text(encoding="utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        suite = gx.ExpectationSuite(**copy.deepcopy(document))
        assert suite.to_json_dict() == document


@pytest.mark.parametrize(
    ("rule_id", "threshold"),
    [
        ("NHI-ROT-001", "≤ 90 days"),
        ("NHI-OFF-001", "< 45 days"),
        ("NHI-ROT-003", "must be true"),
        ("NHI-LP-001", "must be false"),
        ("NHI-LP-003", "must be false"),
        ("NHI-ROT-006", "≥ 30 days"),
        ("NHI-EXP-002", "must be set"),
        ("NHI-OFF-004", "must be one of: active"),
    ],
)
def test_threshold_is_phrased_from_the_expectation_arguments(rule_id: str, threshold: str) -> None:
    rule = next(rule for rule in all_rules(load_suites()) if rule.rule_id == rule_id)
    assert rule.threshold == threshold


def test_threshold_phrase_for_a_closed_range() -> None:
    kwargs = {"min_value": 1, "max_value": 12, "strict_min": True}
    assert describe_threshold("expect_column_values_to_be_between", kwargs, "hours") == "> 1 and ≤ 12 hours"


def _catalogue() -> dict[str, set[str]]:
    ids = {}
    for path in sorted(FRAMEWORKS.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        ids[document["id"]] = {str(control["id"]) for control in document["controls"]}
    return ids


def _citations() -> list[tuple[str, str, str]]:
    cited = []
    for rule in all_rules(load_suites()):
        for framework, control_ids in rule.meta["controls"].items():
            cited += [(rule.rule_id, framework, control_id) for control_id in control_ids]
    return cited


def test_every_cited_control_exists_in_the_framework_catalogue() -> None:
    catalogue = _catalogue()
    unknown = [cite for cite in _citations() if cite[2] not in catalogue.get(cite[1], set())]
    assert unknown == []


def test_every_rule_cites_owasp_nhi_and_nist_800_53() -> None:
    for rule in all_rules(load_suites()):
        assert {"owasp-nhi-top10-2025", "nist-800-53r5"} <= set(rule.meta["controls"]), rule.rule_id


def test_unparseable_suite_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SuiteError, match=r"broken\.json: not valid JSON at line 1"):
        load_suites(tmp_path)


def test_bad_severity_names_file_expectation_and_field(tmp_path: Path) -> None:
    document = _rotation()
    document["expectations"][1]["meta"]["severity"] = "urgent"
    _write(tmp_path, "rotation.json", document)
    with pytest.raises(SuiteError, match=r"rotation\.json: expectation #2: meta\.severity 'urgent' is not one of"):
        load_suites(tmp_path)


def test_missing_meta_keys_are_listed(tmp_path: Path) -> None:
    document = _rotation()
    del document["expectations"][0]["meta"]["remediation"]
    del document["expectations"][0]["meta"]["depends_on"]
    _write(tmp_path, "rotation.json", document)
    with pytest.raises(SuiteError, match=r"expectation #1: meta is missing remediation, depends_on"):
        load_suites(tmp_path)


def test_unknown_subject_is_rejected(tmp_path: Path) -> None:
    document = _rotation()
    document["expectations"][0]["meta"]["subject"] = "policies"
    _write(tmp_path, "rotation.json", document)
    with pytest.raises(SuiteError, match=r"meta\.subject 'policies' is not one of identities, credentials"):
        load_suites(tmp_path)


def test_an_observed_kind_the_report_cannot_render_is_rejected(tmp_path: Path) -> None:
    document = _rotation()
    document["expectations"][0]["meta"]["observed_kind"] = "number"
    _write(tmp_path, "rotation.json", document)
    with pytest.raises(SuiteError, match=r"meta\.observed_kind 'number' is not one of count, days"):
        load_suites(tmp_path)


def test_rule_id_defined_twice_across_suites_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", _rotation())
    _write(tmp_path, "b.json", _rotation())
    with pytest.raises(SuiteError, match=r"b\.json: rule id NHI-ROT-001 is already defined in .*a\.json"):
        load_suites(tmp_path)


def test_unsupported_expectation_type_names_the_rule(tmp_path: Path) -> None:
    document = _rotation()
    document["expectations"][0]["type"] = "expect_column_kl_divergence_to_be_less_than"
    _write(tmp_path, "rotation.json", document)
    with pytest.raises(SuiteError, match=r"expectation #1 \(NHI-ROT-001\): expectation type .* is not one"):
        load_suites(tmp_path)


def test_unknown_source_in_depends_on_is_rejected(tmp_path: Path) -> None:
    document = _rotation()
    document["expectations"][0]["meta"]["depends_on"] = ["iam_access_keys"]
    _write(tmp_path, "rotation.json", document)
    with pytest.raises(SuiteError, match=r"depends_on names unknown sources: iam_access_keys"):
        load_suites(tmp_path)


def test_gx_severity_that_disagrees_with_meta_severity_is_rejected(tmp_path: Path) -> None:
    document = _rotation()
    document["expectations"][0]["meta"]["severity"] = "low"  # GX severity stays "critical"
    _write(tmp_path, "rotation.json", document)
    with pytest.raises(SuiteError, match=r"\(NHI-ROT-001\): severity 'critical' disagrees with meta\.severity 'low'"):
        load_suites(tmp_path)


def test_gx_severity_may_be_left_out_and_is_derived(tmp_path: Path) -> None:
    document = _rotation()
    del document["expectations"][0]["severity"]
    _write(tmp_path, "rotation.json", document)
    assert load_suites(tmp_path)[0].rules[0].severity == "high"


@pytest.mark.parametrize(
    ("key", "framework_id"), [("zero_trust_tenets", "nist-800-207"), ("sp800_63b", "nist-800-63b")]
)
def test_retired_framework_meta_keys_point_to_controls(tmp_path: Path, key: str, framework_id: str) -> None:
    document = _rotation()
    document["expectations"][0]["meta"][key] = ["6"]
    _write(tmp_path, "rotation.json", document)
    with pytest.raises(
        SuiteError, match=rf"meta\.{key} is retired: list those ids under meta\.controls\.{framework_id}"
    ):
        load_suites(tmp_path)


def test_a_zero_trust_citation_must_be_a_tenet_number(tmp_path: Path) -> None:
    document = _rotation()
    document["expectations"][0]["meta"]["controls"]["nist-800-207"] = ["8"]
    _write(tmp_path, "rotation.json", document)
    with pytest.raises(SuiteError, match=r"nist-800-207 has 8; tenets are '1'\.\.'7'"):
        load_suites(tmp_path)


def test_folder_without_suites_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match=r"no suite files"):
        load_suites(tmp_path)
