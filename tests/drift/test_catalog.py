"""Every rule has its why: one line in ``drift.rules.catalog``, the same line in docs/drift.md,
and no line for a rule that no longer exists.

The rule ids are found two ways, so that a new rule without a why fails here whether or not the
test data reaches it: read from the rules' source (the literal ids, the templates that build
the others, the prefixes of ``Subject.presence``; and ``drift.scope``, whose one rule lists what
manifests do not declare), and collected from every change the real upgrades give
(``real_changes``). Each way checks the other: what the data gives must be what the source
says.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubectl_datamodel.drift import changes, rules, scope
from kubectl_datamodel.drift.rules import catalog, schema
from tests.support.paths import ROOT

SOURCES = (
    *sorted(p for p in Path(rules.__file__).parent.glob("*.py") if p.name != "catalog.py"),
    Path(changes.__file__),
    Path(scope.__file__),
)
DOCS = ROOT / "docs" / "drift.md"
# The calls a rule id is handed to as the first argument: Subject.change, Subject.presence (a
# prefix), schema.Found.add (and its alias ``add``), the operators' _Operator.change.
BUILDERS = ("change", "presence", "add")
PRESENCE = (changes.Action.ADDED.value, changes.Action.REMOVED.value)


def _calls(tree: ast.AST) -> Iterator[tuple[str, ast.expr]]:
    """(builder, first argument) of every call of a rule builder."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in BUILDERS:
                yield name, node.args[0]


TREES = {path.name: ast.parse(path.read_text(encoding="utf-8")) for path in SOURCES}
PREFIXES = sorted(
    {
        arg.value
        for tree in TREES.values()
        for builder, arg in _calls(tree)
        if builder == "presence" and isinstance(arg, ast.Constant)
    }
)
# The ids built from a template (an f-string handed to a builder), by template: the values its
# blank takes. A new template fails test_the_rules_build_ids_from_known_templates_only until it
# is listed here.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "{prefix}.{action.value}": tuple(f"{p}.{a}" for p in PREFIXES for a in PRESENCE),
    "schema.{key}": tuple(
        f"schema.{key}" for key in (*schema.TEXT_RULES, *schema.UPPER_BOUNDS, *schema.LOWER_BOUNDS)
    ),
    "csv.{field}": ("csv.owned", "csv.required"),  # csvs._api_changes' fields
    "node.{field}": ("node.capacity", "node.allocatable"),  # extras._capacity's fields
}
OTHER_PREFIXES = ("schema", "scope")  # rule ids not built by presence
_ALTERNATIVES = "|".join(map(re.escape, (*PREFIXES, *OTHER_PREFIXES)))
RULE_ID = re.compile(rf"(?:{_ALTERNATIVES})(?:\.[A-Za-z][\w-]*)+")


def _templates() -> set[str]:
    return {
        ast.unparse(arg)[2:-1]  # f'...' -> ...
        for tree in TREES.values()
        for _, arg in _calls(tree)
        if isinstance(arg, ast.JoinedStr)
    }


def _source_ids() -> set[str]:
    """Every rule id the rules' source can give: its literal ids (a rule is often picked into
    a variable first, so every string that reads as one counts), and the templates' ids."""
    literal = {
        node.value
        for tree in TREES.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and RULE_ID.fullmatch(node.value)
    }
    return literal | {rule for template in _templates() for rule in TEMPLATES[template]}


SOURCE_IDS = _source_ids()


def _doc_whys() -> Iterator[tuple[str, str]]:
    """(rule id, why) of every row of docs/drift.md's rule tables; a row may name several ids
    (`schema.maximum`, `schema.maxLength`...) sharing one why."""
    why_column = None
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if not line.startswith("|"):
            why_column = None
        elif cells[0] == "rule id":
            assert cells[-1] == "why", f"a rule table without a why column: {line}"
            why_column = len(cells) - 1
        elif why_column is not None and not set(cells[0]) <= set("-"):
            for rule in re.findall(r"`([^`]+)`", cells[0]):
                yield rule, cells[why_column]


def test_the_rules_build_ids_from_known_templates_only() -> None:
    assert _templates() == set(TEMPLATES)


def test_the_source_and_the_real_upgrades_agree_on_the_rule_ids(real_changes) -> None:
    """What the data gives is a subset of what the source gives: the source reading is whole."""
    assert sorted({c.rule for c in real_changes} - SOURCE_IDS) == []


def test_every_rule_the_source_can_give_has_a_why() -> None:
    assert sorted(rule for rule in SOURCE_IDS if not catalog.why(rule)) == []


def test_every_rule_the_real_upgrades_give_has_a_why(real_changes) -> None:
    assert sorted({c.rule for c in real_changes if not catalog.why(c.rule)}) == []


def test_no_why_is_kept_for_a_rule_that_no_longer_exists() -> None:
    assert sorted(catalog.WHY.keys() - SOURCE_IDS) == []


@pytest.mark.parametrize("rule", sorted(catalog.WHY))
def test_a_why_is_one_line_of_plain_words(rule: str) -> None:
    """Plain, so every renderer shows it as it is: no Markdown, no trailing full stop."""
    why = catalog.WHY[rule]
    assert why.strip() == why and why and "\n" not in why
    assert not re.search(r"[`*|<>]", why) and not why.endswith(".")


def test_docs_give_every_rule_the_same_why() -> None:
    documented: dict[str, str] = {}
    for rule, why in _doc_whys():
        assert documented.setdefault(rule, why) == why, f"{rule} is documented twice"
    assert sorted(documented.keys() ^ catalog.WHY.keys()) == []
    assert {r: w for r, w in documented.items() if w != catalog.WHY[r]} == {}


def test_an_unknown_rule_has_no_why() -> None:
    assert catalog.why("crd.no-such-rule") == ""
