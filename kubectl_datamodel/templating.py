"""Rows rendered through a user's Jinja2 template; the only module that imports jinja2.

The environment is sandboxed: a template is code from wherever the user found it, and may
read its row, not the process. Undefined names are errors, so a misspelt column is reported
(with the row) rather than rendered as nothing.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from kubectl_datamodel import errors, report


def render(path: Path, rows: Sequence[dict[str, Any]]) -> Iterator[str]:
    """Each row through the template at `path` (columns as variables, and `row` for all)."""
    from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(
        undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    environment.filters["fromjson"] = _from_json
    environment.filters["toyaml"] = _to_yaml
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise errors.TemplateError(f"--template {path}: {exc.strerror}") from exc
    try:
        template = environment.from_string(text)
    except TemplateSyntaxError as exc:
        raise errors.TemplateError(f"{path}:{exc.lineno}: {exc.message}") from exc
    for number, row in enumerate(rows, 1):
        try:
            yield template.render(row=row, **row)
        except (TemplateError, TypeError, ValueError) as exc:
            raise errors.TemplateError(f"{path}: row {number}: {exc}") from exc


def _from_json(value: str) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"fromjson: not JSON: {str(value)[:40]!r}") from exc


def _to_yaml(value: Any) -> str:
    stream = io.StringIO()
    report.write_yaml(value, stream)
    return stream.getvalue()
