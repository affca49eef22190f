"""Exact money: how amounts are read, held, converted, rounded, summed and compared.

A figure a risk officer files must not move in the last digit because of binary
floating point, so no amount is ever a ``float`` here:

- **Read**: an amount in a file is a decimal number with at most
  :data:`AMOUNT_DECIMALS` decimal places and at most :data:`MAX_AMOUNT`; anything else
  (more decimals, larger, negative, NaN, inf, not a number) is an invalid row. It is
  held exactly as an Arrow ``decimal128(18, 4)`` (:data:`AMOUNT_TYPE`). Fractions
  (``ccf``, ``share``) are decimals of at most 10 places in 0..1; exchange rates
  (``fx_rates.rate``) decimals of at most 10 places above 0.
- **Computed**: in integers. An amount of 4 decimals is an integer of ten-thousandths
  (:func:`units`); ``outstanding + ccf * undrawn`` and a conversion ``* rate`` are
  products of integers, exact whatever their size (Python integers where a product
  could pass 2**63).
- **Rounded once**: each account's exposure (and each deposit balance, each
  customer's ``aum``), converted to the reporting currency, is rounded to that
  currency's minor unit (:data:`CURRENCY_DIGITS`: two decimals for CNY), half away
  from zero (``ROUND_HALF_UP``), once. Every total is the exact integer sum of those
  rounded amounts, so a total always equals the sum of its parts as printed.
- **Compared exactly**: a limit test compares integers (``exposure * 100 >=
  threshold * capital``), so an exposure of exactly 10 % of Tier 1 is ``large`` and
  exactly 25 % is not ``breach``.
- **Printed** with the minor unit's digits (``1569631729.91``), never in scientific
  notation: results carry money as Arrow decimals (:func:`money_series`), which CSV
  writers print digit for digit and JSON carries as strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.errors import ConfigError

__all__ = [
    "AMOUNT_DECIMALS",
    "AMOUNT_TYPE",
    "AMOUNT_UNIT",
    "MAX_AMOUNT",
    "FRACTION_DECIMALS",
    "FRACTION_TYPE",
    "FRACTION_UNIT",
    "RATE_TYPE",
    "RATE_UNIT",
    "CURRENCY_DIGITS",
    "CURRENCY_PATTERN",
    "Reporting",
    "ParsedNumbers",
    "parse_decimals",
    "units",
    "money_series",
    "money_type",
    "round_half_up",
    "to_minor",
    "parse_amount",
    "percent_of",
    "at_least_pct",
    "above_pct",
    "check_total",
]

#: decimal places an input amount may have; amounts are held in ten-thousandths
AMOUNT_DECIMALS = 4
AMOUNT_UNIT = 10**AMOUNT_DECIMALS
#: Arrow type of an input amount: 14 integer digits and 4 decimals
AMOUNT_TYPE = pa.decimal128(18, AMOUNT_DECIMALS)
#: the largest amount a file may carry (anything above is an invalid row)
MAX_AMOUNT = Decimal("99999999999999.9999")
#: decimal places of a fraction (ccf, share) and of an exchange rate
FRACTION_DECIMALS = 10
FRACTION_UNIT = 10**FRACTION_DECIMALS
FRACTION_TYPE = pa.decimal128(11, FRACTION_DECIMALS)
RATE_TYPE = pa.decimal128(22, FRACTION_DECIMALS)
RATE_UNIT = FRACTION_UNIT
#: a currency code: ISO 4217, three capital letters
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")

#: minor-unit digits of the ISO 4217 currencies a bank reports in (a reporting
#: currency must be one of these; an account may be in any code with a rate)
CURRENCY_DIGITS: dict[str, int] = {
    **dict.fromkeys(
        [
            "AED",
            "AUD",
            "BRL",
            "CAD",
            "CHF",
            "CNY",
            "CZK",
            "DKK",
            "EUR",
            "GBP",
            "HKD",
            "HUF",
            "IDR",
            "ILS",
            "INR",
            "MOP",
            "MXN",
            "MYR",
            "NOK",
            "NZD",
            "PHP",
            "PLN",
            "RUB",
            "SAR",
            "SEK",
            "SGD",
            "THB",
            "TRY",
            "TWD",
            "USD",
            "ZAR",
        ],
        2,
    ),
    **dict.fromkeys(["CLP", "ISK", "JPY", "KRW", "PYG", "VND"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}


@dataclass(frozen=True)
class Reporting:
    """The reporting currency and the rates that convert every amount into it.

    Parameters
    ----------
    currency : str
        ISO 4217 code (:data:`CURRENCY_DIGITS`); its minor unit is what amounts are
        rounded to.
    rates : dict of str to Decimal
        Units of the reporting currency per unit of each other currency.

    Raises
    ------
    ConfigError
        An unknown reporting currency, or a rate that is not a positive decimal (below
        922,337,203: rates are held as int64 units of 10**-10).
    """

    currency: str = "CNY"
    rates: tuple[tuple[str, Decimal], ...] = ()

    def __post_init__(self) -> None:
        code = str(self.currency).strip().upper()
        if code not in CURRENCY_DIGITS:
            raise ConfigError(
                f"reporting currency {self.currency!r} is not one guanxi knows the minor "
                f"unit of; use one of {', '.join(sorted(CURRENCY_DIGITS))}"
            )
        object.__setattr__(self, "currency", code)
        for ccy, rate in self.rates:
            if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
                raise ConfigError(f"the rate of {ccy} must be a positive decimal, not {rate!r}")
            if rate * RATE_UNIT >= 2**63:  # held as int64 units of 10**-10
                raise ConfigError(
                    f"the rate of {ccy} ({rate}) is larger than guanxi can convert "
                    f"exactly; rates must be below {(2**63 - 1) // RATE_UNIT:,}"
                )

    @classmethod
    def of(cls, currency: str, fx_rates: pd.DataFrame | None = None) -> Reporting:
        """From a canonical ``fx_rates`` frame (``currency``, ``rate``)."""
        rates: list[tuple[str, Decimal]] = []
        if fx_rates is not None and len(fx_rates):
            for code, rate in zip(fx_rates["currency"], fx_rates["rate"], strict=True):
                if pd.notna(code) and rate is not None and not pd.isna(rate):
                    rates.append((str(code), Decimal(rate)))
        return cls(currency, tuple(sorted(rates)))

    @property
    def digits(self) -> int:
        """Decimal places of the reporting currency's minor unit."""
        return CURRENCY_DIGITS[self.currency]

    def rate_units(self, codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Each code's rate in :data:`RATE_UNIT` (the reporting currency and a missing
        code: exactly 1), and a mask of codes without a rate."""
        table = {code: int(rate * RATE_UNIT) for code, rate in self.rates}
        exact = {code: (rate * RATE_UNIT) == int(rate * RATE_UNIT) for code, rate in self.rates}
        bad = [c for c, ok in exact.items() if not ok]
        if bad:
            raise ConfigError(f"rates of {', '.join(bad)} have more than 10 decimal places")
        table[self.currency] = RATE_UNIT
        text = codes.astype("object")
        out = np.full(len(codes), RATE_UNIT, dtype=np.int64)
        missing = np.zeros(len(codes), dtype=bool)
        present = text.notna().to_numpy()
        values = text[present].to_numpy()
        looked = np.array([table.get(v, -1) for v in values], dtype=np.int64)
        out[present] = np.where(looked < 0, RATE_UNIT, looked)
        missing[present] = looked < 0
        return out, missing

    def describe(self) -> dict[str, str]:
        """The currency and rates, as text (for summaries and reports)."""
        return {"currency": self.currency, **{c: format(r.normalize(), "f") for c, r in self.rates}}


# -- reading ---------------------------------------------------------------------------
@dataclass
class ParsedNumbers:
    """Decimals parsed from text: the exact values and, per row, why a value is
    refused (None where it is fine or absent)."""

    values: pa.Array
    reasons: np.ndarray


_PLAIN = {
    "amount": r"^[0-9]{1,14}(\.[0-9]{1,4})?$",
    "fraction": r"^[01](\.[0-9]{1,10})?$",
    "rate": r"^[0-9]{1,12}(\.[0-9]{1,10})?$",
}
_TYPES = {"amount": AMOUNT_TYPE, "fraction": FRACTION_TYPE, "rate": RATE_TYPE}
_PLACES = {"amount": AMOUNT_DECIMALS, "fraction": FRACTION_DECIMALS, "rate": FRACTION_DECIMALS}


def parse_decimals(text: pd.Series | pa.Array, kind: str) -> ParsedNumbers:
    """Parse text as exact decimals of ``kind`` (``amount``, ``fraction``, ``rate``).

    ``""`` and missing are missing (no reason). Plain values (the common case) are
    converted by Arrow without a Python object each; the others one by one, with the
    reason they are refused.

    Examples
    --------
    >>> out = parse_decimals(pd.Series(["12.5", "", "1e3", "-0", "0.00001", "nan"]), "amount")
    >>> out.values.to_pylist()
    [Decimal('12.5000'), None, Decimal('1000.0000'), Decimal('0.0000'), None, None]
    >>> [r for r in out.reasons if r]
    ['more than 4 decimal places', 'not a number']
    """
    arr = (
        text
        if isinstance(text, pa.Array | pa.ChunkedArray)
        else pa.array(
            pd.Series(text).astype("object").where(pd.Series(text).notna(), None).to_numpy(),
            type=pa.large_string(),
        )
    )
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    n = len(arr)
    present = pc.and_(pc.is_valid(arr), pc.not_equal(arr, "")).fill_null(False)
    plain = pc.and_(present, pc.match_substring_regex(arr, _PLAIN[kind])).fill_null(False)
    target = _TYPES[kind]
    values = pc.cast(pc.if_else(plain, arr, pa.scalar(None, pa.large_string())), target)
    if kind in ("fraction", "rate"):  # "1.5" and "0" pass the patterns: checked here
        if kind == "fraction":
            out = pc.greater(values, pa.scalar(Decimal(1), target))
        else:
            out = pc.equal(values, pa.scalar(Decimal(0), target))
        plain = pc.and_(plain, pc.invert(out.fill_null(False)))
        values = pc.if_else(plain, values, pa.scalar(None, target))
    reasons = np.full(n, None, dtype=object)
    other = np.flatnonzero(
        pc.and_(present, pc.invert(plain)).to_numpy(zero_copy_only=False).astype(bool)
    )
    if other.size:
        fixed: dict[int, Decimal] = {}
        for i in other:
            value, reason = _parse_one(arr[int(i)].as_py(), kind)
            if reason:
                reasons[i] = reason
            else:
                fixed[int(i)] = value
        if fixed:
            py = values.to_pylist()
            for i, v in fixed.items():
                py[i] = v
            values = pa.array(py, type=target)
    return ParsedNumbers(values, reasons)


def _parse_one(text: str, kind: str) -> tuple[Decimal | None, str | None]:
    places = _PLACES[kind]
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None, "not a number"
    if not value.is_finite():
        return None, "not a number"
    if value == 0:
        value = Decimal(0)  # "-0" is zero, never a negative zero
    if value < 0:
        return None, {"amount": "negative amount", "fraction": "must be between 0 and 1"}.get(
            kind, "must not be negative"
        )
    # the size first: quantizing 1e30 would need more digits than the context has
    if kind == "amount" and value > MAX_AMOUNT:
        return None, f"above the largest amount accepted ({MAX_AMOUNT:,})"
    if kind == "fraction" and value > 1:
        return None, "must be between 0 and 1"
    if kind == "rate":
        if value == 0:
            return None, "a rate must be above 0"
        if value >= Decimal(10) ** 12:
            return None, "a rate must be below 1,000,000,000,000"
    if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        return None, f"more than {places} decimal places"
    return value, None


# -- integers ----------------------------------------------------------------------------
def units(values: pd.Series | pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The unscaled integers of a decimal column (ten-thousandths for an amount,
    10**-10 for a fraction or rate, minor units for a result figure) as int64, and a
    mask of present values.

    Raises
    ------
    OverflowError
        A value does not fit 64 bits (no amount guanxi accepts comes close).

    Examples
    --------
    >>> units(pd.Series([Decimal("12.5"), None], dtype=pd.ArrowDtype(AMOUNT_TYPE)))
    (array([125000,      0]), array([ True, False]))
    """
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_decimal(
            values.dtype.pyarrow_dtype
        ):
            values = pa.array(values.array)  # type: ignore[arg-type]
        else:
            raise TypeError(f"a decimal column is expected, not {values.dtype}")
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    if not pa.types.is_decimal128(values.type):
        raise TypeError(f"a decimal128 column is expected, not {values.type}")
    n = len(values)
    buffer = values.buffers()[1]
    if buffer is None or n == 0:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    words = np.frombuffer(buffer, dtype=np.int64)[2 * values.offset : 2 * (values.offset + n)]
    words = words.reshape(-1, 2)
    ints = words[:, 0].copy()
    mask = values.is_valid().to_numpy(zero_copy_only=False).astype(bool)
    ints[~mask] = 0
    high = np.where(mask, words[:, 1], 0)
    if np.any(high != np.where(ints < 0, -1, 0)):
        raise OverflowError("a decimal value does not fit 64 bits")
    return ints, mask


def money_type(digits: int) -> pa.DataType:
    """The Arrow type of an amount in a currency of ``digits`` minor digits."""
    return pa.decimal128(20 + digits, digits)


def money_series(
    minor: np.ndarray, digits: int, *, mask: np.ndarray | None = None, index=None
) -> pd.Series:
    """Integers of minor units (int64) as an exact decimal Series with ``digits``
    decimals (missing where ``mask`` is False).

    Examples
    --------
    >>> money_series(np.array([156963172991, 5]), 2).tolist()
    [Decimal('1569631729.91'), Decimal('0.05')]
    """
    minor = np.ascontiguousarray(np.asarray(minor, dtype=np.int64))
    n = len(minor)
    words = np.empty((n, 2), dtype=np.int64)
    words[:, 0] = minor
    words[:, 1] = np.where(minor < 0, -1, 0)  # two's complement, sign extended
    validity = None
    if mask is not None and not np.all(mask):
        validity = pa.array(np.asarray(mask, dtype=bool)).buffers()[1]
    arr = pa.Array.from_buffers(money_type(digits), n, [validity, pa.py_buffer(words.tobytes())])
    return pd.Series(arr, dtype=pd.ArrowDtype(money_type(digits)), index=index)


def round_half_up(numerator, denominator: int):
    """``numerator / denominator`` rounded half away from zero, for non-negative
    integers (Python ints or an int64 / object array). Exact.

    Examples
    --------
    >>> round_half_up(125, 10), round_half_up(124, 10), round_half_up(5, 10)
    (13, 12, 1)
    """
    return (numerator + denominator // 2) // denominator


def to_minor(
    amount_units: np.ndarray, digits: int, rate_units: np.ndarray | None = None
) -> np.ndarray:
    """Amounts in :data:`AMOUNT_UNIT` (non-negative), converted by ``rate_units``
    (:data:`RATE_UNIT`; None: already in the reporting currency), rounded half up to
    minor units of ``digits`` decimals, once. Returns int64."""
    amount_units = np.asarray(amount_units, dtype=np.int64)
    if rate_units is None or np.all(rate_units == RATE_UNIT):
        return round_half_up(amount_units, 10 ** (AMOUNT_DECIMALS - digits)).astype(np.int64)
    exact = amount_units.astype(object) * np.asarray(rate_units, dtype=np.int64).astype(object)
    den = 10 ** (AMOUNT_DECIMALS + FRACTION_DECIMALS - digits)
    return np.asarray(round_half_up(exact, den), dtype=np.int64)


def parse_amount(value, digits: int, *, what: str) -> int:
    """One amount given on the command line or in a setting (a number or text), as
    minor units of a currency of ``digits`` decimals; refused when it has more
    decimals than the minor unit or is not a positive finite number.

    Raises
    ------
    ConfigError

    Examples
    --------
    >>> parse_amount("4.2e9", 2, what="Tier 1 capital")
    420000000000
    """
    try:
        number = Decimal(str(value).strip().replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise ConfigError(f"{what} must be an amount, not {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise ConfigError(f"{what} must be a positive amount, not {value!r}")
    minor = number.scaleb(digits)
    if minor != minor.to_integral_value():
        raise ConfigError(
            f"{what} {value} has more decimal places than the reporting currency's minor "
            f"unit ({digits})"
        )
    if minor > MAX_AMOUNT.scaleb(digits) * 100:
        raise ConfigError(f"{what} {value} is larger than any amount guanxi accepts")
    return int(minor)


def percent_of(minor: np.ndarray, capital_minor: int, *, decimals: int = 4) -> pd.Series:
    """``minor / capital * 100`` as exact decimals rounded half up to ``decimals``
    places (a percentage: ``10.0000`` is 10 %).

    Raises
    ------
    ConfigError
        A percentage too large to hold (more than 922 trillion % at 4 decimals): the
        capital is far too small for these amounts.
    """
    exact = np.asarray(minor, dtype=np.int64).astype(object) * (100 * 10**decimals)
    value = np.asarray(round_half_up(exact, int(capital_minor)), dtype=object)
    if value.size and int(value.max()) > np.iinfo(np.int64).max:
        raise ConfigError(
            "an exposure is more than "
            f"{Decimal(int(np.iinfo(np.int64).max)).scaleb(-decimals):,.0f} % of the capital; "
            "check the Tier 1 capital (a misplaced decimal point?)"
        )
    return money_series(value.astype(np.int64), decimals)


def _scaled(pct: Decimal) -> tuple[int, int]:
    """A percentage threshold as an integer ratio ``num / den`` of 1 (10 % = 10/100)."""
    exponent = -pct.as_tuple().exponent if pct.as_tuple().exponent < 0 else 0  # type: ignore[operator]
    den = 100 * 10**exponent
    return int(pct.scaleb(exponent)), den


def at_least_pct(minor: np.ndarray, capital_minor: int, pct: Decimal) -> np.ndarray:
    """``minor >= pct % of capital``, exactly (integer cross-multiplication)."""
    num, den = _scaled(Decimal(pct))
    left = np.asarray(minor, dtype=np.int64).astype(object) * den
    return np.asarray(left >= num * int(capital_minor), dtype=bool)


def above_pct(minor: np.ndarray, capital_minor: int, pct: Decimal) -> np.ndarray:
    """``minor > pct % of capital``, exactly."""
    num, den = _scaled(Decimal(pct))
    left = np.asarray(minor, dtype=np.int64).astype(object) * den
    return np.asarray(left > num * int(capital_minor), dtype=bool)


def check_total(parts: Iterable[np.ndarray], what: str) -> None:
    """Refuse amounts whose exact total could not be summed in 64-bit integers.

    Every partial sum of non-negative amounts is at most their total, so when the total
    of all of them fits (with room for the x100 of a limit test), no sum overflows.

    Raises
    ------
    ConfigError
    """
    total = sum(int(np.asarray(p, dtype=np.int64).astype(object).sum()) for p in parts)
    if total >= 2**62:
        raise ConfigError(
            f"the {what} add up to more than guanxi can sum exactly; check the amounts "
            "(a misplaced decimal point?)"
        )
