"""`assurance-jobs verify`: check the evidence store and the published reports against their recorded hashes.

Prints every mismatch, one line each (the first first), then what was checked; exits 0 when every hash matches and
4 when one does not (app/exit_codes.py). Signatures are checked with `--public-key`, else with the public half of
the configured `signing_key`; without either a signed manifest is reported as not checked.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from assurance_jobs.app.exit_codes import EXIT_MISMATCH, EXIT_OK
from assurance_jobs.config import AssuranceConfig
from assurance_jobs.input_errors import InputError
from assurance_jobs.snapshot.signing import SigningKeyError, load_public_key
from assurance_jobs.steps.verify import Verification, describe, verify_report_folder, verify_store


def _public_key(config: AssuranceConfig | None, path: Path | None) -> Ed25519PublicKey | None:
    try:
        if path is not None:
            return load_public_key(path)
        if config is not None and config.signing_key:
            return load_public_key(config.signing_key)
    except SigningKeyError as error:
        raise InputError(str(error)) from None
    return None


def run_verify(
    config: AssuranceConfig | None,
    *,
    day: date | None = None,
    report: Path | None = None,
    public_key: Path | None = None,
) -> int:
    key = _public_key(config, public_key)
    if report is not None:
        if not report.is_dir():
            raise InputError(f"{report}: --report: no such folder; give a day's report folder (output_dir/<date>/)")
        result = verify_report_folder(report, key)
    elif config is None:
        raise InputError("verify: give --config (the store to check) or --report <folder>")
    else:
        result = verify_store(config, day, key)
        _something_was_stored(config, day, result)
    return _print(result)


def _something_was_stored(config: AssuranceConfig, day: date | None, result: Verification) -> None:
    """Nothing checked is not "every hash matches": a day that was never stored, or an empty store, is a user error
    (wrong `--date`, wrong `storage_root`), never a clean verification."""
    if result.manifests or result.reports or result.files or result.mismatches:
        return
    if day is not None:
        raise InputError(f"verify --date {day}: nothing is stored for that day under {config.storage_root}")
    raise InputError(f"{config.storage_root}: storage_root holds no stored day to verify (run the daily job first)")


def _print(result: Verification) -> int:
    for line in describe(result):
        stream = sys.stderr if line.startswith("MISMATCH") else sys.stdout
        print(f"assurance-jobs: {line}" if stream is sys.stderr else line, file=stream)
    return EXIT_OK if result.ok else EXIT_MISMATCH
