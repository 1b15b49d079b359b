"""Configured exports (the agent registry, the HR/IdP feed) snapshotted byte for byte like an API response.

Why a status for every account: the rules that read the file judge every account's identities, so a file that
vanished or became unreadable between the pre-run check and collection must make exactly those rules
INCOMPLETE everywhere — never an empty file that passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from assurance_jobs.snapshot.model import CollectionStatus, SourceBlob

UNKNOWN_HOME = "unknown"


def snapshot_file(
    name: str,
    api: str,
    path: str,
    accounts: Sequence[str],
    *,
    validate: Callable[[bytes], str],
    malformed: tuple[type[Exception], ...],
    code_prefix: str,
) -> tuple[list[SourceBlob], list[CollectionStatus]]:
    """The file at `path` as one blob under the first account, checked by `validate` (which returns the file's
    extension and raises one of `malformed` for content no rule could read), and its status for every account.

    Error codes are `<code_prefix>Unreadable` (the file cannot be read) and `<code_prefix>Malformed`."""
    home = accounts[0] if accounts else UNKNOWN_HOME
    try:
        raw = Path(path).read_bytes()
        blob = SourceBlob(home, name, raw, extension=validate(raw))
        state, code, message, found = "ok", None, None, [blob]
    except OSError as error:
        state, code, message, found = "error", f"{code_prefix}Unreadable", f"{path}: {error.strerror}", []
    except malformed as error:
        state, code, message, found = "error", f"{code_prefix}Malformed", str(error), []
    statuses = [
        CollectionStatus(account_id, name, api, None, state, code, message, len(found))
        for account_id in accounts or [home]
    ]
    return found, statuses
