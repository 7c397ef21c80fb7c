"""-l as kubectl reads it: every requirement of apimachinery's grammar, and where a malformed
selector goes wrong. tests/cli/test_conventions.py runs -l through every list command."""

from __future__ import annotations

import re

import pytest

from kubectl_datamodel.k8s import selectors

WEB = {"app": "shop", "tier": "web"}
DB = {"app": "shop", "tier": "db", "legacy": "true"}
BARE: dict[str, str] = {}


@pytest.mark.parametrize(
    ("selector", "matched"),
    [
        ("app", [WEB, DB]),
        ("!legacy", [WEB, BARE]),
        ("tier=web", [WEB]),
        ("tier==web", [WEB]),
        ("tier!=web", [DB, BARE]),  # no tier at all is not web either
        ("tier in (web,db)", [WEB, DB]),
        ("tier in ( web , cache )", [WEB]),
        ("tier notin (web)", [DB, BARE]),
        ("app=shop,tier!=db", [WEB]),
        ("app, !legacy", [WEB]),
        ("app=", []),  # an empty value: the label is there and empty
        ("example.com/role", []),
    ],
)
def test_requirements(selector, matched):
    parsed = selectors.parse(selector)
    assert [labels for labels in (WEB, DB, BARE) if parsed.matches(labels)] == matched


@pytest.mark.parametrize(
    ("selector", "where"),
    [
        ("a b", "'a b'"),
        ("tier in web", "'tier in web'"),
        ("app=shop,,x", "',x'"),
        ("tier=(web)", "'tier=(web)'"),
    ],
)
def test_a_malformed_selector_says_where(selector, where):
    with pytest.raises(ValueError, match=re.escape(f"cannot read the selector at {where}")):
        selectors.parse(selector)


def test_an_empty_selector_is_refused():
    with pytest.raises(ValueError, match="the selector is empty"):
        selectors.parse("")
