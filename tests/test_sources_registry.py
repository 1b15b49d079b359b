"""The source registry is the one list of evidence: code derives from it and the docs are checked against it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assurance_jobs import sources
from assurance_jobs.collect import aws
from assurance_jobs.config import AccountConfig
from assurance_jobs.evaluate import results, suites, synthetic

REPO = Path(__file__).resolve().parent.parent


def _collected() -> list[sources.Source]:
    """Sources that become snapshot files: the ones with a collector."""
    return [entry for entry in sources.SOURCES if entry.collector is not None]


def test_source_names_are_unique() -> None:
    names = [entry.name for entry in sources.SOURCES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("entry", _collected(), ids=lambda entry: entry.name)
def test_every_collector_path_resolves_to_a_function(entry: sources.Source) -> None:
    assert callable(sources.collector_of(entry.name))


@pytest.mark.parametrize("entry", [e for e in sources.SOURCES if e.parser is not None], ids=lambda entry: entry.name)
def test_every_parser_path_resolves_to_a_function(entry: sources.Source) -> None:
    assert callable(sources.parser_of(entry.name))


def test_an_unknown_source_is_named_with_the_registry() -> None:
    with pytest.raises(KeyError, match=r"sources\.py"):
        sources.source("iam_rolez")


def test_suite_validation_knows_exactly_the_registered_sources() -> None:
    known = suites.KNOWN_SOURCES
    assert known == sources.names()


def test_regional_scopes_and_configured_inputs_come_from_the_registry() -> None:
    regional, inputs = results.REGIONAL_SOURCES, results.CONFIGURED_INPUTS
    assert regional == {"secretsmanager_secrets", "cloudtrail_objects", "cloudtrail_activity", "kms_keys"}
    assert inputs == {"directory_feed", "baseline", "previous_partition", "cloudtrail_history"}


def test_a_synthetic_clean_run_has_an_ok_row_for_every_always_collected_source() -> None:
    rows = synthetic.all_ok(regions=("eu-west-1",))
    always = {e.name for e in _collected() if e.kind == "aws" and not e.optional}
    assert {row["source"] for row in rows} == always
    assert all(row["api"] == sources.source(row["source"]).api for row in rows)


def test_the_collector_plans_registry_sources_in_order_with_regions_and_switches() -> None:
    account = AccountConfig(name="a", regions=["us-east-1", "eu-west-1"], collect_organizations=False)
    planned = [(entry.name, region) for entry, region in aws._planned_sources(account)]
    assert ("organizations_accounts", None) not in planned
    assert planned[-2:] == [("secretsmanager_secrets", "us-east-1"), ("secretsmanager_secrets", "eu-west-1")]
    switched_on = account.model_copy(update={"collect_organizations": True})
    assert ("organizations_accounts", None) in [(e.name, r) for e, r in aws._planned_sources(switched_on)]


def _readme_required_calls() -> set[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sentence = readme.split("read-only access to exactly these", 1)[1].split("It never calls", 1)[0]
    return set(re.findall(r"`([a-z0-9-]+:[A-Za-z]+)`", sentence))


def test_the_readme_lists_exactly_the_required_iam_calls() -> None:
    assert _readme_required_calls() == set(sources.required_iam_actions())


def _design_source_table() -> dict[str, tuple[str, str]]:
    design = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    table = design.split("| source | API | regional |", 1)[1].split("\n\n", 1)[0]
    rows: dict[str, tuple[str, str]] = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        name = re.match(r"`([a-z0-9_]+)`", cells[0])
        api = re.match(r"`([a-z-]+:[A-Za-z_]+)`", cells[1])
        assert name and api, line
        rows[name.group(1)] = (api.group(1), cells[2])
    return rows


def test_the_design_source_table_matches_the_registry() -> None:
    expected = {e.name: (e.api, "yes" if e.regional else "no") for e in _collected()}
    assert _design_source_table() == expected


@pytest.mark.parametrize(
    "entry", [e for e in sources.SOURCES if e.parser and e.kind == "aws"], ids=lambda entry: entry.name
)
def test_each_aws_parser_lives_in_the_scan_module_named_for_its_source(entry: sources.Source) -> None:
    assert entry.parser == f"assurance_jobs.scan.sources.{entry.name}:parse"


def test_every_switch_names_a_boolean_account_setting() -> None:
    fields = AccountConfig.model_fields
    switches = [entry.enabled_by for entry in sources.SOURCES if entry.enabled_by is not None]
    assert switches
    assert all(name in fields and fields[name].annotation is bool for name in switches), switches
