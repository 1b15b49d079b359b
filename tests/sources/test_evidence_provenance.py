"""A rule depends on every source that produced its subject rows: derived from the registry, never forgotten."""

from __future__ import annotations

from assurance_jobs.evaluate import load_suites
from assurance_jobs.evaluate.results import required_sources
from assurance_jobs.evaluate.suites import all_rules, kinds_in_condition
from assurance_jobs.sources.registry import sources_feeding


def _kind(operator: str, parameter: object) -> dict[str, object]:
    return {"type": "comparison", "column": {"name": "kind"}, "operator": operator, "parameter": parameter}


NHI = {"type": "comparison", "column": {"name": "is_nhi"}, "operator": "==", "parameter": True}


def test_identity_rows_come_from_the_authorization_details_of_an_identified_account() -> None:
    assert sources_feeding("identities") == ("sts_caller_identity", "iam_authorization_details")


def test_credential_rows_of_one_kind_come_only_from_the_source_of_that_kind() -> None:
    assert sources_feeding("credentials", {"secret"}) == ("sts_caller_identity", "secretsmanager_secrets")
    assert sources_feeding("credentials", {"access_key", "console_password"}) == (
        "sts_caller_identity",
        "iam_credential_report",
    )


def test_credential_rows_of_any_kind_come_from_every_credential_source() -> None:
    assert sources_feeding("credentials") == (
        "sts_caller_identity",
        "iam_credential_report",
        "iam_server_certificates",
        "secretsmanager_secrets",
        "agentcore_identities",
    )


def test_kind_constraints_are_read_from_and_in_and_or_conditions() -> None:
    assert kinds_in_condition(_kind("==", "role")) == {"role"}
    assert kinds_in_condition(_kind("IN", ["access_key", "console_password"])) == {"access_key", "console_password"}
    assert kinds_in_condition({"type": "and", "conditions": [NHI, _kind("==", "user")]}) == {"user"}
    assert kinds_in_condition({"type": "or", "conditions": [_kind("==", "user"), _kind("==", "role")]}) == {
        "user",
        "role",
    }


def test_conditions_that_do_not_pin_the_kind_leave_it_open() -> None:
    assert kinds_in_condition(None) is None
    assert kinds_in_condition(NHI) is None
    assert kinds_in_condition({"type": "or", "conditions": [_kind("==", "user"), NHI]}) is None
    assert kinds_in_condition(_kind("!=", "role")) is None


def test_every_shipped_rule_requires_its_rows_sources_as_well_as_its_depends_on() -> None:
    rules = all_rules(load_suites())
    required = {rule.rule_id: set(required_sources(rule)) for rule in rules}
    assert required["NHI-EXP-001"] == {"iam_roles", "sts_caller_identity", "iam_authorization_details"}
    assert required["NHI-LP-007"] == {"iam_credential_report", "sts_caller_identity", "iam_authorization_details"}
    assert required["NHI-ROT-003"] == {"secretsmanager_secrets", "sts_caller_identity"}
    assert required["NHI-ROT-001"] == {"iam_credential_report", "sts_caller_identity"}
    collected = [rule.rule_id for rule in rules if rule.subject in ("identities", "credentials", "agents")]
    assert all("sts_caller_identity" in required[rule_id] for rule_id in collected)
