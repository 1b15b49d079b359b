"""Runtime facts (scan/runtime.py): what an identity did on the covered day, against what the baseline approves."""

from __future__ import annotations

import pandas as pd
import pytest
from activity_fixtures import activity_table

from assurance_jobs.baseline.model import BaselineError, parse_baseline
from assurance_jobs.scan import actions
from assurance_jobs.scan.policy import effective_permissions, parse_policy
from assurance_jobs.scan.runtime import (
    Approvals,
    RuntimeEvidence,
    action_of,
    classify_keys,
    network_approved,
    runtime_identity_facts,
    with_judged_secret_reads,
)

ACCOUNT = "123456789012"
APP = f"arn:aws:iam::{ACCOUNT}:role/payments-settlement"
USER = f"arn:aws:iam::{ACCOUNT}:user/svc-jenkins"
T = pd.Timestamp("2026-11-30T10:00:00Z")


def _activity(*rows: dict) -> pd.DataFrame:
    return activity_table(ACCOUNT, APP, "us-east-1", T, *rows)


def _identities(*arns: str, nhi: bool = True) -> pd.DataFrame:
    return pd.DataFrame({"account_id": [ACCOUNT] * len(arns), "arn": list(arns), "is_nhi": [nhi] * len(arns)})


def _facts(activity: pd.DataFrame, approvals: Approvals | None = None, **evidence) -> pd.Series:
    found = RuntimeEvidence(activity, frozenset({ACCOUNT}), **evidence)
    arn = activity["principal_arn"].iat[0] if len(activity) else APP
    frame = runtime_identity_facts(_identities(arn), found, {arn: approvals or Approvals(None, None)}, {})
    return frame.iloc[0]


SECRET = {"event_source": "secretsmanager.amazonaws.com", "event_name": "GetSecretValue", "secret_read": True}
NETWORKS = Approvals(("10.0.0.0/16", "vpce-0settle*", "aws-service"), None)


def test_a_secret_read_from_an_unknown_public_ip_is_counted_with_its_source() -> None:
    facts = _facts(_activity({**SECRET, "network": "185.220.101.45", "event_count": 3}), NETWORKS)
    assert facts["rt_secret_reads_outside_networks_count"] == 3
    assert facts["rt_secret_reads_outside_networks"] == "secretsmanager:GetSecretValue from 185.220.101.45 ×3"


@pytest.mark.parametrize("network", ["10.0.200.7", "vpce-0settle0001", "lambda.amazonaws.com"])
def test_secret_reads_from_approved_networks_are_not_counted(network: str) -> None:
    assert _facts(_activity({**SECRET, "network": network}), NETWORKS)["rt_secret_reads_outside_networks_count"] == 0


def test_a_denied_secret_read_is_not_a_read() -> None:
    denied = {**SECRET, "network": "185.220.101.45", "error_code": "AccessDeniedException"}
    assert _facts(_activity(denied), NETWORKS)["rt_secret_reads_outside_networks_count"] == 0


def test_console_login_by_a_service_user_is_interactive_use() -> None:
    login = {"principal_arn": USER, "principal_type": "IAMUser", "event_source": "signin.amazonaws.com"}
    facts = _facts(_activity({**login, "event_name": "ConsoleLogin", "user_agent_class": "console"}))
    assert facts["rt_interactive_use_count"] == 1


def test_a_successful_call_outside_the_approved_actions_is_counted() -> None:
    approved = Approvals(None, actions.expand_mask("dynamodb:Query") | actions.expand_mask("bedrock:InvokeModel"))
    calls = _activity(
        {"event_source": "dynamodb.amazonaws.com", "event_name": "Query", "event_count": 50},
        {"event_source": "lambda.amazonaws.com", "event_name": "Invoke", "event_count": 4},
    )
    facts = _facts(calls, approved)
    assert (facts["rt_calls_outside_scope"], facts["rt_calls_outside_scope_count"]) == ("lambda:InvokeFunction ×4", 4)


def test_calls_of_an_identity_the_baseline_does_not_govern_are_left_to_the_learned_baseline() -> None:
    calls = _activity({"event_source": "lambda.amazonaws.com", "event_name": "Invoke"})
    assert pd.isna(_facts(calls, Approvals(None, None))["rt_calls_outside_scope_count"])


def test_denials_outside_the_baseline_are_summed_and_approved_ones_ignored() -> None:
    approved = Approvals(None, actions.expand_mask("s3:GetObject"))
    denials = _activity(
        {
            "event_source": "iam.amazonaws.com",
            "event_name": "ListUsers",
            "error_code": "AccessDenied",
            "event_count": 30,
        },
        {
            "event_source": "iam.amazonaws.com",
            "event_name": "ListRoles",
            "error_code": "AccessDenied",
            "event_count": 12,
        },
        {"event_source": "s3.amazonaws.com", "event_name": "GetObject", "error_code": "AccessDenied", "event_count": 5},
    )
    assert _facts(denials, approved)["rt_denied_outside_baseline_count"] == 42


def _granted(*allowed: str) -> dict:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(allowed), "Resource": "*"}]}
    return {APP: effective_permissions([parse_policy(document)])}


def test_granted_services_never_called_in_ninety_covered_days_are_listed() -> None:
    evidence = RuntimeEvidence(
        _activity({"event_source": "s3.amazonaws.com", "event_name": "GetObject"}),
        frozenset({ACCOUNT}),
        services_called={APP: frozenset({"s3"})},
        covered_days={ACCOUNT: 90},
    )
    facts = runtime_identity_facts(_identities(APP), evidence, {}, _granted("s3:GetObject", "kms:Decrypt")).iloc[0]
    assert (facts["rt_unused_granted_services"], facts["rt_unused_granted_service_count"]) == ("kms", 1)


def test_unused_services_stay_unknown_until_ninety_days_are_covered() -> None:
    evidence = RuntimeEvidence(_activity(), frozenset({ACCOUNT}), covered_days={ACCOUNT: 89})
    facts = runtime_identity_facts(_identities(APP), evidence, {}, _granted("kms:Decrypt")).iloc[0]
    assert pd.isna(facts["rt_unused_granted_service_count"])


def test_an_identity_with_no_call_in_the_window_is_left_to_the_dormancy_rules() -> None:
    evidence = RuntimeEvidence(_activity(), frozenset({ACCOUNT}), covered_days={ACCOUNT: 90})
    facts = runtime_identity_facts(_identities(APP), evidence, {}, _granted("kms:Decrypt")).iloc[0]
    assert pd.isna(facts["rt_unused_granted_service_count"])


def test_an_account_without_activity_evidence_has_unknown_runtime_facts() -> None:
    evidence = RuntimeEvidence(_activity(), frozenset({"999999999999"}))
    facts = runtime_identity_facts(_identities(APP), evidence, {}, {}).iloc[0]
    assert pd.isna(facts["rt_interactive_use_count"]) and facts["rt_interactive_use"] is None


def test_a_quiet_identity_in_a_covered_account_measures_zero() -> None:
    evidence = RuntimeEvidence(_activity({"principal_arn": USER}), frozenset({ACCOUNT}))
    facts = runtime_identity_facts(_identities(APP), evidence, {}, {}).iloc[0]
    assert facts["rt_events"] == 0 and facts["rt_denied_outside_baseline_count"] == 0


def test_event_names_map_to_iam_actions() -> None:
    assert action_of("lambda.amazonaws.com", "GetFunction20150331v2") == "lambda:GetFunction"
    assert action_of("s3.amazonaws.com", "ListObjectsV2") == "s3:ListBucket"
    assert action_of("monitoring.amazonaws.com", "PutMetricData") == "cloudwatch:PutMetricData"


def test_a_network_that_is_not_an_address_is_never_approved_by_a_cidr() -> None:
    assert not network_approved("not-an-ip", ["0.0.0.0/0"])


def test_baseline_rejects_a_network_that_is_neither_cidr_nor_endpoint() -> None:
    data = {"identities": [{"arn": APP, "approved_networks": ["office-wifi"]}]}
    with pytest.raises(BaselineError, match="approved_networks"):
        parse_baseline(data, "approved.yaml")


SECRET_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1111aaaa-secret"
PLAIN_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/2222bbbb-logs"
KEYS = classify_keys({SECRET_KEY: {"data-class": "secret"}, PLAIN_KEY: {}}, [("data-class", "secret*")])
DECRYPT = {"event_source": "kms.amazonaws.com", "event_name": "Decrypt", "secret_read": True}


def _key_facts(key_arn: str, network: str = "185.220.101.45") -> pd.Series:
    activity = _activity({**DECRYPT, "kms_key_arn": key_arn, "network": network})
    return runtime_identity_facts(
        _identities(APP), RuntimeEvidence(activity, frozenset({ACCOUNT})), {APP: NETWORKS}, {}, KEYS
    ).iloc[0]


def test_a_decrypt_of_a_tagged_key_from_an_unknown_network_is_a_secret_read() -> None:
    facts = _key_facts(SECRET_KEY)
    assert facts["rt_secret_reads_outside_networks"] == "kms:Decrypt from 185.220.101.45 ×1"


def test_a_decrypt_of_an_untagged_key_from_an_unknown_network_is_not_a_secret_read() -> None:
    facts = _key_facts(PLAIN_KEY)
    assert (facts["rt_secret_reads_outside_networks_count"], facts["rt_decrypts_unknown_key_count"]) == (0, 0)


def test_a_decrypt_of_a_key_missing_from_the_inventory_is_counted_as_unknown() -> None:
    other_account_key = "arn:aws:kms:us-east-1:999999999999:key/3333cccc"
    facts = _key_facts(other_account_key)
    assert (facts["rt_secret_reads_outside_networks_count"], facts["rt_decrypts_unknown_key_count"]) == (0, 1)


def test_key_tags_match_the_baseline_selector_by_key_and_value_glob() -> None:
    keys = classify_keys(
        {SECRET_KEY: {"data-class": "secret-pci"}, PLAIN_KEY: {"data-class": "public"}}, [("data-class", "secret*")]
    )
    assert keys.secret == {SECRET_KEY}


def test_the_activity_table_lists_a_decrypt_as_a_secret_read_only_on_a_secret_bearing_or_unknown_key() -> None:
    unknown_key = "arn:aws:kms:us-east-1:999999999999:key/3333cccc"
    activity = _activity(*({**DECRYPT, "kms_key_arn": arn} for arn in (SECRET_KEY, PLAIN_KEY, unknown_key)))
    judged = with_judged_secret_reads(activity, KEYS)
    assert dict(zip(judged["kms_key_arn"], judged["secret_read"], strict=True)) == {
        SECRET_KEY: True,
        PLAIN_KEY: False,
        unknown_key: True,
    }


def test_without_secret_key_tags_in_the_baseline_every_known_key_is_secret_bearing() -> None:
    keys = classify_keys({SECRET_KEY: {"data-class": "secret"}, PLAIN_KEY: {}}, [])
    assert keys.secret == {SECRET_KEY, PLAIN_KEY}


AS_OF = pd.Timestamp("2026-12-01T06:00:00Z").to_pydatetime()


def _advised(services: dict | None, days_stored: int = 2) -> pd.Series:
    """Two stored days (no calls), and Access Advisor's view of the principal (None: its job failed)."""
    evidence = RuntimeEvidence(
        _activity(),
        frozenset({ACCOUNT}),
        covered_days={ACCOUNT: days_stored},
        service_last_accessed={APP: services},
        advisor_accounts=frozenset({ACCOUNT}),
        as_of=AS_OF,
    )
    return runtime_identity_facts(_identities(APP), evidence, {}, _granted("s3:GetObject", "kms:Decrypt")).iloc[0]


def test_with_short_history_a_service_the_advisor_last_saw_before_the_window_is_unused() -> None:
    facts = _advised({"s3": AS_OF - pd.Timedelta(days=10), "kms": AS_OF - pd.Timedelta(days=200)})
    assert (facts["rt_unused_granted_services"], facts["rt_unused_granted_service_count"]) == ("kms", 1)


def test_with_short_history_services_the_advisor_saw_inside_the_window_are_used() -> None:
    facts = _advised({"s3": AS_OF - pd.Timedelta(days=10), "kms": AS_OF - pd.Timedelta(days=89)})
    assert (facts["rt_unused_granted_service_count"], facts["rt_unused_unknown_count"]) == (0, 0)


def test_a_principal_whose_advisor_job_failed_is_not_judged_and_marked_unknown() -> None:
    facts = _advised(None)
    assert pd.isna(facts["rt_unused_granted_service_count"]) and facts["rt_unused_unknown_count"] == 1


LISTING = (f"{ACCOUNT}/cloudtrail_objects.eu-west-1.json", "a" * 64)
ADVISOR_FILE = (f"{ACCOUNT}/iam_service_last_accessed.json", "b" * 64)


def _cited(days_stored: int) -> pd.Series:
    """The principal's RT-005 citation with advisor data for it and `days_stored` covered days of 90."""
    evidence = RuntimeEvidence(
        _activity({"event_source": "s3.amazonaws.com", "event_name": "GetObject"}),
        frozenset({ACCOUNT}),
        covered_days={ACCOUNT: days_stored},
        listings={ACCOUNT: LISTING},
        service_last_accessed={APP: {"s3": AS_OF - pd.Timedelta(days=1), "kms": None}},
        advisor_accounts=frozenset({ACCOUNT}),
        advisor_files={ACCOUNT: ADVISOR_FILE},
        as_of=AS_OF,
    )
    facts = runtime_identity_facts(_identities(APP), evidence, {}, _granted("s3:GetObject", "kms:Decrypt")).iloc[0]
    return facts[["rt_source_file", "rt_unused_source_file", "rt_unused_source_sha256"]]


def test_unused_services_the_advisor_decided_cite_its_file_and_the_other_rules_the_listing() -> None:
    assert _cited(days_stored=2).tolist() == [LISTING[0], *ADVISOR_FILE]


def test_unused_services_judged_from_a_stored_window_cite_the_listing() -> None:
    assert _cited(days_stored=90).tolist() == [LISTING[0], *LISTING]
