"""Parquet bytes (assurance_jobs/parquet.py): what is written reads back, and a column asked for that the stored
table lacks is an error, never a silently narrower table."""

from __future__ import annotations

import pandas as pd
import pytest

from assurance_jobs.parquet import read_parquet, read_parquet_table, to_parquet

STORED = to_parquet(pd.DataFrame({"principal_arn": ["arn:aws:iam::123456789012:role/app"], "event_count": [3]}))


def test_a_stored_table_reads_back_with_the_columns_asked_for() -> None:
    frame = read_parquet(STORED, ["event_count"])
    assert list(frame.columns) == ["event_count"] and frame["event_count"].tolist() == [3]


def test_a_column_the_stored_table_lacks_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="no column kms_key_arn"):
        read_parquet(STORED, ["principal_arn", "kms_key_arn"])


def test_text_read_as_dictionary_stays_encoded() -> None:
    table = read_parquet_table(STORED, ["principal_arn"], dictionary=True)
    assert str(table.schema.field("principal_arn").type).startswith("dictionary")
