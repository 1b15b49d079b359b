"""`assurance-jobs demo`, end to end: one run on the emulated account, then every promise checked on its output.

The run itself (1–3 minutes) happens once, in the `demo_run` fixture of conftest_demo.py; each test reads it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import timedelta
from pathlib import Path

import dagster as dg
from conftest_demo import DemoRun, demo_run  # noqa: F401  (the shared fixture)

from assurance_jobs.config import load_config
from assurance_jobs.demo.planted import IMG_TAG, SCRIPT_TAG
from assurance_jobs.steps.publish import PROVENANCE_FILE, publish_partition

REPRODUCIBLE_SUFFIXES = {".html", ".json", ".csv"}


def every_file(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def html_pages(run: DemoRun) -> dict[str, str]:
    return {str(p.relative_to(run.day)): p.read_text(encoding="utf-8") for p in run.day.rglob("*.html")}


RUN_ID_ENTRY = re.compile(rb'<dd id="dagster-run-id">.*?</dd>')


def reproducible_bytes(path: Path) -> bytes:
    """A file's bytes, with the one entry that names the Dagster run (it differs per run by design) blanked."""
    return RUN_ID_ENTRY.sub(b'<dd id="dagster-run-id"></dd>', path.read_bytes())


def reproducible_digests(day: Path) -> dict[str, str]:
    return {
        str(path.relative_to(day)): hashlib.sha256(reproducible_bytes(path)).hexdigest()
        for path in every_file(day)
        if path.suffix in REPRODUCIBLE_SUFFIXES and path.name != PROVENANCE_FILE
    }


def test_demo_exits_zero(demo_run: DemoRun) -> None:  # noqa: F811
    assert demo_run.exit_code == 0, demo_run.stdout


def test_summary_prints_the_report_index_path(demo_run: DemoRun) -> None:  # noqa: F811
    index = demo_run.reports / "index.html"
    assert index.is_file()
    assert str(index) in demo_run.stdout


def test_every_planted_defect_is_reported_on_its_resource(demo_run: DemoRun) -> None:  # noqa: F811
    reported = {(f["rule_id"], f["resource_arn"]) for f in demo_run.findings()}
    planted = {(defect.rule_id, defect.resource) for defect in demo_run.estate.defects}
    assert planted, "the demo planted no defects"
    assert planted - reported == set()


def test_no_output_file_contains_a_canary_or_a_sensitive_value(demo_run: DemoRun) -> None:  # noqa: F811
    secrets = [value for value in (*demo_run.estate.canaries, *demo_run.estate.sensitive_values) if value]
    assert demo_run.estate.canaries and demo_run.estate.sensitive_values, "the demo planted nothing to look for"
    files = every_file(demo_run.out)
    assert any(p.suffix == ".parquet" for p in files) and any(p.name == "findings.json" for p in files)
    leaks = [
        (str(path.relative_to(demo_run.out)), value[:6] + "…")
        for path in files
        for content in [path.read_bytes()]
        for value in secrets
        if value.encode("utf-8") in content
    ]
    assert leaks == []


def _without_allowed_scripts(page: str) -> str:
    """The page less the scripts its own Content-Security-Policy allows by hash (the report's row filter)."""

    def allowed(match: re.Match[str]) -> str:
        digest = base64.b64encode(hashlib.sha256(match.group(1).encode()).digest()).decode()
        return "" if f"script-src 'sha256-{digest}'" in page else match.group(0)

    return re.sub(r"<script>(.*?)</script>", allowed, page, flags=re.DOTALL)


def test_script_payload_appears_in_the_html_only_escaped(demo_run: DemoRun) -> None:  # noqa: F811
    pages = {name: _without_allowed_scripts(text) for name, text in html_pages(demo_run).items()}
    assert [name for name, text in pages.items() if SCRIPT_TAG in text or "<script" in text] == []
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in text for text in pages.values())


def test_attribute_breaking_payload_appears_in_the_html_only_escaped(demo_run: DemoRun) -> None:  # noqa: F811
    pages = html_pages(demo_run)
    raw_tag = IMG_TAG[IMG_TAG.index("<") :]
    assert [name for name, text in pages.items() if raw_tag in text or "<img" in text] == []
    assert any("&#39;&gt;&lt;img src=x onerror=alert(1)&gt;" in text for text in pages.values())


def test_oscal_and_ocsf_exports_exist_and_parse_as_json(demo_run: DemoRun) -> None:  # noqa: F811
    oscal = json.loads((demo_run.day / "assessment-results.oscal.json").read_text(encoding="utf-8"))
    ocsf = json.loads((demo_run.day / "findings.ocsf.json").read_text(encoding="utf-8"))
    assert "assessment-results" in oscal
    resolved = json.loads((demo_run.day / "findings.json").read_text(encoding="utf-8"))["lifecycle"]["resolved"]
    assert len(ocsf) == len(demo_run.findings()) + len(resolved)  # one event per finding, one Close per resolution


def test_report_rerendered_from_stored_evidence_is_byte_identical(
    demo_run: DemoRun,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Another run id, another output folder, the same stored evidence: the same bytes in every report file and
    export (findings.json/csv, OCSF, OSCAL), provenance.json and the evidence page's run id entry aside."""
    stored = load_config(demo_run.out / "assurance.yaml")
    config = stored.model_copy(update={"output_dir": str(tmp_path / "reports")})
    original = reproducible_digests(demo_run.day)
    publish_partition(config, demo_run.partition_date, run_id="other")
    again = reproducible_digests(tmp_path / "reports" / demo_run.day.name)
    assert len(again) > 20 and {"findings.json", "findings.csv"} <= set(again)
    assert again == original


def test_evidence_page_names_the_run_that_provenance_json_records(demo_run: DemoRun) -> None:  # noqa: F811
    run_id = json.loads((demo_run.day / PROVENANCE_FILE).read_text(encoding="utf-8"))["dagster_run_id"]
    entry = RUN_ID_ENTRY.search((demo_run.day / "evidence.html").read_bytes()).group(0).decode("utf-8")
    assert run_id and run_id in entry


def test_demo_runs_both_days_as_runs_of_the_daily_job(demo_run: DemoRun) -> None:  # noqa: F811
    """Both days appear under `daily_assurance` in the UI, today's probes under `runtime_probes` (never the
    anonymous asset job), and both snapshot partitions count as materialised."""
    from dagster._core.instance.ref import InstanceRef

    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(demo_run.dagster_home)))
    runs = sorted((run.tags.get("dagster/partition"), run.job_name) for run in instance.get_runs())
    day_one, today = (demo_run.partition_date - timedelta(days=1)).isoformat(), demo_run.partition_date.isoformat()
    assert runs == [(day_one, "daily_assurance"), (today, "daily_assurance"), (today, "runtime_probes")]
    materialised = instance.get_materialized_partitions(dg.AssetKey("nhi_snapshot"))
    assert {day_one, demo_run.partition_date.isoformat()} <= materialised


def test_exported_observed_actions_keep_aws_casing(demo_run: DemoRun) -> None:  # noqa: F811
    """findings.json reads as the HTML does: `kms:CreateGrant`, not the engine's lower-cased `kms:creategrant`."""
    from assurance_jobs.output.casing import aws_case

    findings = json.loads((demo_run.day / "findings.json").read_text(encoding="utf-8"))["findings"]
    with_actions = [row["observed"] for row in findings if "kms:" in str(row["observed"]).lower()]
    assert with_actions
    assert all(observed == aws_case(observed) for observed in with_actions)
    assert any("kms:CreateGrant" in observed or "kms:Decrypt" in observed for observed in with_actions)
