"""The one place Parquet bytes are read and written.

Why one helper: `pd.read_parquet(io.BytesIO(...))` turns on pyarrow's read-ahead (`pre_buffer`), whose buffers can
be released on an Arrow I/O thread while the interpreter shuts down; 2 of 223 runs under faults then died with
"terminate called without an active exception" (SIGABRT, exit 134) after printing their summary
(apache/arrow#34314). Reading the whole buffer in the calling thread, with no read-ahead, leaves no Arrow work
behind when a command exits.
"""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def read_parquet(data: bytes, columns: list[str] | None = None) -> pd.DataFrame:
    """A DataFrame from Parquet bytes, read synchronously in this thread (no pre-buffering, no thread pool);
    `columns`: only these (a column the file lacks is an error)."""
    return read_parquet_table(data, columns).to_pandas()


def read_parquet_table(data: bytes, columns: list[str] | None = None, *, dictionary: bool = False) -> pa.Table:
    """An Arrow table from Parquet bytes, read the same way (for callers that never need Python objects).
    `dictionary`: text columns stay dictionary-encoded (several times faster and smaller for repetitive text)."""
    encoded = columns if dictionary else None
    return pq.read_table(
        pa.BufferReader(data), columns=columns, read_dictionary=encoded, pre_buffer=False, use_threads=False
    )


def to_parquet(frame: pd.DataFrame) -> bytes:
    """Parquet bytes of `frame`, without its index (tables are re-read with a fresh RangeIndex)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
