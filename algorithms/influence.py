"""Referral influence: who brings in the most value, directly and through others.

The score is a PageRank over the referral forest with every edge pointing from the
referee to the referrer, so rank flows *up* the chain of referrals, and a teleport
distribution proportional to the value each customer brought to the bank,
``value = 1 + log1p(aum)``. On a forest this PageRank has a closed form (see the
Notes of :func:`influencers`): a customer's score is proportional to the value of
their own relationship plus ``alpha`` times that of each referee, ``alpha**2`` times
that of each second-generation referee, and so on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from guanxi.algorithms.pagerank import PageRankResult, pagerank
from guanxi.algorithms.referrals import (
    aggregate,
    generation_counts,
    referral_forest,
)
from guanxi.algorithms.sparse import csr_from_edges
from guanxi.errors import ConfigError
from guanxi.money import Reporting, money_series

__all__ = ["customer_value", "influencers"]

INFLUENCER_COLUMNS = (
    "customer_id",
    "rank",
    "score",
    "direct",
    "cascade",
    "depth",
    "downstream_aum",
    "generations",
    "aum",
    "value",
    "cascade_share",
)


def customer_value(aum) -> np.ndarray:
    """The value one customer brought: ``1 + log1p(aum)``, missing or negative aum as 0.

    Parameters
    ----------
    aum : array-like of float
        Assets under management, in the reporting currency.

    Returns
    -------
    numpy.ndarray of float64
        At least 1 for every customer.

    Examples
    --------
    >>> customer_value([0.0, np.nan, np.e - 1]).tolist()
    [1.0, 1.0, 2.0]

    Notes
    -----
    Every new customer counts at least 1, whatever they hold: bringing in a
    customer is worth something even before they deposit. Assets count on a log
    scale because AUM spans six or seven orders of magnitude across a retail book;
    linear AUM would let a single private-banking referee outweigh hundreds of
    ordinary ones and turn the ranking into a list of who introduced the richest
    client. With the log, a customer with 1M in assets is worth about 15 customers
    with nothing, and 10M about 17.
    """
    a = np.asarray(aum, dtype=np.float64)
    a = np.where(np.isfinite(a) & (a > 0), a, 0.0)
    return 1.0 + np.log1p(a)


def influencers(
    customers: pd.DataFrame,
    referrals: pd.DataFrame,
    *,
    alpha: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 1000,
    teleport: str = "value",
    reporting: Reporting | None = None,
) -> tuple[pd.DataFrame, PageRankResult]:
    """Rank the customers who referred others by referral influence, best first.

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers frame (``customer_id``, ``aum``).
    referrals : pandas.DataFrame
        Canonical referrals frame (``referrer_id``, ``referee_id``).
    alpha : float, default 0.85
        PageRank damping factor, ``0 <= alpha < 1``: the weight of each further
        generation of referees.
    tol : float, default 1e-10
        Absolute L1 tolerance of the power iteration (see :func:`pagerank`).
    max_iter : int, default 1000
        Largest number of power iterations.
    teleport : {"value", "uniform"}, default "value"
        Teleport distribution: proportional to :func:`customer_value` (the value each
        customer brought), or uniform (the score then counts referees only, by
        number, discounted by generation).
    reporting : Reporting, optional
        The reporting currency (``aum`` is in it); money is exact (:mod:`guanxi.money`).

    Returns
    -------
    ranking : pandas.DataFrame
        One row per customer with at least one referral, best first (``score``
        descending, then ``customer_id`` ascending):

        - ``customer_id`` (str), ``rank`` (int64, 1 = most influential),
          ``score`` (float64, the PageRank over all customers);
        - the evidence: ``direct``, ``cascade``, ``depth``, ``downstream_aum``,
          ``generations`` (as in :func:`~guanxi.algorithms.referrals.referral_reach`),
          ``aum`` (the customer's own, exact, missing if unknown);
        - ``value`` (float64, at least 1): the customer's own teleport weight,
          :func:`customer_value` of their ``aum``, ``1 + log1p(aum)``: a unitless
          weight on a log scale, not an amount of money (the customer's value in money
          is :mod:`guanxi.algorithms.value`'s ``own_value``);
        - ``cascade_share`` (float64 in ``[0, 1)``): the part of the score that comes
          from the customer's cascade rather than from their own ``value``,
          ``1 - c v_u / x_u`` (Notes): 0 for a customer whose referees bring nothing,
          0.9 when nine tenths of the score is the discounted value of the customers
          their word of mouth brought in.
    result : PageRankResult
        The power iteration's scores over every customer, iteration count,
        convergence flag and last L1 change.

    Raises
    ------
    guanxi.errors.ConfigError
        If ``alpha`` is outside ``[0, 1)``, ``teleport`` is unknown, or another
        option is out of range.
    guanxi.errors.InvalidInput
        If the referrals are not a forest.

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
    ...                           "aum": [0.0, 0.0, 0.0, 0.0]})
    >>> referrals = pd.DataFrame({"referrer_id": ["a", "a", "b"],
    ...                           "referee_id": ["b", "c", "d"]})
    >>> ranking, result = influencers(customers, referrals)
    >>> ranking[["customer_id", "rank"]].to_dict("list"), result.converged
    ({'customer_id': ['a', 'b'], 'rank': [1, 2]}, True)

    See Also
    --------
    guanxi.algorithms.pagerank.pagerank : the power iteration used.
    guanxi.algorithms.referrals.referral_reach : the cascade figures.

    Notes
    -----
    The graph has one edge ``referee -> referrer`` per referral. A referee has at
    most one referrer, so every node has at most one out-edge, and PageRank's
    row normalisation would turn any edge weight into 1: weighting the *edges* by
    the value a referee brought has no effect at all. The value therefore enters
    through the teleport distribution ``v_i = value_i / sum(value)``, which is what
    makes value matter. Customers without a referrer (and everyone who referred
    nobody and was referred by nobody) are dangling; their rank is redistributed
    like the teleport.

    At the fixed point, with ``c = (1 - alpha) + alpha * (rank held by dangling
    nodes)``, the same constant for everyone,

    .. math:: x_u = c \\sum_{w \\in T(u)} \\alpha^{d(u, w)} v_w

    where ``T(u)`` is ``u`` and its whole cascade and ``d(u, w)`` the generation of
    ``w`` below ``u``. So the ranking is exactly "own value plus the discounted value
    of everyone the customer's word of mouth brought in": with the default
    ``alpha = 0.85`` a second-generation referee counts 72% of a direct one. The
    tests check this identity and :func:`networkx.pagerank`.

    ``cascade_share`` is ``1 - c v_u / x_u``. Ties (equal scores to 12 significant
    digits of the largest score) are broken by ``customer_id``.

    References
    ----------
    .. [1] Page, L., Brin, S., Motwani, R., Winograd, T. (1999). The PageRank
       citation ranking: bringing order to the Web. Stanford InfoLab.
    .. [2] Haveliwala, T. H. (2002). Topic-sensitive PageRank. WWW '02
       (personalised teleport).
    """
    if teleport not in ("value", "uniform"):
        raise ConfigError(f"teleport must be 'value' or 'uniform', got {teleport!r}")
    if not 0.0 <= alpha < 1.0:
        raise ConfigError(f"alpha must lie in [0, 1), got {alpha}")
    forest = referral_forest(customers, referrals, reporting=reporting)
    n = forest.n
    matrix = csr_from_edges(forest.referee, forest.referrer, n)
    value = customer_value(forest.aum)
    v = value if teleport == "value" else np.ones(n)
    result = pagerank(
        matrix, alpha=alpha, personalization=v if n else None, tol=tol, max_iter=max_iter
    )
    direct, cascade, depth, down = aggregate(forest)
    nodes = np.flatnonzero(direct > 0)
    if n == 0 or nodes.size == 0:
        return _empty(forest.digits), result

    x = result.scores
    dangling = np.ones(n, dtype=bool)
    dangling[forest.referee] = False
    c = (1.0 - alpha) + alpha * x[dangling].sum()
    own = c * v / v.sum()
    score = x[nodes]
    share = np.clip(1.0 - own[nodes] / score, 0.0, 1.0)

    key = np.round(score / score.max(), 12)
    order = np.lexsort((np.arange(nodes.size), -key))  # ids are sorted: position = id order
    nodes, score, share = nodes[order], score[order], share[order]
    known = ~np.isnan(forest.aum[nodes])
    return (
        pd.DataFrame(
            {
                "customer_id": pd.Series(forest.ids[nodes], dtype="str"),
                "rank": np.arange(1, nodes.size + 1, dtype=np.int64),
                "score": score,
                "direct": direct[nodes],
                "cascade": cascade[nodes],
                "depth": depth[nodes],
                "downstream_aum": money_series(down[nodes], forest.digits),
                "generations": generation_counts(forest, nodes, depth[nodes]),
                "aum": money_series(forest.aum_minor[nodes], forest.digits, mask=known),
                "value": value[nodes],
                "cascade_share": share,
            }
        ),
        result,
    )


def _empty(digits: int = 2) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype=np.float64) for c in INFLUENCER_COLUMNS})
    for c in ("downstream_aum", "aum"):
        frame[c] = money_series(np.zeros(0, np.int64), digits)
    for c in ("customer_id", "generations"):
        frame[c] = frame[c].astype("str")
    for c in ("rank", "direct", "cascade", "depth"):
        frame[c] = frame[c].astype(np.int64)
    return frame
