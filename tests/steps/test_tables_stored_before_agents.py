"""A day stored before agent discovery existed can still be re-evaluated: its agents table (registry rows only) and
credentials table gain the new columns, and the registry rows stay judged by NHI-BL-004."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from assurance_jobs.config import parse_config
from assurance_jobs.scan.inventory import empty_table
from assurance_jobs.schema import COLLECTION_STATUS_COLUMNS, IDENTITY_COLUMNS, POLICY_COLUMNS
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.tables import load_inventory, store_table

DAY = date(2026, 11, 20)
OLD_AGENTS = pd.DataFrame(
    {
        "account_id": ["111122223333"],
        "agent_id": ["support-bot"],
        "arn": ["arn:aws:iam::111122223333:role/agent-support-bot"],
        "unapproved_scopes": ["billing:refund"],
        "unapproved_scope_count": [1],
    }
)
OLD_CREDENTIALS = pd.DataFrame({"account_id": ["111122223333"], "credential_id": ["k"], "kind": ["access_key"]})


def test_old_agent_and_credential_tables_gain_the_new_columns(tmp_path: Path) -> None:
    config = parse_config({"storage_root": str(tmp_path), "accounts": [{"name": "a"}]})
    storage = storage_for(config.storage_root)
    for table, frame in (
        ("identities", empty_table(IDENTITY_COLUMNS)),
        ("credentials", OLD_CREDENTIALS),
        ("policies", empty_table(POLICY_COLUMNS)),
        ("collection_status", empty_table(COLLECTION_STATUS_COLUMNS)),
        ("agents", OLD_AGENTS),
    ):
        store_table(storage, DAY, table, frame)
    inventory = load_inventory(config, DAY)
    assert (inventory.agents["kind"].tolist(), inventory.agents["unapproved_scope_count"].tolist()) == (
        ["registered_agent"],
        [1],
    )
    assert inventory.credentials["used_by_count"].isna().all()
