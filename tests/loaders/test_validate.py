"""The validator's fast paths give exactly what the pandas computations they replace give."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.loaders.validate import _to_numbers


def _pandas_numbers(text: list[str]) -> np.ndarray:
    """How amounts were always parsed: pandas.to_numeric, None where absent."""
    values = pd.Series([t if t != "" else None for t in text], dtype=object)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool((a.view(np.int64) == b.view(np.int64)).all())


plain = st.from_regex(r"[0-9]{1,8}(\.[0-9]{1,7})?", fullmatch=True)
spelled = st.sampled_from(
    ["", "-0", "1e3", " 12 ", "inf", "nan", "+5", ".5", "5.", "0x10", "1_000",
     "12345678901234567890", "9007199254740993", "0.1000000000000000055511151231257827",
     "١٢", "１２", "abc"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(plain, plain, st.just("")), max_size=30))
def test_plain_amounts_parse_to_the_same_doubles_as_pandas(text):
    series = pd.Series(text, dtype="str")
    got = _to_numbers(series, (series != "").to_numpy())
    assert _same_bits(got, _pandas_numbers(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(plain, spelled), max_size=30))
def test_other_spellings_are_parsed_by_pandas(text):
    series = pd.Series(text, dtype="str")
    got = _to_numbers(series, (series != "").to_numpy())
    assert _same_bits(got, _pandas_numbers(text))


def test_many_random_plain_amounts():
    rng = np.random.default_rng(7)
    digits = rng.integers(0, 10, size=(200_000, 15)).astype(str)
    whole = rng.integers(1, 15, size=200_000)
    text = []
    for row, w in zip(digits, whole, strict=True):
        s = "".join(row[: rng.integers(w, 16)])
        text.append(s[:w] + "." + s[w:] if len(s) > w else s)
    series = pd.Series(text, dtype="str")
    assert _same_bits(_to_numbers(series, np.ones(len(text), bool)), _pandas_numbers(text))
