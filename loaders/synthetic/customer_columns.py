"""The customers file's later columns: ``closed_on``, ``net_assets`` and ``gsib``.

``closed_on`` is the day a customer left (the planted departures, see
:mod:`~guanxi.loaders.synthetic.departures`); ``net_assets`` is drawn for companies
(log-normal around 30M for SMEs and 800M for corporates, 10 % unknown), for the
guarantee-contagion what-ifs; ``gsib`` is for banks only (the background has none).
The background bank's other columns keep their bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.people import Customers
from guanxi.loaders.synthetic.state import BankContext
from guanxi.loaders.synthetic.vocabulary import CORPORATE

__all__ = ["CUSTOMER_COLUMNS_SALT", "add_customer_columns"]

#: the salt of this step's random stream (see ``BankContext.substream``)
CUSTOMER_COLUMNS_SALT = 1605


def add_customer_columns(ctx: BankContext, customers: Customers, closed_on: dict[str, str]) -> None:
    """Add ``closed_on``, ``net_assets`` and ``gsib`` to the customers frame in ``ctx``.

    Parameters
    ----------
    ctx : BankContext
        Its customers frame is updated; this step draws from
        ``ctx.substream(CUSTOMER_COLUMNS_SALT)``.
    customers : Customers
        The background customers.
    closed_on : dict of str to str
        The departure date of each customer who left.
    """
    rng = ctx.substream(CUSTOMER_COLUMNS_SALT)
    n = ctx.n
    frame = ctx.frames[Entity.CUSTOMERS]
    corporate = customers.segment == CORPORATE
    mu = np.where(corporate, np.log(800e6), np.log(30e6))
    net = np.round(np.exp(mu + 1.1 * rng.standard_normal(n)), 2)
    net[~customers.is_company | (rng.random(n) < 0.1)] = np.nan
    frame["closed_on"] = pd.Series(frame["customer_id"].map(closed_on), dtype="str")
    frame["net_assets"] = net
    frame["gsib"] = pd.Series([None] * n, dtype="str")
