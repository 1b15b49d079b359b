"""A report folder is published whole or not at all, and sealed: SHA256SUMS over every file (what `sha256sum -c`
reads), an Ed25519 signature OpenSSL verifies, every file read-only — checkable with the folder and a public key."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assurance_jobs.output.sealed_folder import CHECKSUMS, CHECKSUMS_SIGNATURE, parse_checksums, seal, staged_folder
from assurance_jobs.snapshot.signing import Signer, public_key_pem


def write_report(folder: Path, marker: str) -> None:
    (folder / "index.html").write_text(f"<p>{marker}</p>")
    (folder / "rules").mkdir()
    (folder / "rules" / "NHI-LP-001.html").write_text(f"<p>{marker} rule</p>")


@pytest.fixture
def signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


def test_a_first_publication_appears_whole(tmp_path: Path) -> None:
    final = tmp_path / "out" / "2026-11-25"
    with staged_folder(final) as folder:
        write_report(folder, "one")
        assert not final.exists()  # nothing is visible while it is written
    assert (final / "index.html").read_text() == "<p>one</p>"


def test_a_republication_replaces_the_folder_whole(tmp_path: Path) -> None:
    final = tmp_path / "out" / "2026-11-25"
    with staged_folder(final) as folder:
        write_report(folder, "one")
        (folder / "only-in-the-first.html").write_text("old")
    with staged_folder(final) as folder:
        write_report(folder, "two")
    assert (final / "index.html").read_text() == "<p>two</p>"
    assert not (final / "only-in-the-first.html").exists()
    assert [p.name for p in final.parent.iterdir()] == ["2026-11-25"]  # no staged or retired folder left


def test_an_error_while_writing_leaves_the_previous_report_as_it_was(tmp_path: Path) -> None:
    final = tmp_path / "out" / "2026-11-25"
    with staged_folder(final) as folder:
        write_report(folder, "one")
    with pytest.raises(RuntimeError, match="renderer broke"), staged_folder(final) as folder:
        write_report(folder, "two")
        raise RuntimeError("renderer broke")
    assert (final / "index.html").read_text() == "<p>one</p>"
    assert [p.name for p in final.parent.iterdir()] == ["2026-11-25"]


def test_sha256sums_lists_every_file_by_its_relative_path(tmp_path: Path) -> None:
    write_report(tmp_path, "one")
    seal(tmp_path, None)
    listed = parse_checksums((tmp_path / CHECKSUMS).read_text())
    assert sorted(listed) == ["index.html", "rules/NHI-LP-001.html"]
    assert not (tmp_path / CHECKSUMS_SIGNATURE).exists()


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum is not installed")
def test_sha256sum_checks_a_sealed_folder_and_catches_a_flipped_byte(tmp_path: Path) -> None:
    write_report(tmp_path, "one")
    seal(tmp_path, None)
    check = ["sha256sum", "--quiet", "-c", CHECKSUMS]
    assert subprocess.run(check, cwd=tmp_path, capture_output=True, check=False).returncode == 0
    page = tmp_path / "rules" / "NHI-LP-001.html"
    page.chmod(0o644)
    page.write_bytes(page.read_bytes().replace(b"one", b"onE"))
    failed = subprocess.run(check, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert failed.returncode != 0 and "rules/NHI-LP-001.html: FAILED" in failed.stdout


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_the_signature_with_the_public_key_alone(tmp_path: Path, signer: Signer) -> None:
    report = tmp_path / "report"
    report.mkdir()
    write_report(report, "one")
    seal(report, signer)
    (tmp_path / "key.pub.pem").write_bytes(public_key_pem(signer.public_key))
    verify = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "key.pub.pem"), "-rawin"]
    verify += ["-in", str(report / CHECKSUMS), "-sigfile", str(report / CHECKSUMS_SIGNATURE)]
    assert subprocess.run(verify, capture_output=True, check=False).returncode == 0
    other = Signer(Ed25519PrivateKey.generate())
    (tmp_path / "key.pub.pem").write_bytes(public_key_pem(other.public_key))
    assert subprocess.run(verify, capture_output=True, check=False).returncode != 0


def test_every_file_of_a_sealed_folder_is_read_only(tmp_path: Path, signer: Signer) -> None:
    write_report(tmp_path, "one")
    seal(tmp_path, signer)
    modes = {stat.S_IMODE(path.stat().st_mode) for path in tmp_path.rglob("*") if path.is_file()}
    assert modes == {0o444}
