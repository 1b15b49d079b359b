"""Reading the reviewed YAML files (configuration, baseline, waivers, framework catalogue) with one kind of error.

Every such file is edited by people; a problem must come back as one line naming the file and, for bad YAML,
the line and column — raised as the caller's own error type so each command reports it the same way.
"""

from __future__ import annotations

from pathlib import Path

import yaml


def parse_yaml_text(text: str, source: str, error: type[Exception]) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(f"{source}: not valid YAML{where}") from None


def read_yaml_file(path: Path, what: str, error: type[Exception]) -> object:
    """Parse `path`; unreadable → "cannot read <what> (reason)", malformed → "not valid YAML at line …"."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as problem:
        raise error(f"{path}: cannot read {what} ({problem.strerror})") from None
    return parse_yaml_text(text, str(path), error)
