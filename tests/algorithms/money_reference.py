"""The money rules of :mod:`guanxi.money`, read literally with :mod:`decimal`, and the
Hypothesis strategies that feed them: the reference the algorithm tests compare with.

The contract, as the tests read it:

- an account counts when its product is credit-side (deposit-side for balances) and its
  status is ``open`` or missing;
- its exposure is ``outstanding + ccf * max(credit_limit - outstanding, 0)`` (missing
  amounts 0, a missing ``ccf`` the default), computed exactly in its own currency,
  multiplied by its currency's rate (1 for the reporting currency or a missing
  currency), and rounded **half up, once**, to the reporting currency's minor unit;
- every total is the exact sum of those rounded amounts;
- ``pct_tier1 = exposure * 100 / tier1`` rounded half up to 4 places; ``large`` at or
  above the large threshold, ``breach`` strictly above the breach threshold, decided
  on the exact values.

Imported by the test modules of this folder as ``money_reference`` (pytest puts the
folder of a test file without ``__init__.py`` on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import strategies as st

from guanxi.graph.schema import CREDIT_PRODUCTS, DEPOSIT_PRODUCTS
from guanxi.money import CURRENCY_DIGITS, Reporting

#: the currencies of the random banks; None means "the reporting currency"
CURRENCIES = ("CNY", "USD", "HKD", "EUR")
#: more than enough digits for any product of an amount, a ccf and a rate
PRECISION = 120


def dec(value, default: Decimal | str = "0") -> Decimal:
    """A value of a hand-made row as a Decimal (None: ``default``); floats by their
    shortest text, as the canonical frames read them."""
    if value is None:
        return Decimal(default)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def quantum(digits: int) -> Decimal:
    return Decimal(1).scaleb(-digits)


def round_once(value: Decimal, digits: int) -> Decimal:
    """``value`` rounded half up (away from zero) to ``digits`` decimals."""
    with localcontext(prec=PRECISION):
        return value.quantize(quantum(digits), rounding=ROUND_HALF_UP)


def is_open(row: Mapping) -> bool:
    status = row.get("status")
    return status is None or str(status).strip().casefold() == "open"


def rate_of(currency: str | None, reporting: Reporting) -> Decimal:
    """Units of the reporting currency per unit of ``currency``; KeyError without a rate."""
    if currency is None or currency == reporting.currency:
        return Decimal(1)
    return dict(reporting.rates)[currency]


def account_exposure(
    row: Mapping, ccf_default="1", reporting: Reporting | None = None
) -> Decimal | None:
    """An account's exposure in the reporting currency, rounded once; None when the
    account does not count (not credit-side, or not open)."""
    reporting = reporting or Reporting()
    if row["product"] not in CREDIT_PRODUCTS or not is_open(row):
        return None
    with localcontext(prec=PRECISION):
        out = dec(row.get("outstanding"))
        limit = dec(row.get("credit_limit"))
        ccf = dec(row.get("ccf"), dec(ccf_default))
        exact = (out + ccf * max(limit - out, Decimal(0))) * rate_of(row.get("currency"), reporting)
    return round_once(exact, reporting.digits)


def deposit_balance(row: Mapping, reporting: Reporting | None = None) -> Decimal | None:
    """An open deposit account's balance in the reporting currency, rounded once."""
    reporting = reporting or Reporting()
    if row["product"] not in DEPOSIT_PRODUCTS or not is_open(row):
        return None
    with localcontext(prec=PRECISION):
        exact = dec(row.get("balance")) * rate_of(row.get("currency"), reporting)
    return round_once(exact, reporting.digits)


def percent(exposure: Decimal, tier1: Decimal) -> Decimal:
    """``exposure`` as a percentage of ``tier1``, rounded half up to 4 places."""
    with localcontext(prec=PRECISION):
        return round_once(exposure * 100 / tier1, 4)


def status(exposure: Decimal, tier1: Decimal, large: Decimal, breach: Decimal) -> str:
    """The limit status, decided on exact values."""
    with localcontext(prec=PRECISION):
        if exposure * 100 > breach * tier1:
            return "breach"
        return "large" if exposure * 100 >= large * tier1 else "ok"


def printed(value: Decimal, digits: int) -> str:
    """How a figure of ``digits`` decimals is printed (``'12.30'``, never ``1.2E+1``)."""
    return format(round_once(value, digits), "f")


# ----------------------------------------------------------------------- strategies
def _text(units: int, places: int) -> str:
    return format(Decimal(units).scaleb(-places), "f")


def amounts(max_value: int = 10**6) -> st.SearchStrategy[str]:
    """Amount texts of 0 to 4 decimals, 0 .. ``max_value``."""
    return st.integers(0, 4).flatmap(
        lambda places: st.integers(0, max_value * 10**places).map(lambda u: _text(u, places))
    )


def fractions() -> st.SearchStrategy[str]:
    """Fraction texts (a ccf, a share) of 0 to 10 decimals in 0..1."""
    return st.one_of(
        st.sampled_from(["0", "1", "0.5", "0.2"]),
        st.integers(0, 10).flatmap(
            lambda places: st.integers(0, 10**places).map(lambda u: _text(u, places))
        ),
    )


def rates() -> st.SearchStrategy[Decimal]:
    """Exchange rates of 0 to 10 decimals, from 0.0001 to about 200."""
    return st.integers(0, 10).flatmap(
        lambda places: st.integers(max(1, 10**places // 10**4), 200 * 10**places).map(
            lambda u: Decimal(u).scaleb(-places)
        )
    )


@st.composite
def reportings(draw, currencies=CURRENCIES) -> Reporting:
    """A reporting currency (sometimes of 0 or 3 minor digits) with a rate for every
    currency of ``currencies`` but itself."""
    code = draw(st.sampled_from(["CNY", "CNY", "USD", "JPY", "KWD"]))
    assert code in CURRENCY_DIGITS
    pairs = tuple((c, draw(rates())) for c in currencies if c != code)
    return Reporting(code, pairs)
