"""Loading framework files: a bad file stops the run with one message naming the file and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from assurance_jobs.output import catalogue as catalogue_module
from assurance_jobs.output.catalogue import CatalogueError, load_catalogue

GOOD = """\
id: demo-framework
name: Demo Framework
version: "1.0"
source: https://example.org/demo
controls:
  - {id: D-1, title: First, description: The first control., link: https://example.org/demo#d1}
  - {id: D-2, title: Second, description: The second control., link: https://example.org/demo#d2}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_well_formed_folder_loads_and_answers_lookups(tmp_path: Path) -> None:
    write(tmp_path, "demo-framework.yaml", GOOD)
    catalogue = load_catalogue(tmp_path)
    assert list(catalogue.frameworks) == ["demo-framework"]
    assert catalogue.control("demo-framework", "D-2").title == "Second"
    assert catalogue.frameworks["demo-framework"].kind == "control"


def test_files_that_are_not_yaml_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "demo-framework.yaml", GOOD)
    write(tmp_path, "README.md", "# notes\n")
    assert list(load_catalogue(tmp_path).frameworks) == ["demo-framework"]


def test_missing_control_title_names_the_file_and_the_field(tmp_path: Path) -> None:
    write(tmp_path, "demo-framework.yaml", GOOD.replace("title: Second, ", ""))
    with pytest.raises(CatalogueError, match=r"demo-framework\.yaml: field 'controls\.1\.title': Field required"):
        load_catalogue(tmp_path)


def test_missing_version_is_an_error_naming_version(tmp_path: Path) -> None:
    write(tmp_path, "demo-framework.yaml", GOOD.replace('version: "1.0"\n', ""))
    with pytest.raises(CatalogueError, match=r"demo-framework\.yaml: field 'version': Field required"):
        load_catalogue(tmp_path)


def test_unquoted_version_is_rejected_so_2_10_never_becomes_2_1(tmp_path: Path) -> None:
    write(tmp_path, "demo-framework.yaml", GOOD.replace('version: "1.0"', "version: 2.10"))
    with pytest.raises(CatalogueError, match=r"field 'version': must be a quoted string"):
        load_catalogue(tmp_path)


def test_unquoted_numeric_control_id_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "demo-framework.yaml", GOOD.replace("id: D-1,", "id: 1.10,"))
    with pytest.raises(CatalogueError, match=r"field 'controls\.0\.id': Input should be a valid string"):
        load_catalogue(tmp_path)


def test_unknown_field_is_rejected_by_name(tmp_path: Path) -> None:
    write(tmp_path, "demo-framework.yaml", GOOD.replace("name: Demo Framework", "name: Demo\ncolour: red"))
    with pytest.raises(CatalogueError, match=r"field 'colour': Extra inputs are not permitted"):
        load_catalogue(tmp_path)


def test_repeated_control_id_is_rejected_and_named(tmp_path: Path) -> None:
    write(tmp_path, "demo-framework.yaml", GOOD.replace("id: D-2", "id: D-1"))
    with pytest.raises(CatalogueError, match=r"field 'controls': control ids must be unique, repeated: D-1"):
        load_catalogue(tmp_path)


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    write(tmp_path, "other-name.yaml", GOOD)
    with pytest.raises(CatalogueError, match=r"other-name\.yaml: field 'id': 'demo-framework' must match"):
        load_catalogue(tmp_path)


def test_plain_http_link_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "demo-framework.yaml", GOOD.replace("https://example.org/demo#d2", "http://example.org/d2"))
    with pytest.raises(CatalogueError, match=r"field 'controls\.1\.link': must be an https:// link"):
        load_catalogue(tmp_path)


def test_framework_without_controls_is_rejected(tmp_path: Path) -> None:
    head = GOOD.split("controls:")[0]
    write(tmp_path, "demo-framework.yaml", head + "controls: []\n")
    with pytest.raises(CatalogueError, match=r"field 'controls'"):
        load_catalogue(tmp_path)


def test_broken_yaml_reports_the_line(tmp_path: Path) -> None:
    write(tmp_path, "demo-framework.yaml", GOOD + "  - {id: D-3, title: [unclosed\n")
    with pytest.raises(CatalogueError, match=r"demo-framework\.yaml: not valid YAML at line \d+"):
        load_catalogue(tmp_path)


def test_a_file_that_is_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "demo-framework.yaml", "- just\n- a list\n")
    with pytest.raises(CatalogueError, match=r"demo-framework\.yaml: expected a mapping"):
        load_catalogue(tmp_path)


def test_empty_folder_is_an_error_not_an_empty_catalogue(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no framework files"):
        load_catalogue(tmp_path)


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="not a folder"):
        load_catalogue(tmp_path / "nowhere")


def test_default_folder_is_the_repository_reports_frameworks_through_the_package() -> None:
    repo_root = Path(__file__).resolve().parents[2]
    assert catalogue_module._default_folder().resolve() == repo_root / "reports" / "frameworks"


def test_without_the_packaged_folder_the_error_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalogue_module, "asset_folder", lambda name: tmp_path / "no-such-folder")
    with pytest.raises(CatalogueError, match=r"no framework catalogue found: looked in .*no-such-folder"):
        load_catalogue()
