"""Quantities compare by value, as the API server writes them."""

from __future__ import annotations

import pytest

from kubectl_datamodel.k8s import quantities


@pytest.mark.parametrize(
    ("given", "expected"),
    [("1000m", "1"), ("1", "1"), (1, "1"), ("500m", "0.5"), ("0.5", "0.5"), ("1Ki", "1024"),
     ("1Gi", "1073741824"), ("1024Mi", "1073741824"), ("2k", "2000"), ("1e3", "1000"),
     ("100n", "0.0000001"), (".5", "0.5")],
)  # fmt: skip
def test_equal_quantities_have_one_canonical_form(given, expected):
    assert quantities.canonical(given) == expected


@pytest.mark.parametrize("given", ["lots", "1Xi", "", None, {"cpu": 1}, "1.2.3"])
def test_what_is_not_a_quantity_is_left_as_it_is(given):
    assert quantities.canonical(given) == given
