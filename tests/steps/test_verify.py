"""`assurance-jobs verify` recomputes every hash the store and the reports vouch for: one flipped byte in any stored
or published file, or a removed day, fails it — naming the file. Run on a copy of the demo's folder (signed)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from conftest_demo import DemoRun, copy_of_demo, demo_run  # noqa: F401  (the shared demo fixture)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assurance_jobs.app.cli import main
from assurance_jobs.app.exit_codes import EXIT_MISMATCH, EXIT_OK
from assurance_jobs.config import load_config
from assurance_jobs.snapshot.signing import load_public_key
from assurance_jobs.steps.verify import verify_report_folder, verify_store


def flip_a_byte(path: Path) -> None:
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def copy(demo_run: DemoRun, tmp_path: Path) -> Path:  # noqa: F811
    """The copy's root folder (config at assurance.yaml, store under data/, reports under reports/)."""
    copy_of_demo(demo_run, tmp_path / "demo")
    return tmp_path / "demo"


def days(root: Path) -> list[Path]:
    return sorted(p for p in (root / "data" / "snapshots").iterdir())


def a_snapshot_file(root: Path) -> Path:
    return next(p for p in sorted(days(root)[0].rglob("*.json")) if p.name != "manifest.json")


def a_manifest(root: Path) -> Path:
    return next(days(root)[0].rglob("manifest.json"))


def a_manifest_signature(root: Path) -> Path:
    return next(days(root)[-1].rglob("manifest.json.sig"))


def a_baseline_copy(root: Path) -> Path:
    return next((root / "data" / "inventory").rglob("inputs/baseline/*.yaml"))


def an_activity_history_file(root: Path) -> Path:
    """An earlier day's stored activity (what the learned baseline counts as usual)."""
    return sorted((root / "data" / "activity").rglob("profile.parquet"))[0]


def a_report_page(root: Path) -> Path:
    return sorted((root / "reports").glob("*/rules/NHI-LP-005.html"))[-1]


def a_probe_run_signature(root: Path) -> Path:
    """The demo signs its probe runs with its key, like its snapshots."""
    return next((root / "data" / "probes").rglob("manifest.json.sig"))


def a_probe_record(root: Path) -> Path:
    return next((root / "data" / "probes").rglob("token_probes.json"))


def the_report_checksums(root: Path) -> Path:
    return sorted((root / "reports").glob("*/SHA256SUMS"))[-1]


def test_the_demos_store_and_reports_verify(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--config", str(copy / "assurance.yaml"), "--all"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "every hash matches" in out and "2 reports" in out


def test_signatures_are_checked_with_the_configured_key(copy: Path) -> None:
    result = verify_store(load_config(copy / "assurance.yaml"), public_key=load_public_key(copy / "signing-key.pem"))
    assert result.ok and result.notes == []


@pytest.mark.parametrize(
    "stored_file",
    [
        a_snapshot_file,
        a_manifest,
        a_manifest_signature,
        a_baseline_copy,
        an_activity_history_file,
        a_report_page,
        a_probe_record,
        a_probe_run_signature,
    ],
    ids=lambda pick: pick.__name__,
)
def test_one_flipped_byte_in_any_stored_file_fails_verify_naming_it(
    copy: Path, stored_file: Callable[[Path], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    target = stored_file(copy)
    flip_a_byte(target)
    assert main(["verify", "--config", str(copy / "assurance.yaml")]) == EXIT_MISMATCH
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith(f"assurance-jobs: MISMATCH {target}: ")


def test_an_altered_checksum_list_fails_on_its_signature(copy: Path) -> None:
    target = the_report_checksums(copy)
    target.chmod(0o644)
    target.write_text(target.read_text())  # same content: still verifies
    assert verify_report_folder(target.parent, load_public_key(copy / "signing-key.pub.pem")).ok
    flip_a_byte(target)
    result = verify_report_folder(target.parent, load_public_key(copy / "signing-key.pub.pem"))
    assert not result.ok


def test_a_removed_day_fails_verify_naming_the_missing_manifest(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first_day = days(copy)[0]
    (manifest,) = first_day.rglob("manifest.json")
    shutil.rmtree(first_day)
    assert main(["verify", "--config", str(copy / "assurance.yaml")]) == EXIT_MISMATCH
    assert f"MISMATCH {manifest}: missing: the chain breaks here" in capsys.readouterr().err


def test_a_file_added_to_a_snapshot_fails_verify(copy: Path) -> None:
    folder = a_manifest(copy).parent
    (folder / "planted.json").write_text("{}")
    result = verify_store(load_config(copy / "assurance.yaml"))
    assert [str(m) for m in result.mismatches] == [
        f"{folder / 'planted.json'}: not listed in the manifest (added after the snapshot was written)"
    ]


def test_a_report_handed_over_alone_verifies_with_its_public_key(copy: Path, tmp_path: Path) -> None:
    handed = tmp_path / "handed-over"
    shutil.copytree(a_report_page(copy).parents[1], handed)
    code = main(["verify", "--report", str(handed), "--public-key", str(copy / "signing-key.pub.pem")])
    assert code == EXIT_OK


def test_a_report_checked_with_another_key_fails(copy: Path) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    result = verify_report_folder(a_report_page(copy).parents[1], other)
    assert not result.ok and "not by the given key" in str(result.mismatches[0])


def test_verify_of_one_day_checks_only_that_day(copy: Path) -> None:
    config = load_config(copy / "assurance.yaml")
    first, last = (date_folder.name for date_folder in (days(copy)[0], days(copy)[-1]))
    flip_a_byte(a_snapshot_file(copy))  # on the first day
    assert verify_store(config, date.fromisoformat(last)).ok
    assert not verify_store(config, date.fromisoformat(first)).ok


def _strip_signature(manifest: Path) -> None:
    """What a forger without the key would do: drop the signature and the manifest's claim to one."""
    body = json.loads(manifest.read_text())
    body["signing_key"] = None
    manifest.chmod(0o644)
    manifest.write_text(json.dumps(body))
    (manifest.parent / "manifest.json.sig").unlink()


def test_a_signature_stripped_from_the_newest_snapshot_fails_verify_naming_its_manifest(copy: Path) -> None:
    newest = sorted((copy / "data" / "snapshots").rglob("manifest.json"))[-1]
    _strip_signature(newest)
    result = verify_store(load_config(copy / "assurance.yaml"))
    assert str(newest) in {m.where for m in result.mismatches}


def test_a_signature_stripped_from_a_probe_run_fails_verify_naming_its_manifest(copy: Path) -> None:
    """The day's only probe run has no later manifest to vouch for it: the signed report's provenance does."""
    probe_run = next((copy / "data" / "probes").rglob("manifest.json"))
    _strip_signature(probe_run)
    result = verify_store(load_config(copy / "assurance.yaml"))
    assert str(probe_run) in {m.where for m in result.mismatches}
