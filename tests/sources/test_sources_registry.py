"""The source registry is the one list of evidence: a tuple of imported, typed sources that code derives from and
the docs are checked against."""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import json
import re
from pathlib import Path

import pytest
from moto.iam.aws_managed_policies import aws_managed_policies_data

from assurance_jobs import source as source_types
from assurance_jobs import sources as sources_package
from assurance_jobs.collect import aws
from assurance_jobs.config import AccountConfig
from assurance_jobs.evaluate import results, suites, synthetic
from assurance_jobs.snapshot import model
from assurance_jobs.sources import registry

REPO = Path(__file__).resolve().parents[2]
SOURCE_FOLDER = Path(sources_package.__file__).parent
SOURCE_MODULES = sorted(path.stem for path in SOURCE_FOLDER.glob("*.py") if path.stem not in ("__init__", "registry"))


def _documented() -> list[source_types.Source]:
    return list(registry.SOURCES)


def test_source_names_are_unique() -> None:
    names = [entry.name for entry in registry.SOURCES]
    assert len(names) == len(set(names))


def _declared(name: str) -> source_types.Source:
    return importlib.import_module(f"assurance_jobs.sources.{name}").SOURCE


def test_every_source_module_declares_a_source_the_registry_lists_exactly_once() -> None:
    declared = sorted(id(_declared(name)) for name in SOURCE_MODULES)
    assert sorted(id(entry) for entry in registry.SOURCES) == declared


@pytest.mark.parametrize("name", SOURCE_MODULES)
def test_a_source_module_is_named_for_its_source(name: str) -> None:
    assert _declared(name).name == name


@pytest.mark.parametrize("entry", registry.aws_sources(), ids=lambda entry: entry.name)
def test_every_aws_source_has_a_collector_that_takes_a_client_factory_and_the_source(
    entry: source_types.AwsSource,
) -> None:
    assert list(inspect.signature(entry.collect).parameters) == ["make_client", "entry"]


@pytest.mark.parametrize("entry", registry.file_sources(), ids=lambda entry: entry.name)
def test_every_file_source_has_a_collector_that_takes_the_config_and_the_accounts(
    entry: source_types.FileSource,
) -> None:
    assert list(inspect.signature(entry.collect).parameters) == ["config", "accounts"]


@pytest.mark.parametrize("entry", [e for e in registry.SOURCES if e.parse is not None], ids=lambda e: e.name)
def test_every_parser_has_the_one_signature(entry: source_types.Source) -> None:
    assert entry.parse is not None
    assert list(inspect.signature(entry.parse).parameters) == ["snapshot", "account_id", "ctx"]
    assert entry.parsed_in != "none"


def test_a_source_collected_by_a_step_says_which() -> None:
    by_step = [e for e in registry.SOURCES if not isinstance(e, source_types.AwsSource | source_types.FileSource)]
    assert [e.name for e in by_step if not e.collected_by] == []


def test_an_unknown_source_is_named_with_the_registry() -> None:
    with pytest.raises(KeyError, match=r"sources/registry\.py"):
        registry.source("iam_rolez")


def test_suite_validation_knows_exactly_the_registered_sources() -> None:
    assert suites.known_sources() == registry.names()


def test_the_names_the_lower_layers_spell_are_the_registered_ones() -> None:
    spelled = {
        value for name, value in vars(model).items() if name.isupper() and isinstance(value, str) and "_" in value
    }
    assert spelled <= registry.names()


def test_regional_scopes_and_configured_inputs_come_from_the_registry() -> None:
    regional, inputs = results.REGIONAL_SOURCES, results.CONFIGURED_INPUTS
    resources = {e.name for e in registry.SOURCES if e.enabled_by == "collect_resources"}
    agents = {"bedrock_agents", "agentcore_runtimes", "agentcore_gateways", "agentcore_identities"}
    trail = {"cloudtrail_objects", "cloudtrail_activity", "kms_keys"}
    assert regional == {"secretsmanager_secrets", *trail} | resources | agents
    assert inputs == {"directory_feed", "baseline", "previous_partition", "cloudtrail_history", "learned_baseline"}


def test_a_synthetic_clean_run_has_an_ok_row_for_every_always_collected_source() -> None:
    rows = synthetic.all_ok(regions=("eu-west-1",))
    always = {e.name for e in registry.aws_sources() if not e.optional}
    assert {row["source"] for row in rows} == always
    assert all(row["api"] == registry.source(row["source"]).api for row in rows)


def test_the_collector_plans_registry_sources_in_order_with_regions_and_switches() -> None:
    account = AccountConfig(name="a", regions=["us-east-1", "eu-west-1"], collect_organizations=False)
    planned = [(entry.name, region) for entry, region in aws.planned_sources(account, registry.aws_sources())]
    assert ("organizations_accounts", None) not in planned
    secrets = planned.index(("secretsmanager_secrets", "us-east-1"))
    assert planned[secrets : secrets + 2] == [
        ("secretsmanager_secrets", "us-east-1"),
        ("secretsmanager_secrets", "eu-west-1"),
    ]
    assert planned[-2:] == [("ecs_clusters", "us-east-1"), ("ecs_clusters", "eu-west-1")]
    switched_on = account.model_copy(update={"collect_organizations": True})
    on = [(e.name, r) for e, r in aws.planned_sources(switched_on, registry.aws_sources())]
    assert ("organizations_accounts", None) in on


def test_resource_sources_are_planned_per_region_by_default_and_switched_off_together() -> None:
    account = AccountConfig(name="a", regions=["us-east-1", "eu-west-1"])
    planned = {(entry.name, region) for entry, region in aws.planned_sources(account, registry.aws_sources())}
    assert {("lambda_functions", "us-east-1"), ("lambda_functions", "eu-west-1")} <= planned
    off = account.model_copy(update={"collect_resources": False})
    left = {entry.enabled_by for entry, _ in aws.planned_sources(off, registry.aws_sources())}
    assert "collect_resources" not in left


def test_organization_scoped_sources_are_not_planned_with_the_account() -> None:
    account = AccountConfig(name="a", regions=["us-east-1"])
    planned = {entry.name for entry, _ in aws.planned_sources(account, registry.aws_sources())}
    assert "organizations_policies" not in planned


def test_trail_scoped_sources_are_not_planned_with_the_account() -> None:
    account = AccountConfig(name="a", regions=["us-east-1"])
    planned = {entry.name for entry, _ in aws.planned_sources(account, registry.aws_sources())}
    assert "kms_keys" not in planned


def _readme_required_calls() -> set[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sentence = readme.split("read-only access to exactly these", 1)[1].split("It never calls", 1)[0]
    return set(re.findall(r"`([a-z0-9-]+:[A-Za-z0-9]+)`", sentence))  # ListOauth2CredentialProviders


def test_the_readme_lists_exactly_the_required_iam_calls() -> None:
    assert _readme_required_calls() == set(registry.required_iam_actions())


def _security_audit_actions() -> list[str]:
    """The actions the AWS-managed SecurityAudit policy allows on every resource (moto's copy of the policy)."""
    document = json.loads(aws_managed_policies_data)["SecurityAudit"]["Document"]
    allowed = [s for s in document["Statement"] if s["Effect"] == "Allow" and s.get("Resource") in ("*", ["*"])]
    return [action for s in allowed for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]


def test_security_audit_grants_every_required_call_but_the_ones_the_readme_names() -> None:
    granted = _security_audit_actions()
    missing = {a for a in registry.required_iam_actions() if not any(fnmatch.fnmatchcase(a, g) for g in granted)}
    # sts:GetCallerIdentity needs no permission; sts:AssumeRole is the caller's side; s3:GetObject the trail bucket;
    # SecurityAudit has no EKS Pod Identity action and no workload-identity listing (the README says to add them)
    pod_identity = {"eks:ListPodIdentityAssociations", "eks:DescribePodIdentityAssociation"}
    workload_identities = {"bedrock-agentcore:ListWorkloadIdentities"}
    assert missing == {"sts:GetCallerIdentity", "sts:AssumeRole", "s3:GetObject", *pod_identity, *workload_identities}


def _design_source_table() -> dict[str, tuple[str, str]]:
    design = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    table = design.split("| source | API | regional |", 1)[1].split("\n\n", 1)[0]
    rows: dict[str, tuple[str, str]] = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        name = re.match(r"`([a-z0-9_]+)`", cells[0])
        api = re.match(r"`([a-z0-9-]+:[A-Za-z_]+)`", cells[1])
        assert name and api, line
        rows[name.group(1)] = (api.group(1), cells[2])
    return rows


def test_the_design_source_table_lists_every_registered_source() -> None:
    expected = {e.name: (e.api, "yes" if e.regional else "no") for e in _documented()}
    assert _design_source_table() == expected


@pytest.mark.parametrize("entry", [e for e in registry.aws_sources() if e.parse], ids=lambda entry: entry.name)
def test_each_aws_parser_lives_in_the_scan_module_named_for_its_source(entry: source_types.AwsSource) -> None:
    assert entry.parse is not None
    assert entry.parse.__module__ == f"assurance_jobs.scan.sources.{entry.name}"


def test_every_switch_names_a_boolean_account_setting() -> None:
    fields = AccountConfig.model_fields
    switches = [entry.enabled_by for entry in registry.SOURCES if entry.enabled_by is not None]
    assert switches
    assert all(name in fields and fields[name].annotation is bool for name in switches), switches
