"""`iam_roles`: ListRoles pages, read for MaxSessionDuration (which the authorization details do not carry)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assurance_jobs.scan.sources.common import Context, Provenance, dicts, load_pages
from assurance_jobs.snapshot.model import IAM_ROLES, Snapshot


@dataclass(frozen=True)
class RoleSessions:
    """Each role's maximum session length in seconds, by role ARN."""

    max_session_seconds: dict[str, float]
    provenance: Provenance


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> RoleSessions | None:
    loaded = load_pages(snapshot, account_id, IAM_ROLES, None, ctx.warnings)
    return RoleSessions(_max_sessions(loaded[0]), loaded[1]) if loaded else None


def _max_sessions(pages: list[dict[str, Any]]) -> dict[str, float]:
    sessions: dict[str, float] = {}
    for page in pages:
        for role in dicts(page.get("Roles")):
            seconds = role.get("MaxSessionDuration")
            if role.get("Arn") and isinstance(seconds, int | float) and not isinstance(seconds, bool):
                sessions[str(role["Arn"])] = float(seconds)
    return sessions
