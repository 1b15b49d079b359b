"""Reading the reviewed YAML files (configuration, baseline, waivers, framework catalogue) with one kind of error.

Every such file is edited by people; a problem must come back as one line naming the file and, for bad YAML,
the line and column — raised as the caller's own error type so each command reports it the same way. The
same holds for a well-formed file whose content pydantic rejects: `describe_validation_error` phrases it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError


def field_path(location: Sequence[Any], empty: str = "(top level)") -> str:
    """A pydantic error location as the dotted field a person edits ("accounts.0.role_arn")."""
    return ".".join(str(part) for part in location) or empty


def problem_message(problem: Mapping[str, Any]) -> str:
    """A pydantic problem's message without the "Value error, " prefix our own validators' messages get."""
    return str(problem["msg"]).removeprefix("Value error, ")


def describe_validation_error(
    error: ValidationError,
    where: str,
    *,
    empty: str = "(top level)",
    count_more: bool = True,
    model: type[BaseModel] | None = None,
) -> str:
    """One line for the first problem: "<where>: field '<field>': <message>", plus "(and N more problems)"."""
    lines = validation_problems(error, where, empty=empty, model=model)
    more = len(lines) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if count_more and more else ""
    return lines[0] + suffix


def validation_problems(
    error: ValidationError, where: str, *, empty: str = "(top level)", model: type[BaseModel] | None = None
) -> list[str]:
    """Every problem as its own line, "<where>: field '<field>': <message>" (what `check-config` lists). With the
    `model` validated, a misspelled field says which field was meant ("did you mean 'accounts'?")."""
    return [f"{where}: field '{field_path(p['loc'], empty)}': {_message(p, model)}" for p in error.errors()]


def _message(problem: Mapping[str, Any], model: type[BaseModel] | None) -> str:
    if problem.get("type") != "extra_forbidden" or model is None or not problem["loc"]:
        return problem_message(problem)
    *parent, name = problem["loc"]
    known = _field_names(model, parent)
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6) if known else []
    return f"did you mean '{close[0]}'?" if close else "not a setting here (" + ", ".join(known or []) + ")"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (`X`, `X | None`, `list[X]`, `Annotated[X, …]`), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _field_names(model: type[BaseModel], location: Sequence[Any]) -> list[str]:
    """The fields allowed at a location of the validated document (list indexes step into the list's model)."""
    annotation: Any = model
    for part in location:
        if isinstance(part, int):
            continue
        current = _model_in(annotation)
        if current is None or part not in current.model_fields:
            return []
        annotation = current.model_fields[part].annotation
    current = _model_in(annotation)
    return list(current.model_fields) if current is not None else []


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
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as problem:
        raise error(f"{path}: cannot read {what} ({problem.strerror})") from None
    except UnicodeDecodeError as problem:
        raise error(
            f"{path}: cannot read {what}: not UTF-8 (byte at offset {problem.start}); save the file as UTF-8"
        ) from None
    return parse_yaml_text(text, str(path), error)
