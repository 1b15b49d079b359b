"""The configuration file: defaults, validation, and messages that name the bad field."""

from __future__ import annotations

from pathlib import Path

import pytest

from assurance_jobs.config import ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]


def test_example_configuration_is_valid() -> None:
    config = load_config(REPO / "assurance.example.yaml")
    assert [account.name for account in config.accounts] == ["production", "sandbox"]
    assert config.accounts[0].regions == ["us-east-1", "eu-west-1"]


def test_no_file_means_one_account_from_ambient_credentials() -> None:
    config = load_config(None)
    assert len(config.accounts) == 1
    assert config.storage_root == "./assurance-data"


def test_s3_storage_root_is_accepted() -> None:
    assert parse_config({"storage_root": "s3://evidence-bucket/nhi"}).storage_root == "s3://evidence-bucket/nhi"


def test_unknown_scheme_for_storage_root_is_rejected() -> None:
    with pytest.raises(ConfigError, match="field 'storage_root'"):
        parse_config({"storage_root": "gs://bucket"})


def test_bad_region_names_the_account_field() -> None:
    with pytest.raises(ConfigError, match=r"field 'accounts\.0\.regions'.*not an AWS region name: mars-1"):
        parse_config({"accounts": [{"name": "prod", "regions": ["mars-1"]}]})


def test_misspelt_field_is_rejected_not_ignored() -> None:
    with pytest.raises(ConfigError, match="field 'owner_tags'"):
        parse_config({"owner_tags": ["owner"]})


def test_role_arn_must_be_an_iam_role() -> None:
    with pytest.raises(ConfigError, match=r"accounts\.0\.role_arn"):
        parse_config({"accounts": [{"name": "prod", "role_arn": "arn:aws:iam::123:user/bob"}]})


def test_duplicate_account_names_are_rejected() -> None:
    with pytest.raises(ConfigError, match="repeated: prod"):
        parse_config({"accounts": [{"name": "prod"}, {"name": "prod"}]})


def test_invalid_yaml_reports_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("accounts:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_config(bad)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read configuration file"):
        load_config(tmp_path / "absent.yaml")


def test_top_level_list_is_rejected() -> None:
    with pytest.raises(ConfigError, match="expected a mapping"):
        parse_config(["accounts"])


def test_drift_history_must_cover_at_least_the_reports_own_day() -> None:
    with pytest.raises(ConfigError, match="field 'drift_history_days'"):
        parse_config({"drift_history_days": 0})


def test_a_rule_disabled_twice_is_refused_naming_the_field() -> None:
    entry = {"rule_id": "NHI-PRB-003", "justification": "no second resource server here", "approver": "ciso"}
    with pytest.raises(ConfigError, match=r"field 'disabled_rules'.*NHI-PRB-003 is listed twice"):
        parse_config({"disabled_rules": [entry, entry]})


def test_a_disabled_rule_needs_a_justification() -> None:
    with pytest.raises(ConfigError, match=r"field 'disabled_rules\.0\.justification'"):
        parse_config({"disabled_rules": [{"rule_id": "NHI-PRB-003", "justification": "", "approver": "ciso"}]})
