"""The configured signing key (`signing_key`), loaded once per use: snapshots and reports are signed with it."""

from __future__ import annotations

from assurance_jobs.config import AssuranceConfig
from assurance_jobs.snapshot.signing import Signer, load_signer


def configured_signer(config: AssuranceConfig) -> Signer | None:
    """The Ed25519 key of `signing_key`, or None when signing is off (`check-config` has checked the file)."""
    return load_signer(config.signing_key) if config.signing_key else None
