"""Privilege-escalation methods reachable from a principal's COMBINED effective permissions.

WHY combined: a method such as PassRole + lambda:CreateFunction + lambda:InvokeFunction is often split across
two policies, or half inherited through a group; checking one document at a time misses it. The method catalogue
is data (``data/privesc_methods.yaml``, with sources) so it can grow without code changes.

A method is reachable when every required action is allowed, whatever its resource scope and even when only a
conditioned statement grants it: resource ARNs and conditions rarely stop the escalation (PassRole on a specific
role is still escalation if that role is privileged) and an audit should over-report rather than hide. Pass
``unscoped_only=True`` to require Resource "*" grants instead. A permissions boundary or an unconditioned Deny
that removes a required action blocks the method (that is already reflected in the EffectivePermissions).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from assurance_jobs.scan import actions
from assurance_jobs.scan.policy import EffectivePermissions

METHODS_PATH = Path(__file__).parent / "data" / "privesc_methods.yaml"


@dataclass(frozen=True)
class EscalationMethod:
    name: str
    description: str
    requires: tuple[str, ...]  # all of these actions, as written in the catalogue file
    source: str

    @property
    def mask(self) -> int:
        return _required_mask(self.requires)


@cache
def _required_mask(requires: tuple[str, ...]) -> int:
    mask = 0
    for action in requires:
        mask |= actions.expand_mask(action)
    return mask


@cache
def methods() -> tuple[EscalationMethod, ...]:
    """The method catalogue, loaded once."""
    data = yaml.safe_load(METHODS_PATH.read_text())
    return tuple(
        EscalationMethod(m["name"], m["description"], tuple(m["requires"]), m["source"]) for m in data["methods"]
    )


@cache
def _method_masks() -> tuple[tuple[str, int], ...]:
    """(name, mask) sorted by name; methods whose actions the catalogue lacks (mask 0) can never match."""
    return tuple(sorted((m.name, m.mask) for m in methods() if m.mask))


def reachable_methods(perms: EffectivePermissions, unscoped_only: bool = False) -> list[str]:
    """Sorted names of the methods whose required actions are all allowed."""
    held = perms.unscoped_mask if unscoped_only else perms.allowed_mask
    return [name for name, mask in _method_masks() if held & mask == mask]
