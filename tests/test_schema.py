"""Every table's columns and dtypes are declared once (assurance_jobs/schema.py); the pipeline produces exactly them."""

from __future__ import annotations

import pandas as pd
from fixtures.inventory.snapshot_builder import TAKEN_AT, standard_inventory

from assurance_jobs import schema
from assurance_jobs.baseline.inventory_join import inventory_with_baseline_facts, inventory_with_runtime_facts
from assurance_jobs.evaluate import synthetic
from assurance_jobs.scan.policy_join import inventory_with_policy_facts


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {name: str(dtype) for name, dtype in frame.dtypes.items()}


def _normalised(columns: schema.Columns) -> dict[str, str]:
    """The dtype pandas reports for each declared one ('str' columns are held as objects or Arrow strings)."""
    empty = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
    return _dtypes(empty)


def _joined() -> pd.DataFrame:
    inventory = inventory_with_policy_facts(standard_inventory(), known_accounts=[])
    joined, _drift = inventory_with_baseline_facts(inventory, None, None, TAKEN_AT, None)
    return inventory_with_runtime_facts(joined, None, None, None, TAKEN_AT).identities


def test_the_inventory_tables_have_the_declared_columns_in_order() -> None:
    inventory = standard_inventory()
    assert list(inventory.identities.columns) == list(schema.IDENTITY_COLUMNS)
    assert list(inventory.credentials.columns) == list(schema.CREDENTIAL_COLUMNS)
    assert list(inventory.policies.columns) == list(schema.POLICY_COLUMNS)
    assert list(inventory.collection_status.columns) == list(schema.COLLECTION_STATUS_COLUMNS)


def test_identities_with_every_fact_joined_have_exactly_the_declared_columns_and_dtypes() -> None:
    identities = _joined()
    assert set(identities.columns) == set(schema.IDENTITY_TABLE_COLUMNS)
    declared = _normalised(schema.IDENTITY_TABLE_COLUMNS)
    assert {name: _dtypes(identities)[name] for name in declared} == declared


def test_synthetic_identities_use_the_same_columns_and_dtypes_as_the_pipeline() -> None:
    built = synthetic.identities([synthetic.identity("svc-a")])
    assert _dtypes(built) == {name: _dtypes(_joined())[name] for name in built.columns}


def test_fact_families_do_not_redeclare_a_column() -> None:
    families = [
        schema.IDENTITY_COLUMNS,
        schema.POLICY_FACT_COLUMNS,
        schema.DOCUMENT_FACT_COLUMNS,
        schema.BASELINE_FACT_COLUMNS,
        schema.DRIFT_FACT_COLUMNS,
    ]
    names = [name for family in families for name in family if name != "policy_parse_errors"]
    assert len(names) == len(set(names))
