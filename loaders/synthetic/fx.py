"""The ``fx_rates`` file: a rate for every currency the bank's accounts use besides its own.

The rates (:data:`~guanxi.loaders.synthetic.vocabulary.FX_RATES`) are exact decimal
text with four places, in units of the reporting currency (CNY) per unit, dated the
extract date. Every currency of
:data:`~guanxi.loaders.synthetic.vocabulary.CURRENCIES` other than the reporting one
has a rate, whether or not a small bank happens to hold an account in it. The rates
do not move between month-ends (a change would move every exposure held in that
currency, and with it statuses no planted change explains).

Examples
--------
>>> fx_rates_frame("2026-06-30").to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
{'currency': ['USD', 'HKD', 'EUR'], 'rate': ['7.1235', '0.9125', '7.7312'],
 'as_of': ['2026-06-30', '2026-06-30', '2026-06-30']}
"""

from __future__ import annotations

import pandas as pd

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.columns import records_frame
from guanxi.loaders.synthetic.vocabulary import CURRENCIES, FX_RATES, REPORTING_CURRENCY

__all__ = ["fx_rates_frame"]


def fx_rates_frame(as_of: str) -> pd.DataFrame:
    """The ``fx_rates`` frame dated ``as_of`` (ISO), one row per foreign currency."""
    rows = [
        {"currency": c, "rate": FX_RATES[c], "as_of": as_of}
        for c in CURRENCIES
        if c != REPORTING_CURRENCY
    ]
    return records_frame(Entity.FX_RATES, rows)
