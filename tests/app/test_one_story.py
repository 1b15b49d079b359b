"""One story on every surface: the terminal, day-summary.json, the HTML summary and the exit code come from the one
summary object (output/day_summary.py), so their counts are identical; and findings keep one id across days."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest_demo import DemoRun, copy_of_demo, demo_run  # noqa: F401  (the shared demo fixture)

from assurance_jobs.app.cli import main
from assurance_jobs.app.demo import FIXED_OVERNIGHT_USER
from assurance_jobs.app.exit_codes import EXIT_INCOMPLETE, EXIT_OK
from assurance_jobs.demo.planted import UNKNOWN_ACCOUNT


def day_summary(run: DemoRun, day: Path | None = None) -> dict:
    return json.loads(((day or run.day) / "day-summary.json").read_text(encoding="utf-8"))


def terminal_line(run: DemoRun, label: str) -> str:
    return next(line for line in run.stdout.splitlines() if line.startswith(f"  {label:<13}"))[15:]


def html_count(run: DemoRun, element_id: str) -> int:
    page = (run.day / "index.html").read_text(encoding="utf-8")
    return int(re.search(rf'id="{element_id}">(\d+)<', page).group(1))


def test_finding_counts_are_identical_on_the_terminal_the_json_and_the_html(demo_run: DemoRun) -> None:  # noqa: F811
    findings = day_summary(demo_run)["findings"]
    line = terminal_line(demo_run, "findings")
    terminal = re.match(r"(\d+) findings: (\d+) open \((\d+) new, (\d+) overdue\), (\d+) waived", line).groups()
    html = [html_count(demo_run, f"count-{name}") for name in ("findings", "open", "new", "overdue", "waived")]
    as_json = [findings[name] for name in ("total", "open", "new", "overdue", "waived")]
    assert [int(n) for n in terminal] == html == as_json
    exported = json.loads((demo_run.day / "findings.json").read_text(encoding="utf-8"))["findings"]
    assert len(exported) == findings["total"] == findings["open"] + findings["waived"]


def test_rule_counts_are_identical_on_the_terminal_the_json_and_the_html(demo_run: DemoRun) -> None:  # noqa: F811
    rules = day_summary(demo_run)["rules"]
    terminal = re.match(r"(\d+) evaluated: (\d+) FAIL, (\d+) INCOMPLETE, (\d+) PASS", terminal_line(demo_run, "rules"))
    assert [int(n) for n in terminal.groups()] == [rules[k] for k in ("evaluated", "FAIL", "INCOMPLETE", "PASS")]
    families = (demo_run.day / "index.html").read_text(encoding="utf-8").split('id="families"')[1].split("</table>")[0]
    fail_column = [int(row[2]) for row in re.findall(r'<td class="n">(\d+)</td>' * 4, families)]
    assert sum(fail_column) == rules["FAIL"]


def test_the_failing_rules_listed_are_exactly_those_counted_as_fail(demo_run: DemoRun) -> None:  # noqa: F811
    rules = day_summary(demo_run)["rules"]
    lines = demo_run.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  rules"))
    listed = [line.split()[0] for line in lines[start + 1 :] if re.match(r"^\s{15}NHI-", line)]
    assert len(listed) == len(rules["failing"]) == rules["FAIL"]


def test_identity_counts_agree_on_the_terminal_the_json_and_the_html(demo_run: DemoRun) -> None:  # noqa: F811
    identities = day_summary(demo_run)["identities"]["total"]
    inventory_line = demo_run.stdout.splitlines()[
        next(i for i, line in enumerate(demo_run.stdout.splitlines()) if line.startswith("  inventory")) + 1
    ]
    assert inventory_line.strip().startswith(f"{identities} identities")
    assert html_count(demo_run, "count-identities") == identities
    listing = (demo_run.day / "ids" / "index.html").read_text(encoding="utf-8")
    assert int(re.search(r'id="identities-inventory">(\d+)<', listing).group(1)) == identities


def test_the_evidence_verdict_is_the_banners_and_decides_the_exit_code(demo_run: DemoRun) -> None:  # noqa: F811
    complete = day_summary(demo_run)["evidence"]["complete"]
    banner = (demo_run.day / "index.html").read_text(encoding="utf-8")
    assert ('class="banner good" id="evidence-status"' in banner) is complete
    assert terminal_line(demo_run, "evidence").startswith("complete" if complete else "INCOMPLETE")
    assert demo_run.exit_code == (EXIT_OK if complete else EXIT_INCOMPLETE)


def test_run_on_the_demos_day_exits_as_the_demo_did(
    demo_run: DemoRun,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = copy_of_demo(demo_run, tmp_path / "demo")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    day = demo_run.partition_date.isoformat()
    code = main(["run", "--config", str(config), "--date", day, "--evaluate-only"])
    assert code == demo_run.exit_code
    assert terminal_line(demo_run, "findings") in capsys.readouterr().out


def test_the_planted_defects_are_reconciled_with_the_findings(demo_run: DemoRun) -> None:  # noqa: F811
    planted = terminal_line(demo_run, "planted")
    total, found, other = (
        int(n) for n in re.match(r"(\d+) defects .*: all (\d+) found, and (\d+) more", planted).groups()
    )
    assert total == found
    assert found + other <= day_summary(demo_run)["findings"]["total"]


def test_a_fresh_demo_says_nothing_of_reused_snapshots_or_changed_datetime_sizes(demo_run: DemoRun) -> None:  # noqa: F811
    output = demo_run.stdout + demo_run.stderr
    assert "stored snapshot reused" not in output and "size changed" not in output


def test_compiled_datetime_modules_are_loaded_before_the_demo_freezes_the_clock() -> None:
    """Imported under freezegun, pandas' and pyarrow's extensions warn 'datetime.date size changed' (and keep the
    fake type): after the demo's preload, importing them under a frozen clock loads nothing new that warns."""
    script = (
        "from assurance_jobs.app.demo import preload_datetime_extensions; preload_datetime_extensions()\n"
        "from freezegun import freeze_time\n"
        "with freeze_time('2026-01-01', tick=True):\n"
        "    import pyarrow.dataset, pyarrow.parquet, pyarrow.compute, pandas, great_expectations\n"
    )
    done = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_findings_keep_their_id_across_the_demos_two_days(demo_run: DemoRun) -> None:  # noqa: F811
    first, second = sorted(p for p in demo_run.reports.iterdir() if p.is_dir())
    before = {(f["rule_id"], f["resource_arn"]): f["finding_id"] for f in _findings(first)}
    after = {(f["rule_id"], f["resource_arn"]): f["finding_id"] for f in _findings(second)}
    persisted = set(before) & set(after)
    assert persisted and all(before[key] == after[key] for key in persisted)


def test_ocsf_updates_the_findings_that_persisted_and_creates_the_new_ones(demo_run: DemoRun) -> None:  # noqa: F811
    first, second = sorted(p for p in demo_run.reports.iterdir() if p.is_dir())
    earlier = {event["finding_info"]["uid"] for event in _ocsf(first)}
    still_found = {f["finding_id"] for f in _findings(second)}
    for event in _ocsf(second):
        uid = event["finding_info"]["uid"]
        expected = ("Update" if uid in still_found else "Close") if uid in earlier else "Create"
        assert event["activity_name"] == expected, uid
    assert {e["activity_name"] for e in _ocsf(second)} >= {"Update", "Create"}


def test_a_finding_carries_its_first_sighting_from_the_day_before(demo_run: DemoRun) -> None:  # noqa: F811
    first, second = sorted(p for p in demo_run.reports.iterdir() if p.is_dir())
    seen_before = {f["finding_id"] for f in _findings(first)}
    for finding in _findings(second):
        expected = first.name if finding["finding_id"] in seen_before else second.name
        assert finding["first_seen"] == expected
        assert finding["lifecycle_status"] in (("open", "waived") if finding["finding_id"] in seen_before else ("new",))


def test_a_zero_leading_account_id_reads_as_written_on_every_surface(demo_run: DemoRun) -> None:  # noqa: F811
    assert UNKNOWN_ACCOUNT.startswith("0")
    as_number = f"{int(UNKNOWN_ACCOUNT):,}"
    files = [p for p in demo_run.day.rglob("*") if p.suffix in (".html", ".json", ".csv")]
    assert [str(p) for p in files if as_number in p.read_text(encoding="utf-8")] == []
    (finding,) = [
        f for f in _findings(demo_run.day) if f["rule_id"] == "NHI-LP-005" and f["observed"] == UNKNOWN_ACCOUNT
    ]
    assert finding["observed_kind"] == "account_ids"
    rule_page = (demo_run.day / "rules" / "NHI-LP-005.html").read_text(encoding="utf-8")
    assert re.search(rf"<td[^>]*>{UNKNOWN_ACCOUNT}\b", rule_page)


def _findings(day: Path) -> list[dict]:
    return json.loads((day / "findings.json").read_text(encoding="utf-8"))["findings"]


def _ocsf(day: Path) -> list[dict]:
    return json.loads((day / "findings.ocsf.json").read_text(encoding="utf-8"))


def test_what_the_team_fixed_overnight_is_closed_today_and_counts_towards_remediation(
    demo_run: DemoRun,  # noqa: F811
) -> None:
    closed = [e for e in _ocsf(demo_run.day) if e["activity_name"] == "Close"]
    fixed = [e for e in closed if FIXED_OVERNIGHT_USER in e["resources"][0]["uid"]]
    assert {e["finding_info"]["analytic"]["uid"] for e in fixed} == {"NHI-LP-007", "NHI-EXP-002"}
    assert all(e["status"] == "Resolved" for e in closed)
    exported = json.loads((demo_run.day / "findings.json").read_text(encoding="utf-8"))["lifecycle"]["resolved"]
    assert {r["finding_id"] for r in exported} == {e["finding_info"]["uid"] for e in closed}
    remediation = (demo_run.day / "index.html").read_text(encoding="utf-8").split('id="remediation"')[1]
    assert re.search(
        r"<td>least privilege</td>(<td class=\"n\">\d+</td>){2}<td class=\"n\">1</td><td class=\"n\">1\.0<", remediation
    )
