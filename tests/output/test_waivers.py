"""Waivers: reviewed, expiring acceptance of risk; a bad file is an error, never silently ignored."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from assurance_jobs.output.synthetic import finding
from assurance_jobs.output.waivers import Waiver, WaiverError, apply_waivers, expired_waivers, load_waivers

ROLE = "arn:aws:iam::123456789012:role/ci-deployer"
OTHER = "arn:aws:iam::123456789012:role/batch-loader"
AS_OF = date(2026, 11, 25)


def waiver(resource: str = ROLE, expires: date = date(2026, 12, 31), rule_id: str = "NHI-LP-001", **extra) -> Waiver:
    fields = {"rule_id": rule_id, "resource": resource, "justification": "break-glass", "approver": "ciso@example.com"}
    return Waiver(expires=expires, **{**fields, **extra})


def findings(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_finding_matched_by_a_waiver_in_force_is_waived_with_its_justification() -> None:
    result = apply_waivers(findings(finding("NHI-LP-001", ROLE)), [waiver()], AS_OF)
    row = result.iloc[0]
    assert (row["waiver_status"], row["waiver_justification"], row["waiver_approver"], row["waiver_expires"]) == (
        "waived",
        "break-glass",
        "ciso@example.com",
        "2026-12-31",
    )


def test_finding_without_a_matching_waiver_stays_open() -> None:
    result = apply_waivers(findings(finding("NHI-LP-001", OTHER)), [waiver()], AS_OF)
    assert result.iloc[0]["waiver_status"] == "open"
    assert result.iloc[0]["waiver_justification"] is None


def test_waiver_for_another_rule_does_not_apply() -> None:
    result = apply_waivers(findings(finding("NHI-LP-002", ROLE)), [waiver()], AS_OF)
    assert result.iloc[0]["waiver_status"] == "open"


def test_expired_waiver_reopens_the_finding_and_says_so() -> None:
    result = apply_waivers(findings(finding("NHI-LP-001", ROLE)), [waiver(expires=date(2026, 11, 24))], AS_OF)
    assert result.iloc[0]["waiver_status"] == "waiver_expired"
    assert result.iloc[0]["waiver_expires"] == "2026-11-24"


def test_waiver_is_in_force_through_its_expiry_date() -> None:
    result = apply_waivers(findings(finding("NHI-LP-001", ROLE)), [waiver(expires=AS_OF)], AS_OF)
    assert result.iloc[0]["waiver_status"] == "waived"


def test_resource_glob_matches_arns_fnmatch_style() -> None:
    rows = findings(finding("NHI-LP-001", ROLE), finding("NHI-LP-001", OTHER))
    result = apply_waivers(rows, [waiver(resource="arn:aws:iam::123456789012:role/ci-*")], AS_OF)
    assert list(result["waiver_status"]) == ["waived", "open"]


def test_waiver_in_force_beats_an_expired_one_for_the_same_finding() -> None:
    both = [waiver(resource="*", expires=date(2027, 1, 1)), waiver(expires=date(2026, 1, 1))]
    result = apply_waivers(findings(finding("NHI-LP-001", ROLE)), both, AS_OF)
    assert result.iloc[0]["waiver_status"] == "waived"


def test_apply_waivers_leaves_its_input_untouched() -> None:
    rows = findings(finding("NHI-LP-001", ROLE))
    apply_waivers(rows, [waiver()], AS_OF)
    assert "waiver_status" not in rows.columns


def test_empty_findings_get_the_waiver_columns() -> None:
    result = apply_waivers(pd.DataFrame(columns=["rule_id", "resource_arn"]), [waiver()], AS_OF)
    assert {"waiver_status", "waiver_justification", "waiver_approver", "waiver_expires"} <= set(result.columns)


def test_expired_waivers_lists_only_lapsed_entries() -> None:
    lapsed = waiver(expires=date(2026, 1, 1))
    assert expired_waivers([waiver(), lapsed], AS_OF) == [lapsed]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_ENTRY = """- rule_id: NHI-LP-001
  resource: "arn:aws:iam::123456789012:role/ci-*"
  justification: break-glass role, reviewed quarterly
  approver: ciso@example.com
  expires: 2026-12-31
"""


def test_valid_file_loads_its_waivers(tmp_path: Path) -> None:
    [loaded] = load_waivers(write(tmp_path, GOOD_ENTRY))
    assert (loaded.rule_id, loaded.expires) == ("NHI-LP-001", date(2026, 12, 31))


def test_missing_field_error_names_file_entry_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path, GOOD_ENTRY + "- rule_id: NHI-LP-002\n  resource: '*'\n  approver: x\n  expires: 2026-12-31\n"
    )
    with pytest.raises(WaiverError, match=r"waivers\.yaml: waiver #1: field 'justification'"):
        load_waivers(path)


def test_unknown_field_is_an_error_not_ignored(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match=r"waiver #0: field 'expiry'"):
        load_waivers(write(tmp_path, GOOD_ENTRY + "  expiry: 2027-01-01\n"))


def test_expiry_that_is_not_a_date_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match=r"waiver #0: field 'expires'"):
        load_waivers(write(tmp_path, GOOD_ENTRY.replace("2026-12-31", "next year")))


def test_file_that_is_not_yaml_is_an_error_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match=r"not valid YAML at line"):
        load_waivers(write(tmp_path, "- rule_id: [unclosed\n"))


def test_file_that_is_not_a_list_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match="expected a list of waivers"):
        load_waivers(write(tmp_path, "rule_id: NHI-LP-001\n"))


def test_unknown_rule_id_is_an_error_when_rules_are_known(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match=r"waiver #0: field 'rule_id': no rule 'NHI-LP-001' is defined"):
        load_waivers(write(tmp_path, GOOD_ENTRY), known_rule_ids=["NHI-LP-002"])


def test_empty_file_means_no_waivers(tmp_path: Path) -> None:
    assert load_waivers(write(tmp_path, "")) == []


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match="cannot read waiver file"):
        load_waivers(tmp_path / "absent.yaml")
