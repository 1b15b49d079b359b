"""The shipped framework catalogue: every file loads and says what version of which document it describes."""

from __future__ import annotations

import pytest

from assurance_jobs.output.catalogue import FRAMEWORK_IDS, Catalogue, UnknownControlError, load_catalogue


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def test_default_catalogue_holds_exactly_the_design_frameworks_in_order(catalogue: Catalogue) -> None:
    assert tuple(catalogue.frameworks) == FRAMEWORK_IDS


@pytest.mark.parametrize("framework_id", FRAMEWORK_IDS)
def test_every_framework_names_its_version_and_an_official_source(catalogue: Catalogue, framework_id: str) -> None:
    framework = catalogue.frameworks[framework_id]
    assert framework.version.strip()
    assert framework.source.startswith("https://")
    assert framework.name.strip()


@pytest.mark.parametrize("framework_id", FRAMEWORK_IDS)
def test_control_ids_are_unique_within_each_framework(catalogue: Catalogue, framework_id: str) -> None:
    ids = [control.id for control in catalogue.frameworks[framework_id].controls]
    assert len(ids) == len(set(ids))


def test_nist_800_63b_is_applied_by_analogy(catalogue: Catalogue) -> None:
    note = catalogue.frameworks["nist-800-63b"].note or ""
    assert "by analogy" in note


def test_nist_800_207_entries_are_the_seven_tenets(catalogue: Catalogue) -> None:
    framework = catalogue.frameworks["nist-800-207"]
    assert framework.kind == "tenet"
    assert [control.id for control in framework.controls] == [str(n) for n in range(1, 8)]
    assert "tenets, not controls" in (framework.note or "")


def test_owasp_nhi_top10_lists_all_ten_risks(catalogue: Catalogue) -> None:
    ids = [control.id for control in catalogue.frameworks["owasp-nhi-top10-2025"].controls]
    assert ids == [f"NHI{n}" for n in range(1, 11)]


@pytest.mark.parametrize(
    ("framework_id", "control_ids"),
    [
        (
            "nist-800-53r5",
            ["AC-2", "AC-2(3)", "AC-6", "AC-6(7)", "IA-4", "IA-5", "IA-5(7)", "IA-9", "IA-11", "CM-8"],
        ),
        ("cis-aws-foundations-3.0.0", ["1.4", "1.11", "1.12", "1.13", "1.14", "1.15", "1.16", "1.19", "1.20"]),
        ("soc2-tsc-2017", ["CC6.1", "CC6.2", "CC6.3", "CC6.6", "CC7.2"]),
        ("iso27001-2022", ["A.5.9", "A.5.15", "A.5.16", "A.5.17", "A.5.18", "A.8.2", "A.8.5", "A.8.24"]),
        ("pci-dss-4.0.1", ["7.2.5", "7.2.5.1", "8.2.2", "8.2.6", "8.6.1", "8.6.2", "8.6.3"]),
        ("nist-csf-2.0", ["PR.AA-01", "PR.AA-03", "PR.AA-05"]),
    ],
)
def test_catalogue_holds_the_controls_rules_are_expected_to_cite(
    catalogue: Catalogue, framework_id: str, control_ids: list[str]
) -> None:
    missing = [cid for cid in control_ids if not catalogue.has(framework_id, cid)]
    assert missing == []


def test_control_lookup_returns_title_and_link(catalogue: Catalogue) -> None:
    control = catalogue.control("nist-800-53r5", "AC-2(3)")
    assert control.title == "Disable Accounts"
    assert control.link.startswith("https://csrc.nist.gov/")


def test_cis_ids_are_version_specific_strings_not_numbers(catalogue: Catalogue) -> None:
    assert catalogue.has("cis-aws-foundations-3.0.0", "1.20")
    assert not catalogue.has("cis-aws-foundations-3.0.0", "1.2")


def test_has_is_false_for_an_unknown_framework(catalogue: Catalogue) -> None:
    assert not catalogue.has("nist-800-53r4", "AC-2")


def test_unknown_control_error_lists_what_the_framework_knows(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownControlError, match=r"nist-800-53r5 has no control 'AC-99'.*AC-2"):
        catalogue.control("nist-800-53r5", "AC-99")


def test_unknown_framework_error_lists_the_known_frameworks(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownControlError, match=r"unknown framework 'sox'.*nist-csf-2.0"):
        catalogue.control("sox", "404")


def test_unknown_references_reports_only_the_pairs_not_in_the_catalogue(catalogue: Catalogue) -> None:
    references = {"nist-800-53r5": ["AC-2", "AC-99"], "made-up": ["X"], "owasp-nhi-top10-2025": ["NHI7"]}
    assert catalogue.unknown_references(references) == ["nist-800-53r5:AC-99", "made-up:X"]
