"""The learned baseline's stored history (steps/inventory.py): days stored under `activity/<date>/`, the window's
days counted with gaps, older days without a profile, and the learning status that makes the rules INCOMPLETE."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from assurance_jobs.config import AssuranceConfig, parse_config
from assurance_jobs.evaluate import synthetic as s
from assurance_jobs.evaluate.engine import EvaluationInputs, evaluate
from assurance_jobs.evaluate.suites import load_suites
from assurance_jobs.scan.runtime import ACTIVITY_TABLE_COLUMNS, RuntimeEvidence
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.inventory import learned_history, store_activity_history, with_learning_statuses
from assurance_jobs.steps.layout import activity_key

ACCOUNT = s.ACCOUNT
APP = f"arn:aws:iam::{ACCOUNT}:role/orders-api"
TODAY = date(2026, 12, 1)
AS_OF = datetime(2026, 12, 1, 6, tzinfo=UTC)


def _config(tmp_path: Path, **extra: object) -> AssuranceConfig:
    return parse_config({"storage_root": str(tmp_path), "learned_baseline_days": 10, "learned_baseline_min_days": 4,
                         **extra})  # fmt: skip


def _activity(network: str = "10.0.1.15") -> pd.DataFrame:
    row = {"account_id": ACCOUNT, "region": "eu-west-1", "principal_arn": APP, "principal_type": "AssumedRole",
           "event_source": "dynamodb.amazonaws.com", "event_name": "Query", "network": network,
           "user_agent_class": "sdk", "error_code": "", "secret_read": False, "event_count": 5,
           "first_seen": pd.Timestamp("2026-11-20T10:00Z"), "last_seen": pd.Timestamp("2026-11-20T11:00Z")}  # fmt: skip
    frame = pd.DataFrame([row], columns=list(ACTIVITY_TABLE_COLUMNS))
    return frame.astype({k: v for k, v in ACTIVITY_TABLE_COLUMNS.items() if v != "object"})


def _store(config: AssuranceConfig, *days_back: int) -> None:
    for back in days_back:
        store_activity_history(config, TODAY - timedelta(days=back), _activity(), [ACCOUNT], [ACCOUNT])


def _history(config: AssuranceConfig):
    evidence = RuntimeEvidence(_activity(), frozenset({ACCOUNT}))
    identities = pd.DataFrame({"account_id": [ACCOUNT], "arn": [APP]})
    return learned_history(config, TODAY, evidence, identities, AS_OF)


def test_each_stored_day_keeps_its_activity_profile_and_coverage(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _store(config, 1)
    storage = storage_for(config.storage_root)
    day = TODAY - timedelta(days=1)
    assert all(storage.exists(activity_key(day, name)) for name in ("activity.parquet", "profile.parquet"))


def test_days_stored_count_only_the_window_and_a_missing_day_in_the_middle_is_simply_absent(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _store(config, 1, 2, 4, 5, 11)  # day 3 missing; day 11 is outside the 10-day window
    history = _history(config)
    assert history.days_stored == {ACCOUNT: 4} and history.ready(ACCOUNT)


def test_fewer_stored_days_than_needed_is_not_ready_and_says_how_many(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _store(config, 1, 2)
    history = _history(config)
    assert not history.ready(ACCOUNT)
    assert history.learning_reason(ACCOUNT) == "learning: 2 of 10 days stored, 4 needed"


def test_the_learned_baseline_is_the_union_of_the_window_s_profiles(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _store(config, 1, 2)
    store_activity_history(config, TODAY - timedelta(days=3), _activity("172.16.9.9"), [ACCOUNT], [ACCOUNT])
    networks = set(_history(config).profile.query("kind == 'network'")["value"])
    assert networks == {"10.0.1.0/24", "172.16.9.0/24"}


def test_a_day_stored_before_profiles_existed_is_learned_from_its_activity_table(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _store(config, 1)
    storage = storage_for(config.storage_root)
    (tmp_path / activity_key(TODAY - timedelta(days=1), "profile.parquet")).unlink()
    assert not storage.exists(activity_key(TODAY - timedelta(days=1), "profile.parquet"))
    assert "dynamodb.amazonaws.com:Query" in set(_history(config).profile["value"])


def test_the_learning_status_makes_the_learned_rules_incomplete_naming_the_days_stored(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _store(config, 1, 2)
    statuses = with_learning_statuses(s.collection_status(s.all_ok() + s.trail_ok()[:-1]), _history(config))
    learning = statuses[statuses["source"] == "learned_baseline"].iloc[0]
    assert (learning["status"], learning["error_code"]) == ("partial", "LearningWindow")
    suites = [suite for suite in load_suites() if suite.name == "runtime"]
    results = evaluate(
        EvaluationInputs(
            tables={"identities": s.identities([s.identity("orders-api")]), "credentials": s.credentials([])},
            collection_status=statuses,
            suites=suites,
            snapshot_id="snap",
            partition_date=TODAY,
            inputs_present=frozenset({"baseline", "cloudtrail_history"}),
        )
    ).rule_results.set_index("rule_id")
    assert results.loc["NHI-RT-006", "status"] == "INCOMPLETE"
    assert results.loc["NHI-RT-006", "reason"] == (
        "learned_baseline: 2 of 10 days stored, 4 needed before the learned rules judge"
    )
    assert results.loc["NHI-RT-002", "status"] == "PASS"  # the approved-baseline-free rules are not held back


def test_once_enough_days_are_stored_the_learning_status_is_ok(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _store(config, 1, 2, 3, 4)
    statuses = with_learning_statuses(s.collection_status(s.all_ok()), _history(config))
    learning = statuses[statuses["source"] == "learned_baseline"].iloc[0]
    assert (learning["status"], learning["message"]) == ("ok", "4 of 10 days stored")
