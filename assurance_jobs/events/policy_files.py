"""One sha256 over the policy-as-data files: expectation suites, waivers and the approved baseline.

WHY hash the files rather than watch them: the sensor runs in the Dagster daemon, possibly on another host than
the person editing; a content hash in the sensor cursor survives daemon restarts and ignores touches and
checkouts that change nothing. Reads files, never calls AWS, never imports Dagster.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from assurance_jobs.assets import EXAMPLE_BASELINE, asset_folder

BASELINE_FOLDER = asset_folder(EXAMPLE_BASELINE)
BASELINE_SUFFIXES = (".yaml", ".yml", ".json")
MISSING = "missing"


@dataclass(frozen=True)
class PolicyFingerprint:
    """The combined digest, and each file's own digest so a rerun can say which files changed."""

    digest: str
    files: Mapping[str, str] = field(default_factory=dict)


def policy_sources(
    expectations_dir: str | Path | None,
    waivers_file: str | Path | None,
    baseline_dir: str | Path | None = BASELINE_FOLDER,
) -> list[tuple[str, Path]]:
    """(label, path) of every file whose change should re-evaluate the day, labels unique and sorted."""
    expectations = Path(expectations_dir) if expectations_dir else _default_expectations_folder()
    sources = [(f"expectations/{path.name}", path) for path in sorted(expectations.glob("*.json"))]
    if waivers_file:
        sources.append((f"waivers/{Path(waivers_file).name}", Path(waivers_file)))
    if baseline_dir is not None:
        sources.extend(_baseline_sources(Path(baseline_dir)))
    return sorted(sources)


def _default_expectations_folder() -> Path:
    """The engine's own default, imported late: `assurance_jobs.evaluate` pulls in the engine (seconds)."""
    from assurance_jobs.evaluate.suites import DEFAULT_FOLDER

    return DEFAULT_FOLDER


def _baseline_sources(root: Path) -> list[tuple[str, Path]]:
    """Reviewed baseline files (and staged baseline suites); `*.example.*` files are documentation, not policy."""
    if not root.is_dir():
        return []
    paths = (
        path
        for path in root.rglob("*")
        if path.is_file() and path.suffix in BASELINE_SUFFIXES and ".example." not in path.name
    )
    return [(f"baseline/{path.relative_to(root).as_posix()}", path) for path in paths]


def fingerprint(sources: Iterable[tuple[str, Path]]) -> PolicyFingerprint:
    """Hash each file (a missing or unreadable one hashes as `missing`, so deleting a file is a change too)."""
    files = {label: _file_digest(path) for label, path in sources}
    return PolicyFingerprint(combined_digest(files), files)


def combined_digest(files: Mapping[str, str]) -> str:
    """sha256 over sorted `label digest` lines: a rename, an edit, an addition and a removal all change it."""
    lines = "".join(f"{label}\t{digest}\n" for label, digest in sorted(files.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def changed_files(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """Labels added, removed or edited between two fingerprints, sorted."""
    return sorted(label for label in set(before) | set(after) if before.get(label) != after.get(label))


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return MISSING


@dataclass(frozen=True)
class PolicyCursor:
    """The last seen fingerprint, and how many changes were seen (so A→B→A→B still gets distinct run keys)."""

    digest: str
    files: dict[str, str]
    changes: int = 0

    def to_json(self) -> str:
        document = {"digest": self.digest, "files": self.files, "changes": self.changes}
        return json.dumps(document, sort_keys=True, separators=(",", ":"))

    @staticmethod
    def from_json(cursor: str | None) -> PolicyCursor | None:
        """None for a first tick or an unreadable cursor: both just record the current files."""
        try:
            document = json.loads(cursor or "")
            return PolicyCursor(str(document["digest"]), dict(document["files"]), int(document["changes"]))
        except (ValueError, TypeError, KeyError):
            return None
