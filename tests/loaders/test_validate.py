"""Amounts are read exactly: the vectorized path and the one-by-one path of
:func:`guanxi.money.parse_decimals` agree with Python's decimal arithmetic, for every
spelling a bank might send."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.money import MAX_AMOUNT, parse_decimals


def oracle(text: str) -> Decimal | None:
    """What an amount of at most 4 decimals in 0..MAX_AMOUNT is, by the decimal module."""
    if text == "":
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 and value != 0 or value > MAX_AMOUNT:
        return None
    if value != value.quantize(Decimal("0.0001")):
        return None
    return abs(value)


plain = st.from_regex(r"[0-9]{1,14}(\.[0-9]{1,6})?", fullmatch=True)
spelled = st.sampled_from(
    [
        "",
        "-0",
        "-0.00",
        "1e3",
        "1E-2",
        " 12 ",
        "inf",
        "nan",
        "NaN",
        "+5",
        ".5",
        "5.",
        "0x10",
        "12345678901234567890",
        "99999999999999.9999",
        "100000000000000",
        "-3",
        "0.1000000000000000055511151231257827",
        "1.23456",
        "١٢",
        "１２",
        "abc",
        "1,234",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(plain, spelled, st.just("")), max_size=30))
def test_amounts_are_exactly_what_the_decimal_module_says(text):
    parsed = parse_decimals(pd.Series(text, dtype="str"), "amount")
    got = parsed.values.to_pylist()
    for t, value, reason in zip(text, got, parsed.reasons, strict=True):
        want = oracle(t)
        if want is None:
            assert value is None
            assert (reason is None) == (t == "")
        else:
            assert reason is None and value == want


def test_the_reasons_say_what_is_wrong():
    text = ["-3", "1.23456", "100000000000000", "nan", "inf", "1,234", "abc"]
    parsed = parse_decimals(pd.Series(text), "amount")
    assert list(parsed.reasons) == [
        "negative amount",
        "more than 4 decimal places",
        "above the largest amount accepted (99,999,999,999,999.9999)",
        "not a number",
        "not a number",
        "not a number",
        "not a number",
    ]


def test_fractions_are_in_zero_to_one_with_at_most_ten_places():
    text = ["0", "1", "0.5", "1.0", "1.5", "0.33333333333", "0.3333333333", "-0.1", ""]
    parsed = parse_decimals(pd.Series(text), "fraction")
    assert parsed.values.to_pylist() == [
        Decimal("0"),
        Decimal("1"),
        Decimal("0.5"),
        Decimal("1.0"),
        None,
        None,
        Decimal("0.3333333333"),
        None,
        None,
    ]
    assert parsed.reasons[4] == "must be between 0 and 1"
    assert parsed.reasons[5] == "more than 10 decimal places"


def test_rates_are_positive():
    parsed = parse_decimals(pd.Series(["7.1234567891", "0", "0.00028"]), "rate")
    assert parsed.values.to_pylist()[0] == Decimal("7.1234567891")
    assert parsed.reasons[1] == "a rate must be above 0"
    assert parsed.values.to_pylist()[2] == Decimal("0.00028")


def test_many_random_plain_amounts_are_exact():
    rng = np.random.default_rng(7)
    whole = rng.integers(0, 10**14, size=100_000)
    frac = rng.integers(0, 10**4, size=100_000)
    text = [f"{w}.{f:04d}" for w, f in zip(whole, frac, strict=True)]
    parsed = parse_decimals(pd.Series(text, dtype="str"), "amount")
    assert parsed.values.to_pylist() == [Decimal(t) for t in text]
