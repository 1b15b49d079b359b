"""`assurance-jobs`: materialise a day's partition, run the whole job on the embedded demo estate, or draft a
baseline from stored activity.

Runs go through Dagster with a persistent instance ($DAGSTER_HOME, default ./.dagster_home), so a run started
here shows up in `dagster dev` like a scheduled one.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from assurance_jobs import __version__
from assurance_jobs.app.exit_codes import EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE
from assurance_jobs.config import ConfigError, load_config


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


class _OneLineParser(argparse.ArgumentParser):
    """A command-line mistake is a user error like any other: one line naming the argument and where the help
    is, exit 2 — not argparse's usage block followed by the error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="assurance-jobs", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)

    run = commands.add_parser("run", help="materialise one day's partition (an on-demand rerun)")
    run.add_argument("--config", type=Path, help="YAML configuration (default: $ASSURANCE_CONFIG or built-ins)")
    run.add_argument("--date", type=_date, help="partition date, YYYY-MM-DD (default: today, UTC)")
    run.add_argument("--out", type=Path, help="output folder for reports and exports (overrides output_dir)")
    run.add_argument(
        "--evaluate-only",
        action="store_true",
        help="re-evaluate the stored snapshot of that day: no AWS calls",
    )
    _output_flags(run)

    demo = commands.add_parser("demo", help="seed an emulated AWS account (moto) and run the daily job on it")
    demo.add_argument("--out", type=Path, default=Path("assurance-demo"), help="folder for everything the demo writes")
    demo.add_argument("--size", type=int, default=300, help="approximate number of NHIs to seed")
    _output_flags(demo)

    probe = commands.add_parser("probe", help="run the token probes now (replay expired tokens; docs/probes.md)")
    probe.add_argument("--config", type=Path, help="YAML configuration with a probes: section")
    probe.add_argument("--out", type=Path, help="output folder for reports (overrides output_dir)")

    check = commands.add_parser("check-config", help="validate a configuration file and exit")
    check.add_argument("config", type=Path)

    verify = commands.add_parser(
        "verify", help="recompute every stored and published hash: snapshots, inputs, reports, the manifest chain"
    )
    verify.add_argument("--config", type=Path, help="YAML configuration (default: $ASSURANCE_CONFIG or built-ins)")
    scope = verify.add_mutually_exclusive_group()
    scope.add_argument("--date", type=_date, help="one stored day, YYYY-MM-DD")
    scope.add_argument("--all", action="store_true", help="every stored day (the default)")
    scope.add_argument("--report", type=Path, help="a report folder on its own (output_dir/<date>/), no store needed")
    verify.add_argument("--public-key", type=Path, help="Ed25519 public key (PEM) the signatures must verify with")
    _baseline_commands(commands)
    return parser


def _baseline_commands(commands: argparse._SubParsersAction) -> None:
    baseline = commands.add_parser("baseline", help="work with the approved runtime baseline (docs/runtime.md)")
    actions = baseline.add_subparsers(dest="baseline_command", required=True)
    propose = actions.add_parser(
        "propose", help="draft baseline entries and right-sized policies from stored activity (files for review)"
    )
    propose.add_argument("--days", type=int, required=True, help="stored days of activity to draft from")
    propose.add_argument("--identity", action="append", default=[], help="only this NHI (ARN); repeatable")
    propose.add_argument("--config", type=Path, help="YAML configuration (default: $ASSURANCE_CONFIG or built-ins)")
    propose.add_argument("--date", type=_date, help="last day of the window (default: the latest stored)")
    propose.add_argument(
        "--out", type=Path, help="folder for the drafts (default: <output_dir>/baseline-proposals/<day>/)"
    )


def _output_flags(command: argparse.ArgumentParser) -> None:
    """How a run talks to the terminal: a progress display by default, Dagster's event log, or JSON."""
    command.add_argument("-v", "--verbose", action="store_true", help="show Dagster's event log instead of progress")
    command.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")


COLLECTOR_THRESHOLDS = (10_000, 10, 10)
"""The command's generation-0 threshold (Python's default is 700): a run allocates millions of objects once —
Dagster, pandas and Great Expectations are a few hundred thousand of them — and at the default every full
collection walks them all again (~1.3 CPU-s of a one-account run, against ~0.45 s here)."""


def main(argv: Sequence[str] | None = None) -> int:
    """The command. Called without arguments it is the installed command's own process (tests pass theirs): then
    it also tunes that process's garbage collector for a short life, and freezes every object before the exit,
    so the interpreter's final collections do not walk them all once more (1.5 CPU-s of shutdown otherwise)."""
    if argv is not None:
        return _main(argv)
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    try:
        return _main(argv)
    finally:
        gc.freeze()


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    from assurance_jobs.steps.inputs import USER_ERRORS, one_line

    try:
        if args.command == "check-config":
            return _check_config(args.config)
        if args.command == "run":
            return _run(args)
        if args.command == "probe":
            return _probe(args)
        if args.command == "verify":
            return _verify(args)
        if args.command == "baseline":
            return _propose_baseline(args)
        return _demo(args)
    except (ConfigError, *USER_ERRORS) as error:
        print(f"assurance-jobs: {one_line(error)}", file=sys.stderr)
        return EXIT_USAGE


def _warn(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"assurance-jobs: warning: {warning}", file=sys.stderr)


def _check_config(path: Path) -> int:
    """Everything `run` would reject before calling AWS: if this says valid, `run` gets past configuration.

    Unlike `run`, which stops at the first problem, this lists every problem of the file, one line each (exit 2),
    so a person fixing a configuration sees the whole list at once."""
    from assurance_jobs.steps.inputs import check_inputs

    try:
        check = check_inputs(load_config(path), str(path), every_problem=True)
    except ConfigError as error:
        return _problems(error.problems)
    if check.problems:
        return _problems(check.problems)
    _warn(check.warnings)
    print(f"{path}: configuration is valid")
    return EXIT_OK


def _problems(problems: Sequence[str]) -> int:
    for problem in problems:
        print(f"assurance-jobs: {problem}", file=sys.stderr)
    return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    config_path = args.config or os.environ.get("ASSURANCE_CONFIG")
    where = str(config_path) if config_path else "configuration"
    config = load_config(config_path)  # fail fast, before Dagster starts, with the one-line message
    from assurance_jobs.app.preflight import check_credentials, check_partition_date
    from assurance_jobs.app.runner import RunRequestOptions, run_partition
    from assurance_jobs.steps.inputs import check_inputs

    check_inputs(config, where)  # every input a run would reject, before any AWS call
    collects = check_partition_date(config, args.date, args.evaluate_only)
    if collects:
        check_credentials(config)
    options = RunRequestOptions(
        config_path=str(config_path) if config_path else None,
        partition_date=args.date,
        output_dir=str(args.out) if args.out else None,
        evaluate_only=args.evaluate_only,
    )
    return run_partition(options, verbose=args.verbose, as_json=args.json)


def _probe(args: argparse.Namespace) -> int:
    """Run the probes now, then print each target's verdicts; exit as `run` does: 0 every probe rule judged,
    3 some INCOMPLETE (a target that could not finish, a rule no target reaches), 1 the run failed."""
    from assurance_jobs.app.runner import RunRequestOptions, materialize_probes
    from assurance_jobs.evaluate.suites import load_suites
    from assurance_jobs.output.probes import verdict_lines
    from assurance_jobs.snapshot.storage import storage_for
    from assurance_jobs.steps.probes import evaluate_stored_probes

    config_path = args.config or os.environ.get("ASSURANCE_CONFIG")
    config = load_config(config_path)
    if config.probes is None or not config.probes.targets:
        raise ConfigError(f"{config_path or 'configuration'}: field 'probes': no probe targets are configured")
    suites = load_suites(config.expectations_dir, config.disabled_rule_ids)  # a bad suite: exit 2 before probing
    options = RunRequestOptions(
        config_path=str(config_path) if config_path else None, output_dir=str(args.out) if args.out else None
    )
    outcome = materialize_probes(options)
    for error in outcome.errors:
        print(f"assurance-jobs: {error}", file=sys.stderr)
    if not outcome.success:
        print(f"assurance-jobs: probe run {outcome.run_id} failed for {outcome.partition_key}", file=sys.stderr)
        return EXIT_FAILED
    day = date.fromisoformat(outcome.partition_key)
    table, evaluation = evaluate_stored_probes(config, storage_for(config.storage_root), day, suites)
    print(f"probe run {outcome.run_id}: done for {outcome.partition_key}")
    for line in verdict_lines(table, evaluation.rule_results):
        print(line)
    incomplete = (evaluation.rule_results["status"] == "INCOMPLETE").any()
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


def _propose_baseline(args: argparse.Namespace) -> int:
    from assurance_jobs.steps.baseline_proposal import propose_baseline

    if args.days < 1:
        raise ConfigError("--days: must be at least 1 (stored days of activity to draft from)")
    config = load_config(args.config or os.environ.get("ASSURANCE_CONFIG"))
    files = propose_baseline(config, args.days, args.identity, args.date, args.out)
    print(f"proposed entries for {files.identities} NHIs from {files.window.describe()} (for review, not applied):")
    print(f"  {files.yaml_path}\n  {files.json_path}")
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from assurance_jobs.app.verify import run_verify

    config_path = args.config or os.environ.get("ASSURANCE_CONFIG")
    config = None if args.report is not None and config_path is None else load_config(config_path)
    return run_verify(config, day=args.date, report=args.report, public_key=args.public_key)


def _demo(args: argparse.Namespace) -> int:
    from assurance_jobs.app.demo import run_demo

    return run_demo(args.out, size=args.size, verbose=args.verbose, as_json=args.json)


if __name__ == "__main__":
    sys.exit(main())
