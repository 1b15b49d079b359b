"""A process that reads a day's stored tables and exits always exits cleanly — never SIGABRT (134) at shutdown.

An Arrow worker thread alive while the interpreter shuts down can abort it with "terminate called without an active
exception" after the command printed its summary (apache/arrow#34314): read-ahead buffers released on an I/O thread
(2 runs of 223 died so), the dataset scanner behind `pq.read_table` (1 exit of 50 in CI), `to_pandas()`'s CPU pool.
Every read goes through `assurance_jobs.parquet`, which starts none. The cause is pinned directly (reading starts
no thread), and the outcome over many short processes that do what the command line does at its end — read several
stored tables through `steps.tables`, print, exit — each one's exit status checked, since a race shows only there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.tables import store_table

DAY = date(2026, 11, 25)
PROCESSES = 50
ROWS = 5_000
READ_AND_EXIT = """
import sys
from datetime import date
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.tables import read_table
storage = storage_for(sys.argv[1])
frames = [read_table(storage, date.fromisoformat(sys.argv[2]), name) for name in sys.argv[3:]]
print(sum(len(frame) for frame in frames))
"""

COUNT_THREADS = """
import os, sys
from datetime import date
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.tables import read_table
storage = storage_for(sys.argv[1])
before = len(os.listdir("/proc/self/task"))
frames = [read_table(storage, date.fromisoformat(sys.argv[2]), name) for name in sys.argv[3:]]
print(before, len(os.listdir("/proc/self/task")))
"""


def stored_tables(root: Path) -> list[str]:
    """Tables with the column kinds the inventory stores: text, nullable numbers, booleans, tz-aware times,
    lists and JSON strings, a few thousand rows each."""
    rng = np.random.default_rng(7)
    taken = datetime(2026, 11, 25, 6, tzinfo=UTC)
    arns = [f"arn:aws:iam::123456789012:role/svc-{i:05d}" for i in range(ROWS)]
    tables = {
        "identities": pd.DataFrame(
            {
                "arn": pd.array(arns, dtype="string"),
                "created": [taken - timedelta(days=int(d)) for d in rng.integers(1, 900, ROWS)],
                "is_nhi": rng.integers(0, 2, ROWS).astype(bool),
                "max_session_seconds": pd.array(rng.integers(3600, 43200, ROWS), dtype="Int64"),
                "groups": [["ops", "deploy"][: i % 3] for i in range(ROWS)],
                "tags": ['{"owner": "team@example.com"}'] * ROWS,
            }
        ),
        "credentials": pd.DataFrame(
            {
                "credential_id": [f"{arn}#access_key_1" for arn in arns],
                "age_days": rng.random(ROWS) * 400,
                "last_used": [None if i % 5 == 0 else taken - timedelta(hours=i) for i in range(ROWS)],
            }
        ),
        "findings": pd.DataFrame({"rule_id": ["NHI-ROT-001"] * ROWS, "resource_arn": arns}),
    }
    storage = storage_for(str(root))
    for name, frame in tables.items():
        store_table(storage, DAY, name, frame)
    return list(tables)


def read_and_exit(root: Path, tables: list[str], program: str = READ_AND_EXIT) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-c", program, str(root), DAY.isoformat(), *tables],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},
    )
    return done.returncode, done.stdout.strip() + done.stderr[:3000]  # the head holds faulthandler's thread stacks


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads through Linux's /proc")
def test_reading_stored_tables_starts_no_thread(tmp_path: Path) -> None:
    code, counts = read_and_exit(tmp_path, stored_tables(tmp_path), COUNT_THREADS)
    before, after = counts.split()
    assert code == 0 and after == before, counts


def test_reading_stored_tables_then_exiting_never_aborts(tmp_path: Path) -> None:
    tables = stored_tables(tmp_path)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        outcomes = list(pool.map(lambda _: read_and_exit(tmp_path, tables), range(PROCESSES)))
    assert [code for code, _ in outcomes] == [0] * PROCESSES, [out for code, out in outcomes if code != 0][:3]
    assert {out for _, out in outcomes} == {str(ROWS * len(tables))}
