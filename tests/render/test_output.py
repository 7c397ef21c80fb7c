"""Rendering: rich tables on a terminal, plain columns when piped, the versioned envelope."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
from ruamel.yaml import YAML

from kubectl_datamodel import contract, model
from kubectl_datamodel.render import output, text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


TABLE = model.Table.of(["NAME", "COUNT"], [["cert-manager", "6"], ["kafka", "10"]], title="CRDs")


def test_plain_columns_when_piped():
    stream = io.StringIO()
    output.write_tables([TABLE], stream, color=False)
    assert stream.getvalue() == "NAME           COUNT\ncert-manager   6\nkafka          10\n"


def test_a_terminal_without_color_gets_the_same_columns_as_a_pipe():
    """kubectl's columns everywhere: no boxes, nothing folded, no escape sequences."""
    terminal, pipe = Terminal(), io.StringIO()
    output.write_tables([TABLE], terminal, color=False)
    output.write_tables([TABLE], pipe, color=False)
    assert terminal.getvalue() == pipe.getvalue()
    assert "\x1b[" not in terminal.getvalue() and "│" not in terminal.getvalue()


def test_several_plain_tables_are_titled_and_empty_ones_say_so():
    stream = io.StringIO()
    empty = model.Table.of(["NAME"], [], title="ClusterServiceVersions")
    output.write_tables([TABLE, empty], stream, color=False)
    assert stream.getvalue().endswith("\n# ClusterServiceVersions\nNo ClusterServiceVersions.\n")
    assert stream.getvalue().startswith("# CRDs\n")


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (5 * 1024**2, "5.0 MiB"),
        (3 * 1024**4, "3072.0 GiB"),
    ],
)
def test_human_bytes(count, shown):
    assert text.human_bytes(count) == shown


def test_envelope_comes_first():
    document = contract.envelope("SnapshotList", {"items": []})
    assert list(document) == ["apiVersion", "kind", "items"]
    assert document["apiVersion"] == "kubectl-datamodel/v1"


def test_yaml_keeps_field_order():
    stream = io.StringIO()
    output.write_yaml({"b": 1, "a": [1, 2]}, stream)
    assert stream.getvalue() == "b: 1\na:\n- 1\n- 2\n"


def test_visible_escapes_a_character_beyond_the_bmp_in_eight_digits():
    """U+E0001 (a language tag, a format character) as \\U000e0001: \\ue0001 would read as
    U+E000 and a 1."""
    assert text.visible("a\U000e0001b") == "a\\U000e0001b"


def test_json_writes_what_a_terminal_acts_on_as_escapes_and_reads_back_the_same():
    """C1 controls, DEL, bidi overrides, line separators and a lone surrogate (JSON input can
    hold one) are escaped; other text stays as it is."""
    value = {"key\u202e": "\x9b31m \x7f \u2028 \U000e0001 \ud800 é 中"}
    stream = io.StringIO()
    output.write_json(value, stream)
    written = stream.getvalue()
    assert json.loads(written) == value
    assert '"key\\u202e"' in written and "é 中" in written
    assert [ch for ch in written if not ch.isprintable() and ch != "\n"] == []


def test_yaml_writes_bidi_and_format_characters_as_escapes_and_reads_back_the_same():
    """YAML counts U+202E printable and ruamel.yaml would write it raw: such a string is
    double-quoted with the character escaped; the others are written as before."""
    value = {"key\u202e": ["\u2066iso\u2069 \U000e0001 é", "plain"]}
    stream = io.StringIO()
    output.write_yaml(value, stream)
    written = stream.getvalue()
    assert YAML(typ="safe").load(written) == value
    assert [ch for ch in written if unicodedata.category(ch) == "Cf"] == []
    assert written == '"key\\u202E":\n- "\\u2066iso\\u2069 \\U000E0001 é"\n- plain\n'
