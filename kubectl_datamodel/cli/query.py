"""`kubectl datamodel query`: read-only SQL over the database, as a table, JSON, YAML, CSV
or through a template."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from kubectl_datamodel import errors
from kubectl_datamodel.cli import common, flags
from kubectl_datamodel.render import output
from kubectl_datamodel.store import query

HELP = (
    "Run one SQL statement against the database, opened read-only. Besides the tables and the "
    "views crds, operators and csvs, the views "
    + ", ".join(query.VIEWS)
    + " make the common joins easy (docs/schema.md)."
)
EPILOG = (
    'kubectl datamodel query "SELECT crd, operator FROM crd_operators WHERE '
    'snapshot_id = :id" --param id=2'
)


class QueryFormat(str, enum.Enum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"
    CSV = "csv"


def query_command(
    ctx: typer.Context,
    sql: Annotated[
        str,
        typer.Argument(
            metavar="SQL", help="One SQL statement; :name takes a --param.", show_default=False
        ),
    ],
    fmt: Annotated[
        QueryFormat,
        typer.Option(
            "--output",
            "-o",
            metavar="FORMAT",
            help="table, json, yaml or csv.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = QueryFormat.TABLE,
    no_headers: flags.NoHeaders = False,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            metavar="NAME=VALUE",
            help="Binds :NAME in the statement. Repeatable.",
            show_default=False,
        ),
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            metavar="FILE",
            help="Render each row through this Jinja2 template (sandboxed).",
            show_default=False,
        ),
    ] = None,
    separator: Annotated[
        str,
        typer.Option(
            "--separator",
            metavar="TEXT",
            help="Written between rendered rows (default: a --- line, for YAML documents).",
            show_default=False,
        ),
    ] = "---\n",
    db_path: flags.DbPath = None,
) -> None:
    from kubectl_datamodel.render import snapshots, templating

    params = dict(_parameter(p) for p in param or ())
    result = query.run(common.db_path(ctx, db_path), sql, params)
    if template is not None:
        rendered = templating.render(template, result.items())
        sys.stdout.write(separator.join(rendered))
    elif fmt is QueryFormat.TABLE:
        common.print_tables([snapshots.query_table(result.columns, result.rows)], not no_headers)
    elif fmt is QueryFormat.CSV:
        output.write_csv(result.columns, result.rows, sys.stdout)
    else:
        document = snapshots.query_document(result.columns, result.items())
        common.print_document(document, output.Format(fmt.value))


def _parameter(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise errors.UsageError(f"--param takes NAME=VALUE, not {text!r}")
    return name, value
