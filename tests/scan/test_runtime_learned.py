"""The learned behavioural baseline (scan/runtime_learned.py): each learned rule's FAIL/PASS pair against an
identity's own history, the approved baseline judged first, and who is judged by it at all (coverage)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from activity_fixtures import activity_table

from assurance_jobs.scan import actions
from assurance_jobs.scan.policy import effective_permissions, parse_policy
from assurance_jobs.scan.runtime_calls import Approvals
from assurance_jobs.scan.runtime_learned import (
    LearnedHistory,
    daily_profile,
    learned_identity_facts,
    learned_union,
    runtime_coverage,
    used_calls,
)

ACCOUNT = "123456789012"
APP = f"arn:aws:iam::{ACCOUNT}:role/orders-api"
AS_OF = datetime(2026, 12, 1, 6, tzinfo=UTC)
T = pd.Timestamp("2026-11-30T10:00:00Z")
SECRET = {"event_source": "secretsmanager.amazonaws.com", "event_name": "GetSecretValue", "secret_read": True,
          "target": "prod/orders/db"}  # fmt: skip
QUERY = {"event_source": "dynamodb.amazonaws.com", "event_name": "Query"}


def _activity(*rows: dict) -> pd.DataFrame:
    return activity_table(ACCOUNT, APP, "eu-west-1", T, *rows)


def _identities(created: str = "2025-01-01", service_linked: bool = False) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": [ACCOUNT],
            "arn": [APP],
            "is_nhi": [True],
            "is_service_linked": [service_linked],
            "created": [pd.Timestamp(created, tz="UTC")],
        }
    )


def _history(*days: pd.DataFrame, stored: int | None = None, min_days: int = 2) -> LearnedHistory:
    union = learned_union([daily_profile(day) for day in days])
    count = len(days) if stored is None else stored
    return LearnedHistory(union, {ACCOUNT: count}, window_days=30, min_days=min_days, as_of=AS_OF)


def _facts(today: pd.DataFrame, history: LearnedHistory, approvals: Approvals | None = None, **kw) -> pd.Series:
    approved = {APP: approvals} if approvals is not None else {}
    identities = kw.pop("identities", _identities())
    frame = learned_identity_facts(identities, today, frozenset({ACCOUNT}), history, approved, kw.pop("perms", {}))
    return frame.iloc[0]


USUAL = _activity(QUERY, SECRET)


# ------------------------------------------------------------------------------- NHI-RT-006 secret read, new network


def test_a_secret_read_from_a_network_never_seen_is_counted_with_its_network() -> None:
    facts = _facts(_activity({**SECRET, "network": "45.155.205.91"}), _history(USUAL, USUAL))
    assert facts["rt_secret_reads_new_network"] == "secretsmanager:GetSecretValue from 45.155.205.0/24 ×1"


def test_an_address_rotating_inside_its_24_is_the_same_network() -> None:
    facts = _facts(_activity({**SECRET, "network": "10.0.1.200"}), _history(USUAL, USUAL))
    assert facts["rt_secret_reads_new_network_count"] == 0


def test_an_ipv6_address_is_remembered_by_its_48() -> None:
    seen = _activity({**QUERY, "network": "2001:db8:1:aaaa::7"})
    facts = _facts(_activity({**SECRET, "network": "2001:db8:1:bbbb::9"}), _history(seen, seen))
    assert facts["rt_secret_reads_new_network_count"] == 0


def test_a_network_seen_only_in_denied_calls_is_not_learned() -> None:
    refused = _activity({**QUERY, "network": "45.155.205.7", "error_code": "AccessDeniedException"})
    facts = _facts(_activity({**SECRET, "network": "45.155.205.91"}), _history(USUAL, refused))
    assert facts["rt_secret_reads_new_network_count"] == 1


def test_an_identity_with_approved_networks_is_judged_by_them_not_by_its_history() -> None:
    facts = _facts(
        _activity({**SECRET, "network": "45.155.205.91"}), _history(USUAL, USUAL), Approvals(("0.0.0.0/0",), None)
    )
    assert pd.isna(facts["rt_secret_reads_new_network_count"]) and facts["rt_judged_by"] == "approved"


# ---------------------------------------------------------------------------- NHI-RT-007 first sensitive use


@pytest.mark.parametrize(
    ("call", "label"),
    [
        ({"event_source": "iam.amazonaws.com", "event_name": "CreateAccessKey"}, "iam:CreateAccessKey ×1"),
        (
            {"event_source": "sts.amazonaws.com", "event_name": "AssumeRole", "target": "arn:aws:iam::999:role/x"},
            "sts:AssumeRole into arn:aws:iam::999:role/x ×1",
        ),
        (
            {"event_source": "kms.amazonaws.com", "event_name": "Decrypt", "kms_key_arn": "arn:aws:kms:k/new"},
            "kms:Decrypt with arn:aws:kms:k/new ×1",
        ),
        ({**SECRET, "target": "prod/payments/ledger"}, "secretsmanager:GetSecretValue of prod/payments/ledger ×1"),
    ],
)
def test_a_first_use_of_a_sensitive_action_is_counted(call: dict, label: str) -> None:
    assert _facts(_activity(call), _history(USUAL, USUAL))["rt_first_sensitive_use"] == label


def test_sensitive_actions_the_history_shows_are_not_first_uses() -> None:
    usual = _activity(
        QUERY,
        SECRET,
        {"event_source": "iam.amazonaws.com", "event_name": "CreateAccessKey"},
        {"event_source": "sts.amazonaws.com", "event_name": "AssumeRole", "target": "arn:aws:iam::999:role/x"},
    )
    facts = _facts(usual, _history(usual, usual))
    assert facts["rt_first_sensitive_use_count"] == 0


def test_an_iam_read_is_not_a_sensitive_first_use() -> None:
    call = _activity({"event_source": "iam.amazonaws.com", "event_name": "ListRoles"})
    assert _facts(call, _history(USUAL, USUAL))["rt_first_sensitive_use_count"] == 0


def test_an_identity_with_approved_actions_is_judged_by_them_not_by_its_history() -> None:
    call = _activity({"event_source": "iam.amazonaws.com", "event_name": "CreateAccessKey"})
    facts = _facts(call, _history(USUAL, USUAL), Approvals(None, actions.expand_mask("dynamodb:*")))
    assert pd.isna(facts["rt_first_sensitive_use_count"])


# ------------------------------------------------------------------------------------- NHI-RT-008 new region


def test_activity_from_a_region_never_seen_is_counted_denied_calls_included() -> None:
    call = _activity({**QUERY, "region": "ap-southeast-1", "error_code": "AccessDeniedException", "event_count": 3})
    assert _facts(call, _history(USUAL, USUAL))["rt_new_regions"] == "ap-southeast-1 ×3"


def test_a_global_service_recorded_in_us_east_1_is_no_new_region() -> None:
    call = _activity({"event_source": "iam.amazonaws.com", "event_name": "ListRoles", "region": "us-east-1"})
    assert _facts(call, _history(USUAL, USUAL))["rt_new_region_count"] == 0


def test_with_approved_regions_a_call_outside_them_counts_whatever_the_history() -> None:
    facts = _facts(USUAL, _history(USUAL, USUAL), Approvals(None, None, ("us-east-1",)))
    assert facts["rt_new_regions"] == "eu-west-1 ×2"


def test_with_approved_regions_a_call_inside_them_passes() -> None:
    assert _facts(USUAL, _history(), Approvals(None, None, ("eu-west-1",)))["rt_new_region_count"] == 0


# ----------------------------------------------------------------------------------- who is judged, and why not


def test_fewer_stored_days_than_needed_leave_the_learned_facts_unknown_naming_the_days() -> None:
    facts = _facts(_activity({**SECRET, "network": "45.155.205.91"}), _history(USUAL, stored=3, min_days=14))
    assert pd.isna(facts["rt_secret_reads_new_network_count"]) and facts["rt_judged_by"] == "not judged"
    assert facts["rt_not_judged_reason"] == "learning: 3 of 30 days stored, 14 needed"


def test_an_identity_younger_than_the_learning_needs_is_not_judged() -> None:
    facts = _facts(
        _activity({**SECRET, "network": "45.155.205.91"}), _history(USUAL, USUAL), identities=_identities("2026-11-30")
    )
    assert pd.isna(facts["rt_first_sensitive_use_count"])
    assert facts["rt_not_judged_reason"] == "created 1 days ago: fewer than 2 days of behaviour to learn from"


def test_a_service_linked_role_is_not_judged_by_learned_behaviour() -> None:
    facts = _facts(USUAL, _history(USUAL, USUAL), identities=_identities(service_linked=True))
    assert facts["rt_not_judged_reason"] == "service-linked role: AWS acts as it"


def test_an_account_without_activity_evidence_judges_nobody() -> None:
    frame = learned_identity_facts(_identities(), USUAL, frozenset(), _history(USUAL, USUAL), {}, {})
    assert frame.iloc[0]["rt_not_judged_reason"] == "no CloudTrail activity is read for its account"


def test_coverage_counts_nhis_by_how_they_are_judged_and_why_not() -> None:
    identities = pd.DataFrame(
        {
            "is_nhi": [True, True, True, True, False],
            "rt_judged_by": ["approved", "learned", "learned", "not judged", "learned"],
            "rt_not_judged_reason": [None, None, None, "learning: 3 of 30 days stored, 14 needed", None],
        }
    )
    assert runtime_coverage(identities) == {
        "nhis": 4,
        "approved": 1,
        "learned": 2,
        "not_judged": 1,
        "why_not_judged": {"learning: 3 of 30 days stored, 14 needed": 1},
    }


# ---------------------------------------------------------------------------------------------- granted vs used


def test_granted_vs_used_names_the_unused_services_and_actions() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:Query",
                "dynamodb:GetItem", "sqs:SendMessage"], "Resource": "*"}]}  # fmt: skip
    perms = {APP: effective_permissions([parse_policy(document)])}
    profile = daily_profile(USUAL)
    history = LearnedHistory(profile, {ACCOUNT: 1}, min_days=1, as_of=AS_OF, used_calls=used_calls(profile, profile))
    facts = _facts(USUAL, history, perms=perms)
    assert (facts["rt_used_action_count"], facts["rt_granted_action_count"]) == (1, 3)
    assert facts["rt_granted_vs_used"] == (
        "used 1 of 3 granted actions over 2 stored days; unused services: sqs; "
        "unused actions: dynamodb:getitem, sqs:sendmessage"
    )
