"""The privilege-escalation method catalogue, and which methods a principal HOLDS.

WHY combined: a method such as PassRole + lambda:CreateFunction + lambda:InvokeFunction is often split across
two policies, or half inherited through a group; checking one document at a time misses it. The catalogue is
data (``data/privesc_methods.yaml``: every pathfinding.cloud path plus the Rhino Security Labs methods, one source
link each) so it grows without code changes.

Holding a method (every required action allowed on some usable resource, see ``grants``) is not yet escalation:
whether it leads anywhere is decided by the principal graph (``privesc_graph``) where the snapshot holds the
targets (roles, users, trust policies, attached policies). Methods whose targets the snapshot cannot show
(functions, instances, stacks, notebooks, groups a user could join) are ``undecidable``: holding one is reported,
over-reporting where the data cannot decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from assurance_jobs.scan import actions
from assurance_jobs.scan.policy import EffectivePermissions

METHODS_PATH = Path(__file__).parent / "data" / "privesc_methods.yaml"
# Methods whose targets are principals or customer policies in the snapshot: the graph decides them. Every
# self-escalation and principal-access method is one, except joining a group (groups without members are not in
# the inventory's policies table); new-passrole methods are decided through the roles that trust their service.
GRAPH_CATEGORIES = frozenset({"self-escalation", "principal-access"})
NOT_GRAPH_DECIDED = frozenset({"iam:AddUserToGroup"})


@dataclass(frozen=True)
class EscalationMethod:
    id: str
    name: str
    category: str  # self-escalation | principal-access | new-passrole | existing-passrole
    description: str
    requires: tuple[str, ...]  # all of these actions, as written in the catalogue file
    source: str
    passes_to: tuple[str, ...] = ()  # new-passrole: service principals the passed role must trust

    @property
    def mask(self) -> int:
        return _required_mask(self.requires)

    @property
    def compute_mask(self) -> int:
        """The required actions other than iam:PassRole (what launches the compute a role is passed to)."""
        return _required_mask(tuple(a for a in self.requires if a.lower() != "iam:passrole"))

    @property
    def graph_decided(self) -> bool:
        """True when the snapshot holds this method's targets, so the graph decides whether it escalates."""
        in_graph = self.category in GRAPH_CATEGORIES and self.name not in NOT_GRAPH_DECIDED
        return in_graph or bool(self.passes_to)


@cache
def _required_mask(requires: tuple[str, ...]) -> int:
    mask = 0
    for action in requires:
        mask |= actions.expand_mask(action)
    return mask


def _method(entry: dict[str, Any]) -> EscalationMethod:
    return EscalationMethod(
        entry["id"],
        entry["name"],
        entry["category"],
        entry["description"],
        tuple(entry["requires"]),
        entry["source"],
        tuple(entry.get("passes_to", ())),
    )


@cache
def _catalogue_file() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there: 10x faster
    return yaml.load(METHODS_PATH.read_text(), Loader=loader)


@cache
def catalogue_info() -> dict[str, str]:
    """Where the catalogue was built from (pathfinding.cloud commit, Rhino article): evidence for the report."""
    return dict(_catalogue_file()["catalogue"])


@cache
def methods() -> tuple[EscalationMethod, ...]:
    """The method catalogue, loaded once."""
    return tuple(_method(m) for m in _catalogue_file()["methods"])


@cache
def _method_masks() -> tuple[tuple[str, int], ...]:
    """(name, mask) sorted by name; methods whose actions the catalogue lacks (mask 0) can never match."""
    return tuple(sorted((m.name, m.mask) for m in methods() if m.mask))


@lru_cache(maxsize=8192)
def _held(held_mask: int) -> tuple[str, ...]:
    return tuple(name for name, mask in _method_masks() if held_mask & mask == mask)


def held_methods(held_mask: int) -> list[str]:
    """Sorted names of the methods whose required actions are all in ``held_mask``."""
    return list(_held(held_mask))


@cache
def undecidable_names() -> frozenset[str]:
    return frozenset(m.name for m in methods() if not m.graph_decided)


@cache
def passrole_methods() -> tuple[EscalationMethod, ...]:
    return tuple(m for m in methods() if m.passes_to)


def reachable_methods(perms: EffectivePermissions, unscoped_only: bool = False) -> list[str]:
    """Sorted names of the methods whose required actions are all allowed (resource-agnostic view)."""
    return held_methods(perms.unscoped_mask if unscoped_only else perms.allowed_mask)
