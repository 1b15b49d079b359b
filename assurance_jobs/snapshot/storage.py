"""Where snapshots and other artefacts live: a local folder or `s3://bucket/prefix`, behind one protocol.

Why a protocol and not fsspec: the store needs exactly two guarantees that generic file systems blur —
a local directory that appears in one `os.rename`, and an S3 commit marker written last — plus plain
byte reads/writes for the other parts (inventory Parquet, reports). Keys are '/'-separated and relative.
Names starting with '.' are in-flight temporaries: they are never listed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

import boto3
from botocore.exceptions import ClientError

STALE_TEMP_SECONDS = 3600


class Storage(Protocol):
    """Byte storage addressed by relative '/'-separated keys."""

    root: str

    def write_bytes(self, key: str, data: bytes) -> None:
        """Write one object; readers see the old bytes or the new, never a torn file."""

    def read_bytes(self, key: str) -> bytes:
        """Raise FileNotFoundError when the key is absent."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> list[str]:
        """Every file key under `prefix` (recursive, sorted), temporaries excluded."""
        ...

    def children(self, prefix: str = "") -> list[str]:
        """Immediate child names under `prefix` (folders and files, sorted), temporaries excluded."""
        ...

    def publish(self, prefix: str, files: Mapping[str, bytes], commit_key: str) -> None:
        """Make `files` (keys relative to `prefix`) visible together, read-only; `commit_key` is written last."""

    def location(self, key: str = "") -> str:
        """A human-readable address (path or s3:// URL) for messages and Snapshot.location."""
        ...


def storage_for(root: str) -> Storage:
    """LocalStorage for a folder, S3Storage for `s3://bucket/prefix`."""
    return S3Storage(root) if root.startswith("s3://") else LocalStorage(root)


def check_key(key: str) -> str:
    """Refuse keys that could escape the root; relative '/'-separated keys only."""
    parts = PurePosixPath(key).parts
    if not key or key.startswith("/") or "\\" in key or any(part in ("..", ".") for part in parts):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


def _hidden(key: str) -> bool:
    return any(part.startswith(".") for part in key.split("/"))


READ_ONLY = 0o444
"""Mode of every file of a published (immutable) folder: evidence is not edited in place, even by accident."""


def _write_durably(path: Path, data: bytes) -> None:
    """Write and fsync one file (module-level so tests can simulate a crash mid-snapshot)."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class LocalStorage:
    """A local folder; multi-file publishes are a hidden temp directory renamed into place."""

    def __init__(self, root: str | Path) -> None:
        self.root = str(root)
        self._root = Path(root).expanduser()

    def _path(self, key: str) -> Path:
        return self._root.joinpath(*check_key(key).split("/"))

    def location(self, key: str = "") -> str:
        return str(self._path(key) if key else self._root)

    def write_bytes(self, key: str, data: bytes) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            _write_durably(temp, data)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
        _fsync_dir(target.parent)

    def read_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> list[str]:
        base = self._path(prefix) if prefix else self._root
        if not base.is_dir():
            return []
        keys = (path.relative_to(self._root).as_posix() for path in base.rglob("*") if path.is_file())
        return sorted(key for key in keys if not _hidden(key))

    def children(self, prefix: str = "") -> list[str]:
        base = self._path(prefix) if prefix else self._root
        if not base.is_dir():
            return []
        return sorted(child.name for child in base.iterdir() if not child.name.startswith("."))

    def publish(self, prefix: str, files: Mapping[str, bytes], commit_key: str) -> None:
        final = self._path(prefix)
        if final.exists():
            raise FileExistsError(f"{final} already exists; snapshots are immutable")
        final.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(final.parent)
        temp = final.with_name(f".{final.name}.tmp")
        temp.mkdir()
        try:
            for key in _commit_last(files, commit_key):
                path = temp.joinpath(*check_key(key).split("/"))
                path.parent.mkdir(parents=True, exist_ok=True)
                _write_durably(path, files[key])
                path.chmod(READ_ONLY)
            for folder in {temp, *(p.parent for p in temp.rglob("*") if p.is_file())}:
                _fsync_dir(folder)
            os.rename(temp, final)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        _fsync_dir(final.parent)


def _commit_last(files: Mapping[str, bytes], commit_key: str) -> list[str]:
    if commit_key not in files:
        raise ValueError(f"commit key {commit_key!r} is not among the files to publish")
    return [key for key in sorted(files) if key != commit_key] + [commit_key]


def _remove_stale_temps(folder: Path) -> None:
    """Clear `.*.tmp` dirs left by crashed writers more than an hour ago (younger ones may still be live)."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for child in folder.iterdir():
        is_temp = child.name.startswith(".") and child.name.endswith(".tmp") and child.is_dir()
        if is_temp and child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)


class S3Storage:
    """`s3://bucket/prefix`; multi-file publishes write data objects first and the commit marker last."""

    def __init__(self, root: str, client: Any | None = None) -> None:
        bucket, _, prefix = root.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError(f"an s3:// storage root needs a bucket: {root!r}")
        self.root = root
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:  # created lazily so the ambient credentials / AWS_ENDPOINT_URL apply
            self._client = boto3.Session().client("s3")
        return self._client

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _folder(self, prefix: str) -> str:
        if prefix:
            return self._key(prefix.rstrip("/")) + "/"
        return f"{self.prefix}/" if self.prefix else ""

    def location(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{self._key(key) if key else self.prefix}".rstrip("/")

    def write_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def read_bytes(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(self.location(key)) from error
            raise
        return response["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def list(self, prefix: str = "") -> list[str]:
        folder = self._folder(prefix)
        strip = len(self._folder(""))
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=folder):
            keys.extend(item["Key"][strip:] for item in page.get("Contents", []))
        return sorted(key for key in keys if not _hidden(key))

    def children(self, prefix: str = "") -> list[str]:
        folder = self._folder(prefix)
        names: set[str] = set()
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=folder, Delimiter="/"):
            names.update(item["Prefix"][len(folder) :].rstrip("/") for item in page.get("CommonPrefixes", []))
            names.update(item["Key"][len(folder) :] for item in page.get("Contents", []))
        return sorted(name for name in names if name and not name.startswith("."))

    def publish(self, prefix: str, files: Mapping[str, bytes], commit_key: str) -> None:
        if self.exists(f"{prefix}/{commit_key}"):
            raise FileExistsError(f"{self.location(prefix)} already exists; snapshots are immutable")
        for key in _commit_last(files, commit_key):
            self.write_bytes(f"{prefix}/{key}", files[key])
