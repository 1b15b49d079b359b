"""`assurance-jobs verify`: recompute every hash the store and the reports vouch for, and say where one differs.

What is checked, per stored day (or one `--date`):

* **snapshots** (and probe runs): every file against its manifest's sha256 and size, no file beside them that the
  manifest does not list, the manifest's signature when it names a signing key, and the hash chain — each manifest
  names the one committed before it with the sha256 of its bytes, so an altered or removed earlier day breaks the
  link of the next one;
* **inputs**: the baseline copies, directory feed and earlier days' stored activity history the day's inventory
  cites (`source_snapshot.json`);
* **reports**: every file of `output_dir/<day>/` against its `SHA256SUMS` (and no unlisted file), its signature,
  and the snapshot manifest its `provenance.json` names.

A report handed over on its own is checked with `verify_report_folder` (`verify --report DIR`): the folder and, for
a signed report, the public key are all it needs. Nothing here writes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from assurance_jobs.config import AssuranceConfig
from assurance_jobs.output.sealed_folder import (
    CHECKSUMS,
    CHECKSUMS_SIGNATURE,
    PROVENANCE_FILE,
    file_sha256,
    parse_checksums,
    report_files,
)
from assurance_jobs.snapshot.model import Manifest
from assurance_jobs.snapshot.signing import fingerprint, signature_valid
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.snapshot.store import MANIFEST_NAME, SIGNATURE_NAME, list_snapshots, snapshot_prefix
from assurance_jobs.steps.layout import (
    ACTIVITY_PREFIX,
    INVENTORY_PREFIX,
    PROBES_PREFIX,
    SNAPSHOTS_PREFIX,
    output_day_dir,
    source_snapshot_key,
)
from assurance_jobs.steps.tables import source_note

ROOTS = (SNAPSHOTS_PREFIX, PROBES_PREFIX)


@dataclass(frozen=True)
class Mismatch:
    """One thing that is not as recorded: where, and what differs."""

    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass
class Verification:
    """What `verify` looked at and what it found; `ok` only when nothing differs."""

    days: list[date] = field(default_factory=list)
    files: int = 0
    manifests: int = 0
    reports: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def fail(self, where: str, problem: str) -> None:
        self.mismatches.append(Mismatch(where, problem))


def stored_days(storage: Storage) -> list[date]:
    """Every day with a committed snapshot, probe run or inventory: what `--all` covers."""
    days: set[date] = set()
    for root in (*ROOTS, INVENTORY_PREFIX):
        for name in storage.children(root):
            try:
                days.add(date.fromisoformat(name))
            except ValueError:
                continue
    return sorted(days)


def verify_store(
    config: AssuranceConfig, day: date | None = None, public_key: Ed25519PublicKey | None = None
) -> Verification:
    """Check every stored day (or `day`) and its report; `public_key` checks the signatures (else: the
    configured signing key's public half, if any)."""
    storage = storage_for(config.storage_root)
    result = Verification(days=[day] if day is not None else stored_days(storage))
    recorded = _recorded_links(storage)
    for each in result.days:
        for root in ROOTS:
            for snapshot_id in list_snapshots(storage, each, root):
                _verify_snapshot(storage, each, snapshot_id, root, public_key, result, recorded)
        _verify_inputs(storage, each, result)
        folder = output_day_dir(config.output_dir, each)
        if folder.is_dir():
            _verify_report(folder, public_key, result, storage)
    return result


def _verify_snapshot(
    storage: Storage,
    day: date,
    snapshot_id: str,
    root: str,
    public_key: Ed25519PublicKey | None,
    result: Verification,
    recorded: dict[str, str],
) -> None:
    """The manifest itself first (the hash the next manifest recorded for it), then what it lists: an altered
    manifest is named as the cause, not the files it now lists wrongly."""
    prefix = snapshot_prefix(day, snapshot_id, root)
    key = f"{prefix}/{MANIFEST_NAME}"
    raw = storage.read_bytes(key)
    result.manifests += 1
    digest = hashlib.sha256(raw).hexdigest()
    if key in recorded and recorded[key] != digest:
        chained = recorded[key]
        result.fail(storage.location(key), f"sha256 {digest}, but the next manifest in the chain recorded {chained}")
    try:
        manifest = Manifest.from_json(raw)
    except (ValueError, KeyError, TypeError) as error:
        result.fail(storage.location(key), f"not a readable manifest ({type(error).__name__})")
        return
    listed = {entry.path for entry in manifest.files}
    for entry in manifest.files:
        result.files += 1
        where = storage.location(f"{prefix}/{entry.path}")
        try:
            data = storage.read_bytes(f"{prefix}/{entry.path}")
        except FileNotFoundError:
            result.fail(where, "listed in the manifest but missing")
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry.sha256 or len(data) != entry.bytes:
            result.fail(where, f"sha256 {digest} ({len(data)} bytes), the manifest says {entry.sha256} ({entry.bytes})")
    for key in storage.list(prefix):
        name = key[len(prefix) + 1 :]
        if name not in listed and name not in (MANIFEST_NAME, SIGNATURE_NAME):
            result.fail(storage.location(key), "not listed in the manifest (added after the snapshot was written)")
    if manifest.signing_key is None and _predecessor_signed(storage, root, manifest):
        result.fail(
            storage.location(key),
            "not signed, but the manifest before it in the chain is: a signature was removed (a chain that was "
            "signed stays signed; turning signing_key off starts no new chain)",
        )
    _verify_signature(storage, prefix, raw, manifest.signing_key, public_key, result)
    _verify_link(storage, prefix, root, day, snapshot_id, manifest, raw, result)


def _predecessor_signed(storage: Storage, root: str, manifest: Manifest) -> bool:
    """Whether the manifest this one links to names a signing key: the newest manifest of a chain has no
    successor to vouch for it, so stripping its signature must not turn it into an unsigned, unchecked one."""
    link = manifest.previous_manifest
    if not link:
        return False
    linked_day = date.fromisoformat(link["partition_date"])
    previous = f"{snapshot_prefix(linked_day, link['snapshot_id'], root)}/{MANIFEST_NAME}"
    try:
        return bool(json.loads(storage.read_bytes(previous)).get("signing_key"))
    except (FileNotFoundError, ValueError, AttributeError):
        return False  # a missing or unreadable predecessor is reported by the link check


def _verify_signature(
    storage: Storage,
    prefix: str,
    raw: bytes,
    signed_by: str | None,
    public_key: Ed25519PublicKey | None,
    result: Verification,
) -> None:
    where = storage.location(f"{prefix}/{SIGNATURE_NAME}")
    if signed_by is None:
        return
    try:
        signature = storage.read_bytes(f"{prefix}/{SIGNATURE_NAME}")
    except FileNotFoundError:
        result.fail(where, f"missing: the manifest says it is signed by {signed_by}")
        return
    _check_signature(where, raw, signature, signed_by, public_key, result)


def _check_signature(
    where: str,
    data: bytes,
    signature: bytes,
    signed_by: str | None,
    public_key: Ed25519PublicKey | None,
    result: Verification,
) -> None:
    if public_key is None:
        result.notes.append(f"{where}: signed by {signed_by or 'a key'}, not checked (no public key given)")
        return
    if signed_by is not None and fingerprint(public_key) != signed_by:
        result.fail(where, f"signed by {signed_by}, not by the given key {fingerprint(public_key)}")
    elif not signature_valid(public_key, data, signature):
        result.fail(where, f"the signature does not match (key {fingerprint(public_key)})")


def _verify_link(
    storage: Storage,
    prefix: str,
    root: str,
    day: date,
    snapshot_id: str,
    manifest: Manifest,
    raw: bytes,
    result: Verification,
) -> None:
    """The manifest's link to the snapshot before it: still there, still the same bytes; and a manifest that
    says it is the first must not have earlier snapshots beside it."""
    where = storage.location(f"{prefix}/{MANIFEST_NAME}")
    link = manifest.previous_manifest
    if link is None:
        chained = b'"previous_manifest"' in raw
        if chained and _earlier_exists(storage, root, day, snapshot_id):
            result.fail(where, "claims to be the first of the chain, but earlier snapshots are stored")
        return
    linked_day = date.fromisoformat(link["partition_date"])
    previous = f"{snapshot_prefix(linked_day, link['snapshot_id'], root)}/{MANIFEST_NAME}"
    try:
        digest = hashlib.sha256(storage.read_bytes(previous)).hexdigest()
    except FileNotFoundError:
        result.fail(
            storage.location(previous),
            f"missing: the chain breaks here (the manifest of {day} {snapshot_id} links to it)",
        )
        return
    if digest != link["sha256"] and _stored_day(previous, result.days):
        return  # named when that manifest itself was checked, before the files it lists
    if digest != link["sha256"]:
        result.fail(
            storage.location(previous), f"sha256 {digest}, but the next manifest in the chain recorded {link['sha256']}"
        )


def _stored_day(key: str, days: list[date]) -> bool:
    """Whether the manifest at `key` belongs to one of the days being verified."""
    return any(f"/{day.isoformat()}/" in f"/{key}" for day in days)


def _recorded_links(storage: Storage) -> dict[str, str]:
    """Manifest key → the sha256 the next manifest in its chain recorded for it, over every stored day: what a
    manifest's bytes are checked against before anything it lists is trusted."""
    recorded: dict[str, str] = {}
    for day in stored_days(storage):
        for root in ROOTS:
            for snapshot_id in list_snapshots(storage, day, root):
                try:
                    link = json.loads(storage.read_bytes(f"{snapshot_prefix(day, snapshot_id, root)}/{MANIFEST_NAME}"))
                    previous = link.get("previous_manifest")
                    if previous:
                        linked = date.fromisoformat(previous["partition_date"])
                        where = f"{snapshot_prefix(linked, previous['snapshot_id'], root)}/{MANIFEST_NAME}"
                        recorded[where] = str(previous["sha256"])
                except (OSError, ValueError, KeyError, TypeError, AttributeError):
                    continue  # an unreadable manifest is reported where it is checked
    return recorded


def _earlier_exists(storage: Storage, root: str, day: date, snapshot_id: str) -> bool:
    for name in storage.children(root):
        try:
            other = date.fromisoformat(name)
        except ValueError:
            continue
        if other < day and list_snapshots(storage, other, root):
            return True
    return any(sid < snapshot_id for sid in list_snapshots(storage, day, root))


def _verify_inputs(storage: Storage, day: date, result: Verification) -> None:
    try:
        note = source_note(storage, day)
    except FileNotFoundError:
        return
    except ValueError as error:  # not JSON (a flipped byte): the citations it holds cannot be checked
        where = storage.location(source_snapshot_key(day))
        result.fail(where, f"not readable ({type(error).__name__}): the inputs it cites cannot be checked")
        return
    for items in (note.get("inputs") or {}).values():
        for item in items:
            key = str(item["path"])
            where = key if Path(key).is_absolute() else storage.location(key)
            try:
                data = Path(key).read_bytes() if Path(key).is_absolute() else storage.read_bytes(key)
            except (FileNotFoundError, OSError):
                result.fail(where, f"missing: the inventory of {day} cites it")
                continue
            result.files += 1
            digest = hashlib.sha256(data).hexdigest()
            if digest == item["sha256"]:
                continue
            owner = _rerun_that_rewrote(storage, key, digest)
            if owner is not None:
                result.notes.append(
                    f"{where}: rewritten when {owner} was re-run after {day} was judged with its earlier version"
                )
                continue
            result.fail(where, f"sha256 {digest}, the inventory of {day} cites {item['sha256']}")


def _rerun_that_rewrote(storage: Storage, key: str, digest: str) -> date | None:
    """The day whose own (re-run) inventory wrote an activity-history file with these very bytes: a later day's
    citation of the earlier bytes is then history rewritten on purpose, not an edit. None: not history, or no
    inventory vouches for these bytes."""
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != ACTIVITY_PREFIX:
        return None
    try:
        owner = date.fromisoformat(parts[1])
        written = source_note(storage, owner).get("activity_history_written") or []
    except (FileNotFoundError, ValueError):
        return None
    return owner if any(w.get("path") == key and w.get("sha256") == digest for w in written) else None


def _verify_report(
    folder: Path, public_key: Ed25519PublicKey | None, result: Verification, storage: Storage | None = None
) -> None:
    result.reports += 1
    checksums = folder / CHECKSUMS
    if not checksums.is_file():
        result.fail(
            str(folder),
            f"no {CHECKSUMS}: not a sealed report folder (one is output_dir/<date>/), "
            "or a day published before reports were sealed (republish it)",
        )
        return
    body = checksums.read_bytes()
    listed = parse_checksums(body.decode("utf-8"))
    for name, expected in listed.items():
        path = folder / name
        if not path.is_file():
            result.fail(str(path), f"listed in {CHECKSUMS} but missing")
            continue
        result.files += 1
        digest = file_sha256(path)
        if digest != expected:
            result.fail(str(path), f"sha256 {digest}, {CHECKSUMS} says {expected}")
    for name in sorted(set(report_files(folder)) - set(listed)):
        result.fail(str(folder / name), f"not listed in {CHECKSUMS} (added after the report was published)")
    provenance = _provenance(folder)
    signature = folder / CHECKSUMS_SIGNATURE
    signed_by = provenance.get("signing_key")
    if signature.is_file():
        _check_signature(str(signature), body, signature.read_bytes(), signed_by, public_key, result)
    elif signed_by or public_key is not None:
        result.fail(
            str(signature),
            "missing: the report is not signed" + (f" (provenance names {signed_by})" if signed_by else ""),
        )
    if storage is not None and provenance.get("snapshot_manifest"):
        _verify_report_snapshot(storage, folder, provenance, result)


def _provenance(folder: Path) -> dict:
    try:
        return json.loads((folder / PROVENANCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _verify_report_snapshot(storage: Storage, folder: Path, provenance: dict, result: Verification) -> None:
    """The snapshot the report was built from is still stored, byte for byte; so are the inventory note and the
    probe-run manifests its provenance anchors (reports published before those anchors name only the snapshot)."""
    anchored = [(str(provenance["snapshot_manifest"]), provenance.get("snapshot_manifest_sha256"))]
    note = provenance.get("inventory_note")
    anchored += [(str(note["path"]), note["sha256"])] if note else []
    anchored += [(str(run["path"]), run["sha256"]) for run in provenance.get("probe_runs") or []]
    for key, expected in anchored:
        try:
            digest = hashlib.sha256(storage.read_bytes(key)).hexdigest()
        except FileNotFoundError:
            result.fail(storage.location(key), f"missing: the report {folder.name} was built from it")
            continue
        if digest != expected:
            result.fail(storage.location(key), f"sha256 {digest}, the report {folder.name} was built from {expected}")


def verify_report_folder(folder: Path, public_key: Ed25519PublicKey | None = None) -> Verification:
    """A report folder on its own: its SHA256SUMS, unlisted files, and (with the public key) its signature."""
    result = Verification()
    _verify_report(folder, public_key, result)
    return result


def describe(result: Verification) -> Iterator[str]:
    """The outcome in lines: each mismatch (the first first), then what was checked."""
    yield from (f"MISMATCH {mismatch}" for mismatch in result.mismatches)
    yield from result.notes
    days = (
        f"{result.days[0]} to {result.days[-1]}"
        if len(result.days) > 1
        else (str(result.days[0]) if result.days else "")
    )
    scope = f" over {len(result.days)} stored day{'s' * (len(result.days) != 1)} ({days})" if result.days else ""
    verdict = (
        "every hash matches"
        if result.ok
        else f"{len(result.mismatches)} mismatch{'es' * (len(result.mismatches) != 1)}"
    )
    yield (
        f"verified {result.files} files, {result.manifests} manifests and {result.reports} "
        f"report{'s' * (result.reports != 1)}{scope}: {verdict}"
    )
