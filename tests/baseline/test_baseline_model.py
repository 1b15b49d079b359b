"""Baseline files: reviewed YAML whose mistakes must stop the run with file, entry and field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from assurance_jobs.baseline.model import BaselineError, load_baseline, load_baseline_dir, parse_baseline

REPO = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/ci-deploy"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_misspelled_field_names_file_entry_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "approved.yaml", f"identities:\n  - name: ci\n    arn: '{ROLE}'\n    aproved_actions: []\n")
    with pytest.raises(BaselineError, match=r"approved\.yaml: identities\[0\] 'ci': field 'aproved_actions'"):
        load_baseline(path)


def test_entry_without_arn_or_tag_is_rejected() -> None:
    with pytest.raises(BaselineError, match=r"identities\[0\] 'orphan': field '\(entry\)': an entry needs 'arn'"):
        parse_baseline({"identities": [{"name": "orphan", "approved_owner": "a@example.com"}]}, "b.yaml")


def test_action_pattern_matching_no_known_action_is_rejected() -> None:
    with pytest.raises(BaselineError, match=r"field 'approved_actions': matches no IAM action .*s3:GetObjekt"):
        parse_baseline({"identities": [{"arn": ROLE, "approved_actions": ["s3:GetObjekt"]}]})


def test_jit_window_without_timezone_is_rejected() -> None:
    grant = {"identity_arn": ROLE, "elevated_policy": "x", "window_start": "2026-11-20T09:00:00",
             "window_end": "2026-11-20T10:00:00+00:00"}  # fmt: skip
    with pytest.raises(BaselineError, match=rf"jit_grants\[0\] '{ROLE}': field 'window_start': .*timezone"):
        parse_baseline({"jit_grants": [grant]})


def test_jit_window_ending_before_it_starts_is_rejected() -> None:
    grant = {"identity_arn": ROLE, "elevated_policy": "x", "window_start": "2026-11-20T10:00:00Z",
             "window_end": "2026-11-20T09:00:00Z"}  # fmt: skip
    with pytest.raises(BaselineError, match="window_end must be after window_start"):
        parse_baseline({"jit_grants": [grant]})


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.yaml", "identities:\n  - arn: [unclosed\n")
    with pytest.raises(BaselineError, match=r"broken\.yaml: not valid YAML at line \d+"):
        load_baseline(path)


def test_agent_approved_in_two_files_is_rejected(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.yaml", "agents:\n  bot: [x]\n")
    second = _write(tmp_path, "b.yaml", "agents:\n  bot: [y]\n")
    with pytest.raises(BaselineError, match=r"b\.yaml: agents\['bot'\]: already approved in .*a\.yaml"):
        load_baseline(first, second)


def test_files_in_a_folder_are_merged_and_examples_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "one.yaml", f"identities:\n  - arn: '{ROLE}'\n")
    _write(tmp_path, "two.yml", "agents:\n  bot: [x]\n")
    _write(tmp_path, "agents.example.yaml", "agents:\n  - id: not-a-baseline\n")
    baseline = load_baseline_dir(tmp_path)
    assert (len(baseline.identities), list(baseline.agents)) == (1, ["bot"])


def test_shipped_example_baseline_is_valid() -> None:
    baseline = load_baseline(REPO / "baseline" / "approved.example.yaml")
    assert baseline.identities and baseline.jit_grants and baseline.agents


def test_empty_file_is_the_empty_baseline(tmp_path: Path) -> None:
    baseline = load_baseline(_write(tmp_path, "empty.yaml", ""))
    assert (baseline.identities, baseline.jit_grants, baseline.agents) == ([], [], {})
