"""The framework catalogue: which controls exist, what they are called, and where they are published.

Rules cite controls by id (`controls: {framework_id: [control ids]}` in the expectation meta) and the report
prints titles and links next to each finding. Keeping the catalogue as data in `reports/frameworks/*.yaml`
lets an auditor read and correct it without touching Python, and lets a test prove that every id a rule cites
really exists. A file that does not validate stops the run with one message naming the file and the field,
because a silently dropped framework would make a report look cleaner than the evidence allows.

Where the files are found: the canonical copies live in the repository's `reports/frameworks/`. The loader
looks there first (two levels above this package, which holds for a checkout and an editable install). For an
installed wheel, which carries no `reports/` folder, it falls back to the package resource
`assurance_jobs/output/frameworks/` if the build copied the files there. One canonical copy avoids two lists
drifting apart; the fallback costs nothing when unused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assurance_jobs.assets import FRAMEWORKS, asset_folder
from assurance_jobs.yaml_files import describe_validation_error, parse_yaml_text

FRAMEWORK_IDS: tuple[str, ...] = (
    "owasp-nhi-top10-2025",
    "cis-aws-foundations-3.0.0",
    "nist-800-53r5",
    "nist-800-63b",
    "nist-800-207",
    "soc2-tsc-2017",
    "iso27001-2022",
    "pci-dss-4.0.1",
    "nist-csf-2.0",
    "cis-kubernetes-1.10",
    "owasp-llm-top10-2025",
)
"""The frameworks the design names, in the order the report shows them."""

_FRAMEWORK_ID = re.compile(r"^[a-z0-9][a-z0-9.-]*$")

EntryKind = Literal["control", "risk", "recommendation", "requirement", "criterion", "tenet", "subcategory"]


class CatalogueError(Exception):
    """A catalogue problem, phrased for the person who edits the YAML files."""


class UnknownControlError(CatalogueError, KeyError):
    """A framework or control id that the catalogue does not hold."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _https(url: str) -> str:
    if not url.startswith("https://"):
        raise ValueError("must be an https:// link")
    return url


class Control(_Strict):
    """One control (or risk, tenet, requirement…) with a paraphrased description and a link to the text."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    link: str

    @field_validator("link")
    @classmethod
    def _link_is_https(cls, link: str) -> str:
        return _https(link)


class Framework(_Strict):
    """One published framework at one version; `kind` tells the report what to call its entries."""

    id: str = Field(pattern=_FRAMEWORK_ID.pattern)
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    source: str
    note: str | None = None
    kind: EntryKind = "control"
    controls: tuple[Control, ...] = Field(min_length=1)

    @field_validator("source")
    @classmethod
    def _source_is_https(cls, source: str) -> str:
        return _https(source)

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_text(cls, version: object) -> object:
        """YAML reads `version: 2.0` as a float; demand quotes so "2.10" never becomes 2.1."""
        if not isinstance(version, str):
            raise ValueError('must be a quoted string, e.g. version: "2.0"')
        return version

    @field_validator("controls")
    @classmethod
    def _control_ids_are_unique(cls, controls: tuple[Control, ...]) -> tuple[Control, ...]:
        ids = [control.id for control in controls]
        repeated = sorted({control_id for control_id in ids if ids.count(control_id) > 1})
        if repeated:
            raise ValueError(f"control ids must be unique, repeated: {', '.join(repeated)}")
        return controls

    def control(self, control_id: str) -> Control:
        for control in self.controls:
            if control.id == control_id:
                return control
        known = ", ".join(control.id for control in self.controls)
        raise UnknownControlError(f"{self.id} has no control '{control_id}' (known: {known})")

    def has(self, control_id: str) -> bool:
        return any(control.id == control_id for control in self.controls)


class Catalogue:
    """All loaded frameworks, keyed by id, in the design's order (any extra frameworks after, sorted)."""

    def __init__(self, frameworks: Iterable[Framework]) -> None:
        by_id = {framework.id: framework for framework in frameworks}
        order = [fid for fid in FRAMEWORK_IDS if fid in by_id] + sorted(set(by_id) - set(FRAMEWORK_IDS))
        self.frameworks: dict[str, Framework] = {fid: by_id[fid] for fid in order}

    def framework(self, framework_id: str) -> Framework:
        try:
            return self.frameworks[framework_id]
        except KeyError:
            known = ", ".join(self.frameworks)
            raise UnknownControlError(f"unknown framework '{framework_id}' (known: {known})") from None

    def control(self, framework_id: str, control_id: str) -> Control:
        return self.framework(framework_id).control(control_id)

    def has(self, framework_id: str, control_id: str) -> bool:
        framework = self.frameworks.get(framework_id)
        return framework is not None and framework.has(control_id)

    def unknown_references(self, references: Mapping[str, Iterable[str]]) -> list[str]:
        """The `framework:control` pairs in a rule's `controls` meta that the catalogue does not hold."""
        return [
            f"{framework_id}:{control_id}"
            for framework_id, control_ids in references.items()
            for control_id in control_ids
            if not self.has(framework_id, control_id)
        ]


def _parse_yaml(text: str, source: str) -> object:
    return parse_yaml_text(text, source, CatalogueError)


def parse_framework(data: object, source: str, expected_id: str | None = None) -> Framework:
    """Validate one parsed framework file; `expected_id` is the file stem the id must equal."""
    if not isinstance(data, dict):
        raise CatalogueError(f"{source}: expected a mapping with id, name, version, source and controls")
    try:
        framework = Framework.model_validate(data)
    except ValidationError as error:
        raise CatalogueError(describe_validation_error(error, source)) from None
    if expected_id is not None and framework.id != expected_id:
        message = f"'{framework.id}' must match the file name '{expected_id}'"
        raise CatalogueError(f"{source}: field 'id': {message}")
    return framework


def _framework_files(folder: Traversable) -> list[Traversable]:
    return sorted((item for item in folder.iterdir() if item.name.endswith(".yaml")), key=lambda f: f.name)


def _default_folder() -> Traversable:
    packaged = asset_folder(FRAMEWORKS)
    if not packaged.is_dir():
        raise CatalogueError(f"no framework catalogue found: looked in {packaged}")
    return packaged


def load_catalogue(folder: Path | None = None) -> Catalogue:
    """Read every `<framework_id>.yaml` in `folder` (default: the packaged reports/frameworks)."""
    root: Traversable = _default_folder() if folder is None else folder
    if not root.is_dir():
        raise CatalogueError(f"{root}: not a folder of framework files")
    files = _framework_files(root)
    if not files:
        raise CatalogueError(f"{root}: no framework files (*.yaml) found")
    frameworks = []
    for file in files:
        source = str(file)
        data = _parse_yaml(file.read_text(encoding="utf-8"), source)
        frameworks.append(parse_framework(data, source, expected_id=file.name.removesuffix(".yaml")))
    return Catalogue(frameworks)
