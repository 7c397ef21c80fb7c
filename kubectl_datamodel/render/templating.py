"""Jinja2 templates; the only module that imports jinja2.

``render``: rows through a user's template. The environment is sandboxed: a template is code
from wherever the user found it, and may read its row, not the process. Undefined names are
errors, so a misspelt column is reported (with the row) rather than rendered as nothing. Values
are printed as they are, since the template decides the format (YAML, a shell line), except in
a template for HTML or XML (``rows.html``, ``rows.html.j2``), which autoescapes them: Jinja's
own convention, so that a cluster value cannot add a tag to the page.

``render_html``: one of our own templates, shipped in the package's ``templates/`` folder,
with HTML autoescaping on: every value is shown ``text.visible`` and escaped unless the template
marks it ``|safe``.
"""

from __future__ import annotations

import functools
import importlib.resources
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubectl_datamodel import documents, errors
from kubectl_datamodel.render import text

if TYPE_CHECKING:
    from jinja2 import Template


def render(path: Path, rows: Sequence[dict[str, Any]]) -> Iterator[str]:
    """Each row through the template at `path` (columns as variables, and `row` for all)."""
    from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(
        undefined=StrictUndefined, keep_trailing_newline=True, autoescape=_writes_markup(path)
    )
    environment.filters["fromjson"] = _from_json
    environment.filters["toyaml"] = _to_yaml
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise errors.TemplateError(f"--template {path}: {exc.strerror}") from exc
    try:
        template = environment.from_string(source)
    except TemplateSyntaxError as exc:
        raise errors.TemplateError(f"{path}:{exc.lineno}: {exc.message}") from exc
    for number, row in enumerate(rows, 1):
        try:
            yield template.render(row=row, **row)
        except (TemplateError, TypeError, ValueError, OverflowError, RecursionError) as exc:
            raise errors.TemplateError(f"{path}: row {number}: {exc}") from exc


MARKUP_SUFFIXES = (".html", ".htm", ".xml")  # what Jinja's select_autoescape escapes
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")


def _writes_markup(path: Path) -> bool:
    """Whether the template at ``path`` writes HTML or XML, by its name: ``page.html``,
    ``page.html.j2``."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] in TEMPLATE_SUFFIXES:
        suffixes.pop()
    return bool(suffixes) and suffixes[-1] in MARKUP_SUFFIXES


def render_html(name: str, context: Mapping[str, Any]) -> str:
    """The package's template ``templates/NAME`` rendered with ``context``, autoescaped."""
    return _packaged(name).render(**context)


@functools.cache
def _packaged(name: str) -> Template:
    from jinja2 import Environment, StrictUndefined

    try:
        resource = importlib.resources.files("kubectl_datamodel.render") / "templates" / name
        source = resource.read_text(encoding="utf-8")
    except OSError as exc:
        raise errors.TemplateError(
            f"template {name} is missing from this installation of kubectl-datamodel "
            f"({exc.strerror}); reinstall it"
        ) from exc
    environment = Environment(
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_shown,
    )
    return environment.from_string(source)


def _shown(value: Any) -> Any:
    """What every ``{{ }}`` of our pages prints: ``text.visible`` (one line, control and bidi
    characters as escapes, so none can reorder the page's text), then autoescaped. Markup the
    page made itself (an inline SVG chart, marked ``|safe``) is kept as it is."""
    if hasattr(value, "__html__"):
        return value
    return text.visible(value)


def _from_json(value: str) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"fromjson: not JSON: {str(value)[:40]!r}") from exc


def _to_yaml(value: Any) -> str:
    stream = io.StringIO()
    documents.dump_yaml(value, stream)
    return stream.getvalue()
