"""A day's report folder, published whole or not at all, sealed with a checksum list and (optionally) a signature.

Why: a report is evidence handed to an auditor. It must never be seen half-written — a crash or `kill -9` while a
rerun renders leaves the previous report of that day exactly as it was — and whoever receives the folder must be
able to tell, with nothing but the folder (and the public key), that no byte changed since it was published.

* `staged_folder` writes the report into a hidden sibling `.<day>.<random>.tmp/` and swaps it into place in one
  step (Linux `renameat2(RENAME_EXCHANGE)`; two renames where the system has no exchange), as snapshots are.
* `seal` writes `SHA256SUMS` (the format `sha256sum -c` reads: every file of the folder, relative paths) and, with a
  signing key, `SHA256SUMS.sig` (Ed25519 over its bytes), then makes every file read-only.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assurance_jobs.snapshot.signing import SIGNATURE_SUFFIX, Signer
from assurance_jobs.snapshot.storage import READ_ONLY, STALE_TEMP_SECONDS

CHECKSUMS = "SHA256SUMS"
CHECKSUMS_SIGNATURE = CHECKSUMS + SIGNATURE_SUFFIX
PROVENANCE_FILE = "provenance.json"
"""Which run published the folder, from which snapshot manifest (its sha256), signed by which key."""
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def report_files(folder: Path) -> list[str]:
    """Every file of a report folder as a relative '/'-path, sorted, the checksum list and its signature aside."""
    names = (path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())
    return sorted(name for name in names if name not in (CHECKSUMS, CHECKSUMS_SIGNATURE))


def checksum_lines(folder: Path) -> bytes:
    return "".join(f"{file_sha256(folder / name)}  {name}\n" for name in report_files(folder)).encode("utf-8")


def parse_checksums(text: str) -> dict[str, str]:
    """`SHA256SUMS` as {relative path: sha256}; lines in `sha256sum`'s text-mode format."""
    listed = {}
    for line in text.splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")
            listed[name] = digest
    return listed


def seal(folder: Path, signer: Signer | None) -> Path:
    """Write SHA256SUMS (and its signature), then make every file of the folder read-only."""
    body = checksum_lines(folder)
    (folder / CHECKSUMS).write_bytes(body)
    if signer is not None:
        (folder / CHECKSUMS_SIGNATURE).write_bytes(signer.sign(body))
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(READ_ONLY)
    return folder / CHECKSUMS


def _exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically; False where the platform or file system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _remove_stale(parent: Path) -> None:
    """Clear folders left by writers killed more than an hour ago (younger ones may still be live)."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for child in parent.iterdir():
        leftover = child.name.startswith(".") and child.name.endswith((".tmp", ".old")) and child.is_dir()
        if leftover and child.stat().st_mtime < cutoff:
            _remove(child)


def _swap_in(staged: Path, final: Path) -> None:
    if not final.exists():
        os.rename(staged, final)
        return
    if _exchange(staged, final):
        _remove(staged)  # it now holds the report it replaced
        return
    retired = final.with_name(f".{final.name}.{secrets.token_hex(4)}.old")
    os.rename(final, retired)
    os.rename(staged, final)
    _remove(retired)


@contextmanager
def staged_folder(final: Path) -> Iterator[Path]:
    """Yield a hidden folder beside `final` to write the report into; on success it replaces `final` in one step,
    on any error (or a kill) `final` is left as it was."""
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(final.parent)
    staged = final.with_name(f".{final.name}.{secrets.token_hex(4)}.tmp")
    staged.mkdir()
    try:
        yield staged
        _swap_in(staged, final)
    except BaseException:
        _remove(staged)
        raise
