"""The demo signs its store with a key pair it writes beside the store; a re-run in the same folder adds to that
store, so it must keep signing with the same pair (a new key would make `verify` refuse the earlier days)."""

from __future__ import annotations

from pathlib import Path

from assurance_jobs.app.demo import write_signing_key


def test_a_demo_rerun_in_the_same_folder_keeps_its_signing_key(tmp_path: Path) -> None:
    first = write_signing_key(tmp_path).read_bytes()
    public = (tmp_path / "signing-key.pub.pem").read_bytes()
    write_signing_key(tmp_path)
    assert (tmp_path / "signing-key.pem").read_bytes() == first
    assert (tmp_path / "signing-key.pub.pem").read_bytes() == public


def test_a_fresh_folder_gets_a_private_key_only_its_owner_can_read(tmp_path: Path) -> None:
    private = write_signing_key(tmp_path)
    assert private.stat().st_mode & 0o077 == 0
    assert b"PRIVATE KEY" in private.read_bytes()
