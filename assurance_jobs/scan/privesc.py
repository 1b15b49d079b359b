"""The privilege-escalation method catalogue, which methods a principal HOLDS, and what each needs to lead anywhere.

WHY combined: a method such as PassRole + lambda:CreateFunction + lambda:InvokeFunction is often split across
two policies, or half inherited through a group; checking one document at a time misses it. The catalogue is
data (``data/privesc_methods.yaml``: every pathfinding.cloud path plus the Rhino Security Labs methods, one source
link each) so it grows without code changes.

Holding a method (every required action allowed on some usable resource, see ``grants``) is not yet escalation:
the principal graph (``privesc_graph``) decides whether it leads to an administrator. Each method says what it needs
to lead anywhere — a passable role trusting a service (``passes_to``), an existing resource that runs as a role
(``targets``), or a shape of the principal graph (``prerequisite``) — so that a principal holding it without a path
can be told exactly what is missing (latent, NHI-LP-008), or what the snapshot lacks to decide it (undecidable).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from assurance_jobs.scan import actions
from assurance_jobs.scan.policy import EffectivePermissions
from assurance_jobs.scan.privesc_inputs import RESOURCE_KINDS

METHODS_PATH = Path(__file__).parent / "data" / "privesc_methods.yaml"
EC2_SERVICE = "ec2.amazonaws.com"  # a role passed to EC2 must sit in an instance profile
JOIN_GROUP = "iam:AddUserToGroup"


@dataclass(frozen=True)
class Target:
    """The existing resources a method takes over (it gains the role they run as), and the action checked on each."""

    kind: str  # a key of privesc_inputs.RESOURCE_KINDS
    action: str


@dataclass(frozen=True)
class EscalationMethod:
    id: str
    name: str
    category: str  # self-escalation | principal-access | new-passrole | existing-passrole
    description: str
    requires: tuple[str, ...]  # all of these actions, as written in the catalogue file
    source: str
    passes_to: tuple[str, ...] = ()  # new-passrole: service principals the passed role must trust
    targets: Target | None = None  # existing-resource methods: the resources whose role they gain
    needs_existing: str | None = None  # a resource kind that must exist in the account (an ECS cluster)
    prerequisite: str = ""  # graph-decided methods: what the graph must hold, in words

    @property
    def mask(self) -> int:
        return _required_mask(self.requires)

    @property
    def compute_mask(self) -> int:
        """The required actions other than iam:PassRole (what launches the compute a role is passed to)."""
        return _required_mask(tuple(a for a in self.requires if a.lower() != "iam:passrole"))

    @property
    def required_bits(self) -> dict[str, int]:
        """Each required action with its catalogue bit, in catalogue order."""
        return {action: _required_mask((action,)) for action in self.requires}

    @property
    def resource_kind(self) -> str | None:
        """The resource kind the snapshot must hold to decide this method (None: decided from IAM alone)."""
        return self.targets.kind if self.targets else self.needs_existing

    @property
    def missing(self) -> str:
        """What a principal holding this method lacks when it has no path through it, in words."""
        if self.passes_to:
            services = " or ".join(self.passes_to)
            needed = f"a passable privileged role that trusts {services}"
            needed += " (a role passed to EC2 also needs an instance profile)" if EC2_SERVICE in self.passes_to else ""
            return f"{_kind_label(self.needs_existing)} and {needed}" if self.needs_existing else needed
        if self.targets:
            return f"{_kind_label(self.targets.kind)} it may act on that runs as a privileged role"
        return self.prerequisite


def _kind_label(kind: str | None) -> str:
    return RESOURCE_KINDS[kind].label if kind else ""


@cache
def _required_mask(requires: tuple[str, ...]) -> int:
    mask = 0
    for action in requires:
        mask |= actions.expand_mask(action)
    return mask


def _method(entry: dict[str, Any]) -> EscalationMethod:
    targets = entry.get("targets")
    return EscalationMethod(
        entry["id"],
        entry["name"],
        entry["category"],
        entry["description"],
        tuple(entry["requires"]),
        entry["source"],
        tuple(entry.get("passes_to", ())),
        Target(targets["kind"], targets["action"]) if targets else None,
        entry.get("needs_existing"),
        entry.get("prerequisite", ""),
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
def by_name() -> dict[str, EscalationMethod]:
    return {m.name: m for m in methods()}


@cache
def passrole_methods() -> tuple[EscalationMethod, ...]:
    return tuple(m for m in methods() if m.passes_to)


@cache
def resource_methods() -> tuple[EscalationMethod, ...]:
    """Methods that take over an existing resource and gain the role it runs as."""
    return tuple(m for m in methods() if m.targets)


def reachable_methods(perms: EffectivePermissions, unscoped_only: bool = False) -> list[str]:
    """Sorted names of the methods whose required actions are all allowed (resource-agnostic view)."""
    return held_methods(perms.unscoped_mask if unscoped_only else perms.allowed_mask)
