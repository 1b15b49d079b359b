"""The one place Parquet bytes are read and written.

Why one helper: any Arrow worker thread still alive when the interpreter shuts down can abort it with "terminate
called without an active exception" (SIGABRT, exit 134) after the command printed its summary (apache/arrow#34314).
`pd.read_parquet` turns on read-ahead, whose buffers are released on an Arrow I/O thread (2 of 223 runs under faults
died so); `pq.read_table` goes through the dataset scanner, which starts an I/O-pool worker even with
`use_threads=False` (1 of 50 exits in CI died so); `Table.to_pandas()` converts columns on the CPU pool. Reading
through `ParquetFile` and converting with `use_threads=False` starts no Arrow thread at all
(tests/steps/test_exit_after_reading_tables.py counts them).
"""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def read_parquet(data: bytes, columns: list[str] | None = None) -> pd.DataFrame:
    """A DataFrame from Parquet bytes, read and converted in this thread (no read-ahead, no Arrow thread pool);
    `columns`: only these (a column the file lacks is an error)."""
    return read_parquet_table(data, columns).to_pandas(use_threads=False)


def read_parquet_table(data: bytes, columns: list[str] | None = None, *, dictionary: bool = False) -> pa.Table:
    """An Arrow table from Parquet bytes, read the same way (for callers that never need Python objects).
    `dictionary`: text columns stay dictionary-encoded (several times faster and smaller for repetitive text)."""
    encoded = columns if dictionary else None
    parquet = pq.ParquetFile(pa.BufferReader(data), read_dictionary=encoded, pre_buffer=False)
    missing = sorted(set(columns or ()) - set(parquet.schema_arrow.names))
    if missing:  # `ParquetFile.read` would silently leave them out
        raise ValueError(f"the stored table has no column {', '.join(missing)}")
    return parquet.read(columns=columns, use_threads=False)


def to_parquet(frame: pd.DataFrame) -> bytes:
    """Parquet bytes of `frame`, without its index (tables are re-read with a fresh RangeIndex)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
