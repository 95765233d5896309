"""The one rule for non-finite numbers (NaN, ±Infinity), shared by the model and the CLI."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wsnb import ValidationError
from wsnb.model._finite import non_finite_path, refuse_non_finite


@pytest.mark.parametrize(
    "value, where",
    [
        (float("nan"), ""),
        ({"a": [1, 2.5, float("inf")]}, "['a'][2]"),
        ([{"x": 1}, (0, -math.inf)], "[1][1]"),
        ({"ok": 1.0, "bad": {"deep": float("-inf")}}, "['bad']['deep']"),
    ],
)
def test_finds_where_the_non_finite_number_is(value: object, where: str) -> None:
    assert non_finite_path(value) == where
    with pytest.raises(ValidationError) as err:
        refuse_non_finite(value, what="context")
    assert err.value.message.startswith(f"context{where} is ")


def test_cycles_and_depth_do_not_hang() -> None:
    loop: list[object] = [1.0]
    loop.append(loop)
    assert non_finite_path(loop) is None
    deep: object = 1.0
    for _ in range(10_000):
        deep = [deep]
    assert non_finite_path(deep) is None


finite = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(finite)
def test_finite_data_passes(value: object) -> None:
    assert non_finite_path(value) is None
    refuse_non_finite(value, what="x")
