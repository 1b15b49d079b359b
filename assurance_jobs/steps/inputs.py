"""The configured inputs, checked before any AWS call: the files a run reads besides AWS.

Why up front: a broken waiver file used to be found only at publish, after collection and evaluation had run,
and a missing baseline folder read as an empty baseline (NHI-BL-001 published as PASS). A configured input that
is absent or unreadable is an error, never an empty input. Per input (README, "Configured inputs"):

* `expectations_dir`, `waivers_file`, `baseline_dir`, `directory_feed`: reviewed files or an export the team
  controls — any problem stops the run with one line naming the file, the field or line, and the fix (exit 2).
* `agent_registry`: an export another system produces and may be mid-write; unreadable, it is recorded as a
  failed source and exactly the agent rules (NHI-BL-004) read INCOMPLETE — here it is only a warning.

Everything else found (duplicate feed rows, unreadable termination dates) is a warning, shown in the run's
output and stored with the partition for the report.
"""

from __future__ import annotations

import difflib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assurance_jobs.baseline.model import Baseline, BaselineError, baseline_files, load_baseline
from assurance_jobs.baseline.registry import RegistryError, parse_registry
from assurance_jobs.config import AssuranceConfig, DirectoryFeedConfig
from assurance_jobs.evaluate.suites import Rule, SuiteError, all_rules, load_suites
from assurance_jobs.input_errors import InputError, one_line
from assurance_jobs.output.waivers import WaiverError, load_waivers
from assurance_jobs.scan.ownership import DirectoryFeed, parse_directory_feed_bytes
from assurance_jobs.snapshot.signing import SigningKeyError, load_signer

USER_ERRORS: tuple[type[Exception], ...] = (InputError, SuiteError, WaiverError, BaselineError)


def _read_file(path: Path, setting: str, what: str) -> bytes:
    if not path.exists():
        raise InputError(f"{path}: {setting}: no such file; fix the path or remove the setting")
    if path.is_dir():
        raise InputError(f"{path}: {setting}: is a folder; point it at the {what} file")
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: {setting}: cannot read ({error.strerror})") from None


# ------------------------------------------------------------------------------------------ each input


def read_directory_feed(feed: DirectoryFeedConfig) -> DirectoryFeed:
    """The HR/IdP CSV, parsed; any problem is one InputError naming the file and the column setting."""
    path = Path(feed.path)
    return parse_directory_feed_bytes(_read_file(path, "directory_feed.path", "CSV"), feed, str(path))


def read_baseline_dir(folder: str) -> Baseline:
    root = Path(folder)
    if not root.exists():
        raise InputError(f"{root}: baseline_dir: no such folder; fix the path or remove the setting")
    if not root.is_dir():
        raise InputError(f"{root}: baseline_dir: is a file; point it at the folder of baseline YAML files")
    files = baseline_files(root)
    if not files:
        raise InputError(f"{root}: baseline_dir: no baseline files (*.yaml, *.yml; *.example.* are skipped)")
    return load_baseline(*files)


def check_expectations(folder: str | None) -> list[Rule]:
    if folder is not None and not Path(folder).is_dir():
        raise InputError(f"{folder}: expectations_dir: no such folder; fix the path or remove the setting")
    return all_rules(load_suites(folder))


def check_disabled_rules(config: AssuranceConfig, rules: list[Rule], where: str) -> None:
    known = {rule.rule_id for rule in rules}
    for index, entry in enumerate(config.disabled_rules):
        if entry.rule_id not in known:
            raise InputError(
                f"{where}: disabled_rules.{index}.rule_id: {entry.rule_id} is not a rule of the loaded suites; "
                "fix the id or remove the entry"
            )


def check_waivers(path: str, rules: list[Rule]) -> None:
    file = Path(path)
    if not file.exists():
        raise InputError(f"{file}: waivers_file: no such file; fix the path or remove the setting")
    if file.is_dir():
        raise InputError(f"{file}: waivers_file: is a folder; point it at the waivers YAML file")
    load_waivers(file, known_rule_ids=[rule.rule_id for rule in rules])


def agent_registry_warning(path: str) -> str | None:
    """Why the registry would be recorded as a failed source (agent rules INCOMPLETE), or None if readable."""
    file = Path(path)
    try:
        parse_registry(file.read_bytes(), str(file))
    except OSError as error:
        return f"{file}: agent_registry: cannot read ({error.strerror}); the agent rules will read INCOMPLETE"
    except (RegistryError, ValueError) as error:
        return f"{one_line(error)}; the agent rules will read INCOMPLETE"
    return None


def check_schedule(config: AssuranceConfig, where: str) -> None:
    from dagster._utils.schedules import is_valid_cron_string

    if not is_valid_cron_string(config.schedule.cron):
        raise InputError(f"{where}: field 'schedule.cron': {config.schedule.cron!r} is not a cron expression")
    try:
        zoneinfo.ZoneInfo(config.schedule.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"{where}: field 'schedule.timezone': unknown time zone {config.schedule.timezone!r} (e.g. Europe/Paris)"
        ) from None


def check_accounts(config: AssuranceConfig, where: str, *, every_problem: bool = False) -> None:
    """Each account reaches AWS one way: a profile that exists, and an ExternalId only with a role to assume.
    With `every_problem`, one InputError lists every account's problem, one line each."""
    import botocore.session

    profiles: set[str] | None = None
    problems: list[str] = []
    for index, account in enumerate(config.accounts):
        if account.external_id and not account.role_arn:
            problems.append(f"{where}: field 'accounts.{index}.external_id': set role_arn too, or remove it")
        if account.profile:
            profiles = profiles if profiles is not None else set(botocore.session.Session().available_profiles)
            if account.profile not in profiles:
                close = difflib.get_close_matches(account.profile, sorted(profiles), n=1)
                fix = f"did you mean {close[0]!r}?" if close else "run `aws configure sso` or fix the name"
                problems.append(
                    f"{where}: field 'accounts.{index}.profile': no profile {account.profile!r} in ~/.aws/config "
                    f"({fix})"
                )
        if problems and not every_problem:
            break
    if problems:
        raise InputError("\n".join(problems) if every_problem else problems[0])


def check_signing_key(config: AssuranceConfig) -> None:
    """The key that signs manifests and reports: an unencrypted Ed25519 PEM private key that can be read."""
    if not config.signing_key:
        return
    try:
        load_signer(config.signing_key)
    except SigningKeyError as error:
        where = f"{config.signing_key}: "
        raise InputError(str(error).replace(where, f"{where}signing_key: ", 1)) from None


@dataclass(frozen=True)
class InputCheck:
    """What a run will read, validated; warnings are shown in the run's output and stored for the report.

    `problems` holds every problem found (one line each) when the check was asked to collect them all."""

    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_inputs(config: AssuranceConfig, where: str = "configuration", *, every_problem: bool = False) -> InputCheck:
    """Everything a run would reject, before any AWS call. By default the first problem raises one of USER_ERRORS
    (what `run` does); with `every_problem` each check runs whatever the others found and every problem is
    returned, one line each (what `check-config` lists: a missing profile must not hide a missing feed)."""
    problems: list[str] = []
    warnings: list[str] = []

    def attempt(check: Callable[[], object]) -> object:
        try:
            return check()
        except USER_ERRORS as error:
            if not every_problem:
                raise
            problems.extend(line for line in str(error).splitlines() if line.strip())
            return None

    attempt(lambda: check_schedule(config, where))
    attempt(lambda: check_accounts(config, where, every_problem=every_problem))
    attempt(lambda: check_signing_key(config))
    rules = attempt(lambda: check_expectations(config.expectations_dir))
    if rules is not None:  # the checks against the rule ids need rules to check against
        attempt(lambda: check_disabled_rules(config, rules, where))
        if config.waivers_file:
            attempt(lambda: check_waivers(config.waivers_file, rules))
    if config.baseline_dir:
        attempt(lambda: read_baseline_dir(config.baseline_dir))
    if config.directory_feed is not None:
        feed = attempt(lambda: read_directory_feed(config.directory_feed))
        if feed is not None:
            warnings += [f"{config.directory_feed.path}: {warning}" for warning in feed.parse_warnings]
    if config.agent_registry:
        problem = agent_registry_warning(config.agent_registry)
        warnings += [problem] if problem else []
    return InputCheck(warnings=warnings, problems=problems)
