"""What every generation step shares: the random stream, the calendar, the reservations.

A bank is built by steps (:mod:`guanxi.loaders.synthetic.build` runs them in order),
each a function of a :class:`BankContext` and the results of the steps before it. The
context holds what no single step owns: the one random generator (so the same seed
gives the same bytes, the steps must run, and draw, in the same order), the extract
date, the validity window of the planted guarantees, the customers already taken by a
planted structure, and the frames written so far.

Examples
--------
>>> from datetime import date
>>> ctx = BankContext.create(100, seed=0, as_of=date(2026, 6, 30))
>>> ctx.as_of_text, ctx.as_of == day_number(date(2026, 6, 30))
('2026-06-30', True)
>>> ctx.window == (day_number(date(2020, 1, 1)), day_number(date(2035, 12, 31)))
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from guanxi.graph.schema import Entity

__all__ = ["BankContext", "day_iso", "day_number"]

_EPOCH = np.datetime64("1970-01-01", "D")


def day_number(day: date) -> int:
    """Days from 1970-01-01 to ``day``: how the generator holds every date.

    Examples
    --------
    >>> from datetime import date
    >>> day_number(date(1970, 1, 2)), day_number(date(1969, 12, 31))
    (1, -1)
    """
    return int((np.datetime64(day, "D") - _EPOCH).astype(np.int64))


def day_iso(day: int) -> str:
    """The ISO date of a day number (:func:`day_number`'s inverse).

    Examples
    --------
    >>> day_iso(0), day_iso(day_number(date(2026, 6, 30)))
    ('1970-01-01', '2026-06-30')
    """
    return str(_EPOCH + np.timedelta64(int(day), "D"))


@dataclass(eq=False)
class BankContext:
    """The state the generation steps share (see the module's description).

    Attributes
    ----------
    n : int
        Number of customers; customers are the indices ``0..n-1`` until ids are
        written.
    seed : int
        The seed of ``rng``.
    rng : numpy.random.Generator
        The bank's only source of randomness.
    as_of : int
        The extract date, in days since 1970-01-01 (:func:`day_number`).
    as_of_text : str
        The extract date, ISO.
    window : tuple of int
        First and last day (inclusive) the planted guarantees are valid: 2020-01-01 to
        2035-12-31, widened to five years either side of ``as_of``.
    reserved : numpy.ndarray of bool
        Customers taken by a planted structure (updated in place by the steps).
    frames : dict of Entity to pandas.DataFrame
        The contract files built so far.
    """

    n: int
    seed: int
    rng: np.random.Generator
    as_of: int
    as_of_text: str
    window: tuple[int, int]
    reserved: np.ndarray
    frames: dict[Entity, pd.DataFrame] = field(default_factory=dict)

    @classmethod
    def create(cls, n: int, *, seed: int, as_of: date) -> BankContext:
        """A fresh context for a bank of ``n`` customers; nothing drawn yet.

        Parameters
        ----------
        n : int
            Number of customers.
        seed : int
            Seed of ``numpy.random.default_rng``.
        as_of : datetime.date
            The extract date.

        Returns
        -------
        BankContext
        """
        start = min(date(2020, 1, 1), date(as_of.year - 5, 1, 1))
        end = max(date(2035, 12, 31), date(as_of.year + 5, 12, 31))
        return cls(
            n=n,
            seed=seed,
            rng=np.random.default_rng(seed),
            as_of=day_number(as_of),
            as_of_text=as_of.isoformat(),
            window=(day_number(start), day_number(end)),
            reserved=np.zeros(n, dtype=bool),
        )

    def substream(self, salt: int) -> np.random.Generator:
        """A generator of its own for a later step, derived from the seed and ``salt``.

        A step drawing from its own stream leaves ``rng`` (and so every file drawn
        from it) as it was; each later step uses a different fixed ``salt``.

        Examples
        --------
        >>> ctx = BankContext.create(100, seed=3, as_of=date(2026, 6, 30))
        >>> a, b = ctx.substream(1).random(), ctx.substream(1).random()
        >>> a == b != ctx.substream(2).random()
        True
        """
        return np.random.default_rng([self.seed, salt])
