"""The policy-as-data fingerprint: any edit, addition, removal or rename of a policy file changes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assurance_jobs.events import changed_files, fingerprint, policy_sources
from assurance_jobs.events.policy_files import BASELINE_FOLDER


@pytest.fixture
def policy_tree(tmp_path: Path) -> dict[str, Path]:
    """A suites folder, a waivers file and a baseline folder with an example file beside the real one."""
    suites = tmp_path / "expectations"
    suites.mkdir()
    (suites / "rotation.json").write_text('{"name": "rotation"}')
    (suites / "notes.txt").write_text("not a suite")
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers: []\n")
    baseline = tmp_path / "baseline"
    (baseline / "expectations").mkdir(parents=True)
    (baseline / "approved.yaml").write_text("identities: []\n")
    (baseline / "agents.example.yaml").write_text("agents: []\n")
    (baseline / "expectations" / "baseline.json").write_text("{}")
    return {"suites": suites, "waivers": waivers, "baseline": baseline}


def sources(tree: dict[str, Path]) -> list[tuple[str, Path]]:
    return policy_sources(tree["suites"], tree["waivers"], tree["baseline"])


def test_sources_are_suites_waivers_and_baseline_without_examples(policy_tree: dict[str, Path]) -> None:
    assert [label for label, _ in sources(policy_tree)] == [
        "baseline/approved.yaml",
        "baseline/expectations/baseline.json",
        "expectations/rotation.json",
        "waivers/waivers.yaml",
    ]


def test_same_files_give_the_same_digest(policy_tree: dict[str, Path]) -> None:
    assert fingerprint(sources(policy_tree)).digest == fingerprint(sources(policy_tree)).digest


def test_editing_a_suite_changes_the_digest_and_names_the_file(policy_tree: dict[str, Path]) -> None:
    before = fingerprint(sources(policy_tree))
    (policy_tree["suites"] / "rotation.json").write_text('{"name": "rotation", "max_age": 60}')
    after = fingerprint(sources(policy_tree))
    assert after.digest != before.digest
    assert changed_files(before.files, after.files) == ["expectations/rotation.json"]


def test_adding_a_suite_changes_the_digest(policy_tree: dict[str, Path]) -> None:
    before = fingerprint(sources(policy_tree))
    (policy_tree["suites"] / "expiry.json").write_text("{}")
    assert changed_files(before.files, fingerprint(sources(policy_tree)).files) == ["expectations/expiry.json"]


def test_deleting_the_waivers_file_is_a_change(policy_tree: dict[str, Path]) -> None:
    before = fingerprint(sources(policy_tree))
    policy_tree["waivers"].unlink()
    after = fingerprint(sources(policy_tree))
    assert after.files["waivers/waivers.yaml"] == "missing"
    assert after.digest != before.digest


def test_editing_an_example_file_is_not_a_change(policy_tree: dict[str, Path]) -> None:
    before = fingerprint(sources(policy_tree))
    (policy_tree["baseline"] / "agents.example.yaml").write_text("agents: [edited]\n")
    assert fingerprint(sources(policy_tree)).digest == before.digest


def test_without_configured_paths_the_repository_suites_and_baseline_are_used() -> None:
    labels = [label for label, _ in policy_sources(None, None)]
    assert "expectations/rotation.json" in labels
    assert all(not label.startswith("waivers/") for label in labels)
    assert BASELINE_FOLDER.resolve().name == "baseline"  # the packaged link to the repository's baseline/
