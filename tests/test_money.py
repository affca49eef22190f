"""guanxi.money against Python's decimal arithmetic: reading, integers, rounding once,
exact percentages and limit tests, totals, amounts given as options, rates."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.errors import ConfigError
from guanxi.money import (
    AMOUNT_TYPE,
    AMOUNT_UNIT,
    CURRENCY_DIGITS,
    FRACTION_TYPE,
    MAX_AMOUNT,
    RATE_TYPE,
    RATE_UNIT,
    Reporting,
    above_pct,
    at_least_pct,
    check_total,
    money_series,
    money_type,
    parse_amount,
    parse_decimals,
    percent_of,
    round_half_up,
    to_minor,
    units,
)

SETTINGS = settings(max_examples=200, deadline=None)
PLACES = {"amount": 4, "fraction": 10, "rate": 10}
TYPES = {"amount": AMOUNT_TYPE, "fraction": FRACTION_TYPE, "rate": RATE_TYPE}
INT64_MAX = 2**63 - 1


def exact(value: Decimal, digits: int) -> Decimal:
    """``value`` rounded half up to ``digits`` decimals, with digits to spare."""
    with localcontext(prec=200):
        return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------- reading


def oracle(text: str | None, kind: str) -> Decimal | None:
    """What a value of ``kind`` is, read by the decimal module and the contract: finite,
    not negative (``-0`` is 0), at most 4 (amount) or 10 (fraction, rate) decimals; an
    amount at most MAX_AMOUNT, a fraction at most 1, a rate above 0 and below 10**12."""
    if text is None or text == "":
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or (value < 0 and value != 0):
        return None
    value = value.copy_abs()  # no context: 1e999999999 stays what it is
    limits = {
        "amount": value <= MAX_AMOUNT,
        "fraction": value <= 1,
        "rate": 0 < value < Decimal(10) ** 12,
    }
    if not limits[kind]:
        return None
    if decimal_places(value) > PLACES[kind]:
        return None
    return value


def decimal_places(value: Decimal) -> int:
    """How many decimals ``value`` needs (``1.50`` needs 1), from its digits alone: no
    context, so no rounding, underflow or overflow whatever the exponent."""
    _, digits, exponent = value.as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1  # type: ignore[operator]
    return 0 if digits == [0] else max(0, -exponent)  # type: ignore[operator]


SPELLED = st.sampled_from(
    [
        "",
        "-0",
        "-0.00",
        "0E+999999",
        "1e3",
        "1E-2",
        " 12 ",
        "+5",
        ".5",
        "5.",
        "1.",
        "0.5",
        "1.0000000000",
        "1.00000000001",
        "7.1234567891",
        "inf",
        "-Infinity",
        "nan",
        "sNaN",
        "0x10",
        "1,234",
        "abc",
        "1e30",
        "1.7976931348623157e308",
        "1e999999999",
        "1e-999999999",
        "123456789012345678901234567890",
        "99999999999999.9999",
        "100000000000000",
        "999999999999.9999999999",
        "1000000000000",
        "１２",
    ]
)
TEXTS = st.one_of(
    SPELLED,
    st.from_regex(r"[0-9]{1,16}(\.[0-9]{1,12})?", fullmatch=True),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.none(),
)


@SETTINGS
@given(st.lists(TEXTS, max_size=20), st.sampled_from(sorted(PLACES)))
def test_parse_decimals_is_what_the_decimal_module_says(texts, kind):
    """Every value is read exactly as the decimal module reads it, or refused with a
    reason; missing and ``""`` are missing without a reason; nothing raises."""
    parsed = parse_decimals(pd.Series(texts, dtype=object), kind)
    assert parsed.values.type == TYPES[kind]
    assert len(parsed.values) == len(parsed.reasons) == len(texts)
    for text, value, reason in zip(texts, parsed.values.to_pylist(), parsed.reasons, strict=True):
        want = oracle(text, kind)
        if want is None:
            assert value is None
            assert (reason is None) == (text is None or text == "")
        else:
            assert reason is None and value == want and not value.is_signed()


@pytest.mark.parametrize(
    "kind, text, reason",
    [
        ("amount", "-3", "negative amount"),
        ("amount", "1.23456", "more than 4 decimal places"),
        ("amount", "100000000000000", "above the largest amount accepted"),
        # used to raise decimal.InvalidOperation (quantizing needed more than 28 digits)
        ("amount", "1e30", "above the largest amount accepted"),
        ("amount", "1.7976931348623157e308", "above the largest amount accepted"),
        ("amount", "123456789012345678901234567890", "above the largest amount accepted"),
        ("amount", "nan", "not a number"),
        ("amount", "inf", "not a number"),
        ("amount", "1,234", "not a number"),
        ("fraction", "1.5", "must be between 0 and 1"),
        ("fraction", "1e30", "must be between 0 and 1"),
        ("fraction", "0.33333333333", "more than 10 decimal places"),
        ("fraction", "-0.1", "must be between 0 and 1"),
        ("rate", "0", "a rate must be above 0"),
        ("rate", "-0", "a rate must be above 0"),
        ("rate", "1000000000000", "a rate must be below 1,000,000,000,000"),
        ("rate", "1e30", "a rate must be below 1,000,000,000,000"),
        ("rate", "7.12345678912", "more than 10 decimal places"),
    ],
)
def test_parse_decimals_reasons(kind, text, reason):
    parsed = parse_decimals(pd.Series(["1", text]), kind)
    assert parsed.values.to_pylist() == [Decimal(1), None]
    assert parsed.reasons[0] is None and parsed.reasons[1].startswith(reason)


def test_parse_decimals_takes_arrow_and_missing_values():
    text = ["12.5", None, "", "-0", "0.0001"]
    want = [Decimal("12.5"), None, None, Decimal(0), Decimal("0.0001")]
    for given_ in (
        pd.Series(text, dtype=object),
        pd.Series(text, dtype="str"),
        pa.array(text),
        pa.chunked_array([text[:2], text[2:]]),
    ):
        parsed = parse_decimals(given_, "amount")
        assert parsed.values.to_pylist() == want
        assert list(parsed.reasons) == [None] * 5
    assert not parse_decimals(pd.Series(["-0"]), "amount").values[0].as_py().is_signed()
    empty = parse_decimals(pd.Series([], dtype=object), "rate")
    assert len(empty.values) == 0 and empty.values.type == RATE_TYPE


# ----------------------------------------------------------------------------- integers


@st.composite
def decimal_arrays(draw):
    """An Arrow decimal128 array of some scale, possibly a slice (offset > 0)."""
    scale = draw(st.integers(0, 10))
    ints = draw(st.lists(st.one_of(st.none(), st.integers(-(2**63), INT64_MAX)), max_size=12))
    values = [None if i is None else Decimal(i).scaleb(-scale) for i in ints]
    array = pa.array(values, type=pa.decimal128(38, scale))
    start = draw(st.integers(0, len(values)))
    return array.slice(start), ints[start:], scale


@SETTINGS
@given(decimal_arrays())
def test_units_are_the_unscaled_integers(case):
    array, ints, scale = case
    got, present = units(array)
    assert got.dtype == np.int64 and present.dtype == bool
    assert present.tolist() == [i is not None for i in ints]
    assert got.tolist() == [0 if i is None else i for i in ints]
    series = pd.Series(array, dtype=pd.ArrowDtype(array.type))
    assert units(series)[0].tolist() == got.tolist()
    assert units(pa.chunked_array([array]))[0].tolist() == got.tolist()


def test_units_refuse_what_is_not_an_exact_int64():
    with pytest.raises(OverflowError):
        units(pa.array([Decimal(2**63)], type=pa.decimal128(38, 0)))
    with pytest.raises(OverflowError):
        units(pa.array([Decimal(-(2**63) - 1)], type=pa.decimal128(38, 0)))
    with pytest.raises(TypeError):
        units(pd.Series([1.5, 2.0]))
    with pytest.raises(TypeError):
        units(pa.array([1, 2]))
    got, present = units(pa.chunked_array([], type=AMOUNT_TYPE))
    assert got.size == 0 and present.size == 0


@SETTINGS
@given(
    st.lists(st.integers(-(2**63), INT64_MAX), max_size=12),
    st.sampled_from([0, 2, 3, 4, 10]),
    st.data(),
)
def test_money_series_is_exact_and_units_invert_it(ints, digits, data):
    mask = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(ints), max_size=len(ints))), dtype=bool
    )
    minor = np.array(ints, dtype=np.int64)
    plain = money_series(minor, digits)
    assert (
        plain.dtype
        == pd.ArrowDtype(money_type(digits))
        == pd.ArrowDtype(pa.decimal128(20 + digits, digits))
    )
    assert plain.tolist() == [Decimal(i).scaleb(-digits) for i in ints]
    assert units(plain)[0].tolist() == ints
    masked = money_series(minor, digits, mask=mask, index=pd.RangeIndex(5, 5 + len(ints)))
    assert masked.index.tolist() == list(range(5, 5 + len(ints)))
    assert masked.isna().tolist() == (~mask).tolist()
    assert [v for v, m in zip(masked.tolist(), mask, strict=True) if m] == [
        Decimal(i).scaleb(-digits) for i, m in zip(ints, mask, strict=True) if m
    ]


def test_money_series_prints_digit_for_digit():
    s = money_series(np.array([156963172991, 5, 0, -5]), 2)
    assert [format(v, "f") for v in s] == ["1569631729.91", "0.05", "0.00", "-0.05"]
    assert s.astype(str).tolist() == ["1569631729.91", "0.05", "0.00", "-0.05"]
    assert money_series(np.zeros(0, np.int64), 2).empty


# ----------------------------------------------------------------------------- rounding


@SETTINGS
@given(st.integers(0, 10**30), st.integers(1, 10**12))
def test_round_half_up_is_decimal_round_half_up(numerator, denominator):
    with localcontext(prec=200):
        want = int((Decimal(numerator) / Decimal(denominator)).quantize(1, ROUND_HALF_UP))
    assert round_half_up(numerator, denominator) == want
    array = np.array([numerator], dtype=object)
    assert round_half_up(array, denominator).tolist() == [want]


@SETTINGS
@given(
    st.lists(st.integers(0, int(MAX_AMOUNT * AMOUNT_UNIT)), max_size=10),
    st.sampled_from([0, 2, 3]),
    st.one_of(st.none(), st.integers(1, 90 * RATE_UNIT), st.just(RATE_UNIT)),
)
def test_to_minor_converts_then_rounds_half_up_once(amounts, digits, rate):
    """An amount of ten-thousandths times a rate of 10**-10, rounded once: the decimal
    module's ``(amount * rate).quantize(minor unit, ROUND_HALF_UP)``."""
    amount_units = np.array(amounts, dtype=np.int64)
    rates = None if rate is None else np.full(len(amounts), rate, dtype=np.int64)
    got = to_minor(amount_units, digits, rates)
    factor = Decimal(1) if rate is None else Decimal(rate).scaleb(-10)
    with localcontext(prec=200):
        want = [int(exact(Decimal(a).scaleb(-4) * factor, digits).scaleb(digits)) for a in amounts]
    assert got.dtype == np.int64
    assert got.tolist() == want


def test_to_minor_half_up_at_the_half():
    # 0.0050 -> 0.01 and 0.0049 -> 0.00 (two digits); 0.5 -> 1 (no digits)
    assert to_minor(np.array([50, 49, 5000]), 2).tolist() == [1, 0, 50]
    assert to_minor(np.array([5000, 4999]), 0).tolist() == [1, 0]
    # 2.00 HKD at 0.9125 = 1.825 -> 1.83 (half-even would say 1.82)
    assert to_minor(np.array([20000]), 2, np.array([9125 * 10**6])).tolist() == [183]


# ----------------------------------------------------------------- percentages and limits


PCTS = st.one_of(
    st.sampled_from([Decimal("2.5"), Decimal("10"), Decimal("15"), Decimal("20"), Decimal("25")]),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(100), places=4),
)


@SETTINGS
@given(
    st.lists(st.integers(0, 10**17), max_size=10),
    st.integers(10**6, 10**17),
    st.sampled_from([2, 4]),
)
def test_percent_of_is_exact_and_rounded_half_up(minor, capital, decimals):
    got = percent_of(np.array(minor, dtype=np.int64), capital, decimals=decimals)
    assert got.dtype == pd.ArrowDtype(money_type(decimals))
    with localcontext(prec=200):
        want = [exact(Decimal(m) * 100 / Decimal(capital), decimals) for m in minor]
    assert got.tolist() == want


def test_percent_of_too_large_to_hold_is_refused():
    """10**13 against a capital of 1: 10**15 %, past what 4 decimals in int64 hold; a
    ConfigError naming the capital, not an OverflowError."""
    assert [format(p, "f") for p in percent_of(np.array([92233720368]), 1)] == [
        "9223372036800.0000"
    ]
    with pytest.raises(ConfigError, match="check the Tier 1 capital"):
        percent_of(np.array([10**13]), 1)


@SETTINGS
@given(st.lists(st.integers(0, 10**17), max_size=10), st.integers(100, 10**17), PCTS)
def test_limit_tests_compare_exact_values(minor, capital, pct):
    values = np.array(minor, dtype=np.int64)
    with localcontext(prec=200):
        threshold = pct * capital / 100
    assert at_least_pct(values, capital, pct).tolist() == [m >= threshold for m in minor]
    assert above_pct(values, capital, pct).tolist() == [m > threshold for m in minor]


@SETTINGS
@given(st.integers(1, 10**11), PCTS)
def test_exactly_at_the_threshold_is_at_least_and_not_above(capital, pct):
    """An exposure of exactly ``pct`` % is ``>=`` and not ``>``; one minor unit less is
    neither, one more is both."""
    with localcontext(prec=200):
        at = pct * capital / 100
    if at != at.to_integral_value():  # no exposure in minor units is exactly there
        capital *= 10**6  # 4 decimals of pct x 100: now it is
        with localcontext(prec=200):
            at = pct * capital / 100
    at = int(at)
    values = np.array([at - 1, at, at + 1], dtype=np.int64)
    assert at_least_pct(values, capital, pct).tolist() == [False, True, True]
    assert above_pct(values, capital, pct).tolist() == [False, False, True]


def test_ten_percent_of_eighty_million_exactly():
    """The case of issue 12: 8,000,000.00 against 80,000,000.00 in minor units."""
    minor, capital = np.array([800_000_000]), 8_000_000_000
    assert at_least_pct(minor, capital, Decimal("10")).tolist() == [True]
    assert above_pct(minor, capital, Decimal("25")).tolist() == [False]
    assert [format(p, "f") for p in percent_of(minor, capital)] == ["10.0000"]
    quarter = np.array([2_000_000_000])
    assert above_pct(quarter, capital, Decimal("25")).tolist() == [False]
    assert at_least_pct(np.array([200_000_000]), capital, Decimal("2.5")).tolist() == [True]


# ----------------------------------------------------------------------------- totals


def test_check_total_refuses_what_could_not_be_summed_exactly():
    check_total([np.array([2**61]), np.array([2**61 - 1])], "amounts")  # 2**62 - 1: fine
    check_total([], "amounts")
    with pytest.raises(ConfigError, match="amounts in the store add up to more"):
        check_total([np.array([2**61]), np.array([2**61])], "amounts in the store")
    # each part fits 64 bits; their sum does not: still refused, never wrapped
    with pytest.raises(ConfigError, match="misplaced decimal point"):
        check_total([np.full(4, INT64_MAX // 2)], "balances")


@SETTINGS
@given(st.lists(st.lists(st.integers(0, 2**61), max_size=4), max_size=4))
def test_check_total_is_the_exact_sum(parts):
    total = sum(sum(p) for p in parts)
    arrays = [np.array(p, dtype=np.int64) for p in parts]
    if total >= 2**62:
        with pytest.raises(ConfigError):
            check_total(arrays, "amounts")
    else:
        check_total(arrays, "amounts")


# ------------------------------------------------------------------------ one amount


@pytest.mark.parametrize(
    "value, digits, minor",
    [
        ("4.2e9", 2, 420_000_000_000),
        ("80000000.50", 2, 8_000_000_050),
        ("1,000.5", 2, 100_050),
        ("1_000", 0, 1_000),
        (" 12 ", 3, 12_000),
        (1000, 2, 100_000),
        (Decimal("0.01"), 2, 1),
        (0.1, 2, 10),  # a float by its shortest text
        ("9999999999999999.99", 2, 999_999_999_999_999_999),
    ],
)
def test_parse_amount(value, digits, minor):
    assert parse_amount(value, digits, what="Tier 1 capital") == minor


@pytest.mark.parametrize(
    "value, digits, message",
    [
        ("0", 2, "positive amount"),
        ("-5", 2, "positive amount"),
        ("nan", 2, "positive amount"),
        ("inf", 2, "positive amount"),
        ("lots", 2, "must be an amount"),
        (None, 2, "must be an amount"),
        ("1.005", 2, "more decimal places"),
        ("1.5", 0, "more decimal places"),
        ("1e17", 2, "larger than any amount"),
    ],
)
def test_parse_amount_refusals_name_the_setting(value, digits, message):
    with pytest.raises(ConfigError, match=message) as caught:
        parse_amount(value, digits, what="Tier 1 capital")
    assert "Tier 1 capital" in str(caught.value)


@SETTINGS
@given(
    st.sampled_from([0, 2, 3]).flatmap(
        lambda d: st.tuples(st.integers(1, 10**15 * 10**d), st.just(d))
    )
)
def test_parse_amount_is_exact(case):
    units_, digits = case
    value = Decimal(units_).scaleb(-digits)
    for spelled in (str(value), format(value, "f"), f"{value:,f}"):
        assert parse_amount(spelled, digits, what="x") == units_


# ------------------------------------------------------------------------------- rates


def test_reporting_currency_and_rates():
    r = Reporting("cny ", (("USD", Decimal("7.1025")), ("JPY", Decimal("0.0475"))))
    assert r.currency == "CNY" and r.digits == 2
    assert Reporting("JPY").digits == 0 and Reporting("KWD").digits == 3
    assert set(CURRENCY_DIGITS) >= {"CNY", "USD", "HKD", "EUR"}
    rate, missing = r.rate_units(pd.Series(["USD", "CNY", None, "JPY", "GBP"], dtype="str"))
    assert rate.tolist() == [71025 * 10**6, RATE_UNIT, RATE_UNIT, 475 * 10**6, RATE_UNIT]
    assert missing.tolist() == [False, False, False, False, True]
    assert r.describe() == {"currency": "CNY", "USD": "7.1025", "JPY": "0.0475"}
    fx = pd.DataFrame(
        {
            "currency": ["USD", "EUR", None],
            "rate": pd.Series(
                [Decimal("7.1"), Decimal("7.8"), Decimal("1")], dtype=pd.ArrowDtype(RATE_TYPE)
            ),
        }
    )
    of = Reporting.of("CNY", fx)
    assert of.rates == (("EUR", Decimal("7.8")), ("USD", Decimal("7.1")))
    assert Reporting.of("CNY", None).rates == ()


@pytest.mark.parametrize(
    "currency, rates",
    [
        ("XYZ", ()),
        ("", ()),
        ("CNY", (("USD", 7.1),)),  # a float rate: never
        ("CNY", (("USD", Decimal(0)),)),
        ("CNY", (("USD", Decimal(-1)),)),
        ("CNY", (("USD", Decimal("NaN")),)),
        # held as int64 units of 10**-10: refused with a reason, not an OverflowError later
        ("CNY", (("XAU", Decimal("922337203.6854775808")),)),
        ("CNY", (("XAU", Decimal("999999999999")),)),
    ],
)
def test_reporting_refuses_bad_currencies_and_rates(currency, rates):
    with pytest.raises(ConfigError):
        Reporting(currency, rates)


def test_largest_rate_accepted_converts_exactly():
    r = Reporting("CNY", (("XAU", Decimal("922337203.6854775807")),))
    rate, missing = r.rate_units(pd.Series(["XAU"], dtype="str"))
    assert rate.tolist() == [INT64_MAX] and not missing.any()


def test_rates_of_more_than_ten_decimals_are_refused():
    r = Reporting("CNY", (("USD", Decimal("7.12345678901")),))
    with pytest.raises(ConfigError, match="USD"):
        r.rate_units(pd.Series(["USD"], dtype="str"))
