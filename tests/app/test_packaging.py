"""The suites, framework catalogue, templates and example baseline ship inside the package, read through
importlib.resources — so an installed wheel works from any folder, not only from a clone."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from assurance_jobs.assets import EXAMPLE_BASELINE, EXPECTATIONS, FRAMEWORKS, TEMPLATES, asset_folder
from assurance_jobs.evaluate.suites import DEFAULT_FOLDER
from assurance_jobs.output.html import template_dir

REPO = Path(__file__).resolve().parents[2]
TOP_LEVEL = {EXPECTATIONS: "expectations", FRAMEWORKS: "reports/frameworks", TEMPLATES: "reports/templates"}
TOP_LEVEL[EXAMPLE_BASELINE] = "baseline"


@pytest.mark.parametrize("name", sorted(TOP_LEVEL))
def test_each_asset_folder_is_found_inside_the_package_and_is_the_repository_folder(name: str) -> None:
    folder = asset_folder(name)
    assert folder.parent.resolve() != REPO or name == EXAMPLE_BASELINE
    assert str(folder).startswith(str(resources.files("assurance_jobs")))
    assert folder.resolve() == (REPO / TOP_LEVEL[name]).resolve()


def test_the_engine_and_the_report_read_their_defaults_from_the_package() -> None:
    package = str(resources.files("assurance_jobs"))
    assert str(DEFAULT_FOLDER).startswith(package)
    assert str(template_dir()).startswith(package)


def _package_data_globs() -> list[str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["tool"]["setuptools"]["package-data"]["assurance_jobs"]


@pytest.mark.parametrize("name", sorted(TOP_LEVEL))
def test_every_asset_file_is_matched_by_a_package_data_glob(name: str) -> None:
    files = [path for path in asset_folder(name).iterdir() if path.is_file()]
    assert files
    unshipped = [
        path.name for path in files if not any(fnmatch.fnmatch(f"{name}/{path.name}", g) for g in _package_data_globs())
    ]
    assert unshipped == []


def _clean_checkout(target: Path) -> Path:
    """The tracked files only (links kept as links), as a fresh clone would have them: no build/ left over from
    an earlier build can then supply files the package data globs miss."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot tell tracked files from build leftovers")
    for name in filter(None, listed.stdout.decode().split("\0")):
        source, copy = REPO / name, target / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the work tree, not yet committed
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            copy.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, copy)
    return target


def _wheel_names(tmp_path: Path) -> list[str]:
    """Build the wheel from a clean copy of the checkout with the installed setuptools (no network) and list its
    members; skipped where that setuptools cannot build wheels (before 70.1 without the `wheel` package)."""
    source = _clean_checkout(tmp_path / "src")
    script = "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))"
    built = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], cwd=source, capture_output=True, text=True, check=False
    )
    if built.returncode != 0:
        pytest.skip(f"setuptools cannot build here: {built.stderr.strip().splitlines()[-1:]}")
    wheel = tmp_path / built.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_the_wheel_carries_every_suite_framework_template_and_example(tmp_path: Path) -> None:
    names = set(_wheel_names(tmp_path))
    expected = {
        f"assurance_jobs/{name}/{path.name}"
        for name, top in TOP_LEVEL.items()
        for path in (REPO / top).iterdir()
        if path.is_file()
    }
    assert expected
    assert expected <= names, sorted(expected - names)
