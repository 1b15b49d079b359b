"""Live progress of a Dagster run on the operator's terminal: one line per step, not 170 DEBUG events.

The runner registers a `RunProgress` as an event listener on the instance; Dagster calls it with every event
of the run as it is stored. On a terminal the steps show as a rich progress display (spinner, bar, elapsed
time); when stderr is not a terminal (CI, a pipe, a log file) each step prints one plain line when it ends.
Progress goes to stderr so that `--json` output on stdout stays machine-readable.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from dagster import DagsterEventType, EventLogEntry
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

STEP_LABELS: dict[str, str] = {
    "nhi_snapshot": "snapshot the AWS estate",
    "inventory_tables": "build the inventory",
    "evaluation": "evaluate the rules",
    "compliance_report": "render the report and exports",
}
"""Step keys of the daily job in run order, with what each does in the operator's words."""


def step_label(step_key: str) -> str:
    return STEP_LABELS.get(step_key, step_key.replace("_", " "))


@dataclass
class StepState:
    key: str
    started: float | None = None
    seconds: float | None = None
    status: str = "pending"  # pending | running | done | failed
    details: list[str] = field(default_factory=list)
    checks: int = 0
    sources: tuple[int, int] | None = None
    accounts: tuple[int, int] | None = None  # (done, total) when the step collects several accounts
    quarters_shown: int = 0


def describe_materialization(step: StepState, entry: EventLogEntry) -> None:
    """Turn an asset materialisation's metadata into the few facts an operator reads on the step line."""
    materialization = entry.asset_materialization
    if materialization is None:
        return
    metadata = {key: getattr(value, "value", value) for key, value in materialization.metadata.items()}
    asset = materialization.asset_key.to_user_string()
    if asset == "nhi_snapshot":
        errors = metadata.get("api_errors", 0)
        reused = " (stored snapshot reused)" if metadata.get("reused_stored_snapshot") else ""
        step.details.append(f"{metadata.get('files', 0)} files, {errors} API error{'s' * (errors != 1)}{reused}")
    elif "dagster/row_count" in metadata and asset in ("identities", "credentials", "findings"):
        step.details.append(f"{metadata['dagster/row_count']} {asset}")


class RunProgress:
    """An instance event listener that shows each step of one run as it starts and ends."""

    def __init__(self, steps: list[str], stream: TextIO | None = None, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.console = Console(file=self.stream, highlight=False)
        self.live = self.console.is_terminal if live is None else live
        self.steps = {key: StepState(key) for key in steps}
        self._progress: Progress | None = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RunProgress:
        if self.live:
            self._progress = Progress(
                SpinnerColumn(finished_text="[green]✓[/]"),
                TextColumn("{task.description}"),
                BarColumn(bar_width=24),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
            )
            for number, key in enumerate(self.steps, start=1):
                self._tasks[key] = self._progress.add_task(self._title(number, key), total=1, start=False)
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def _add(self, key: str) -> None:
        """A step this display did not expect (another job shape): shown too, after the known ones."""
        self.steps[key] = StepState(key)
        if self._progress is not None:
            self._tasks[key] = self._progress.add_task(self._title(len(self.steps), key), total=1, start=False)

    def _title(self, number: int, key: str) -> str:
        return escape(f"[{number}/{len(self.steps)}] {step_label(key)}")

    def __call__(self, entry: EventLogEntry) -> None:
        event = entry.dagster_event
        if not entry.step_key:
            return
        if event is None:
            self._log_line(entry)
            return
        # Steps inside a graph-backed asset (nhi_snapshot.plan_accounts, nhi_snapshot.collect_account[acct_…])
        # roll up into the asset's one row, done when the sub-step that materialises the asset succeeds.
        key, inner = entry.step_key.split(".", 1)[0], "." in entry.step_key
        if key not in self.steps:
            self._add(key)
        step = self.steps[key]
        kind = event.event_type
        if inner and kind == DagsterEventType.STEP_START and step.status == "running":
            return
        if inner and kind == DagsterEventType.STEP_SUCCESS and not step.details:
            return  # not the materialising sub-step yet
        if kind == DagsterEventType.STEP_START:
            step.started, step.status = time.monotonic(), "running"
            self._update(step, start=True)
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            describe_materialization(step, entry)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            step.checks += 1
            self._update(step)
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            step.status = "done" if kind == DagsterEventType.STEP_SUCCESS else "failed"
            step.seconds = time.monotonic() - (step.started or time.monotonic())
            self._finish(step)

    def _log_line(self, entry: EventLogEntry) -> None:
        """A counted line from a step — a source collected, accounts collected, a report page group rendered —
        shown live on the step's row as 'k/n · <latest>', or as plain lines at each quarter when not on a
        terminal. With several accounts the snapshot's row counts accounts, and each account that is not complete
        gets a line of its own as soon as it is done."""
        from assurance_jobs.defs.report import REPORT_PROGRESS
        from assurance_jobs.defs.snapshot import ACCOUNT_PROGRESS, SOURCE_PROGRESS

        message = entry.user_message or ""
        key = (entry.step_key or "").split(".", 1)[0]  # per-shard sub-steps count on the snapshot's row
        if key not in self.steps:
            return
        step = self.steps[key]
        accounts = ACCOUNT_PROGRESS.match(message)
        if accounts is not None:
            self._accounts_line(step, accounts)
            return
        found, unit = SOURCE_PROGRESS.match(message), "sources collected"
        if found is None:
            found, unit = REPORT_PROGRESS.match(message), "page groups rendered"
        if found is None or (step.accounts is not None and step.accounts[1] > 1):
            return
        done, planned, latest = int(found.group(1)), int(found.group(2)), found.group(3)
        step.sources = (done, planned)
        self._count(step, done, planned, unit, f"latest {latest}")

    def _accounts_line(self, step: StepState, found: re.Match[str]) -> None:
        done, total, in_flight = int(found.group(1)), int(found.group(2)), int(found.group(3))
        finished = [part.rsplit(" ", 1) for part in (found.group(4) or "").split("; ") if " " in part]
        step.accounts = (done, total)
        for account, state in finished:
            if state != "complete":
                self._print(f"        account {account}: {state}")
        if total > 1:
            note = f"{in_flight} in flight" + (f", latest {' '.join(finished[-1])}" if finished else "")
            step.sources = (done, total)
            self._count(step, done, total, "accounts collected", note)

    def _count(self, step: StepState, done: int, planned: int, unit: str, note: str) -> None:
        if self._progress is not None:
            task = self._tasks[step.key]
            self._progress.update(
                task, total=planned, completed=done, description=f"{self._title_of(step)} · {escape(note)}"
            )
        elif done * 4 // planned > step.quarters_shown:
            step.quarters_shown = done * 4 // planned  # plain lines at 25 %, 50 %, 75 % and 100 %
            print(f"        {done}/{planned} {unit} · {note}", file=self.stream, flush=True)

    def _print(self, line: str) -> None:
        """A line of its own: above the live display on a terminal, else plain."""
        if self._progress is not None:
            self._progress.console.print(escape(line), highlight=False)
        else:
            print(line, file=self.stream, flush=True)

    def line(self, step: StepState) -> str:
        number = list(self.steps).index(step.key) + 1
        details = list(step.details)
        if step.checks:
            details.append(f"{step.checks} rule checks")
        facts = f" — {', '.join(details)}" if details else ""
        outcome = "done" if step.status == "done" else "FAILED"
        return (
            f"  [{number}/{len(self.steps)}] {step_label(step.key):<32} {outcome} in {step.seconds or 0:.1f} s{facts}"
        )

    def _update(self, step: StepState, start: bool = False) -> None:
        if self._progress is None:
            return
        task = self._tasks[step.key]
        if start:
            self._progress.start_task(task)
        if step.checks:
            self._progress.update(task, description=f"{self._title_of(step)} · {step.checks} rule checks")

    def _title_of(self, step: StepState) -> str:
        return self._title(list(self.steps).index(step.key) + 1, step.key)

    def _finish(self, step: StepState) -> None:
        if self._progress is None:
            print(self.line(step), file=self.stream, flush=True)
            return
        task = self._tasks[step.key]
        details = escape(", ".join(step.details + ([f"{step.checks} rule checks"] if step.checks else [])))
        mark = "" if step.status == "done" else " [red]FAILED[/]"
        description = f"{self._title_of(step)}{mark}" + (f" [dim]— {details}[/]" if details else "")
        total = step.sources[1] if step.sources else 1
        self._progress.update(task, total=total, completed=total, description=description)
        self._progress.stop_task(task)

    def skipped(self) -> list[str]:
        """Steps that never ran (an upstream step failed): the summary says so instead of leaving a blank."""
        return [key for key, step in self.steps.items() if step.status == "pending"]
