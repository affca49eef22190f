"""Referral reach: how far each customer's word of mouth goes.

The referrals of a bank form a forest: every referee has at most one referrer and no
referral closes a cycle (the loaders reject both). Following referrals down from a
customer gives that customer's *referral cascade* (data contract, "Definitions"):

- ``direct``: first-generation referees;
- ``cascade``: everyone in the cascade, all generations;
- ``depth``: the deepest generation reached;
- ``downstream_aum``: the sum of ``aum`` over the cascade (the customer's own assets
  not included).

Everything is computed for the whole bank at once with numpy: generation levels by
pointer jumping (``O(n log depth)``), then one vectorized pass per generation level,
deepest first, that hands each level's totals to the parents. There is no per-customer
Python loop and no depth-first search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.algorithms.sparse import csr_from_edges, index_ids
from guanxi.errors import ConfigError, InvalidInput, NotFound
from guanxi.graph.schema import ColumnKind, decimal_column
from guanxi.money import Reporting, money_series

from .exposure import minor_of

__all__ = [
    "ReferralForest",
    "CascadeTree",
    "referral_forest",
    "referral_reach",
    "k_factor_by_cohort",
    "cascade_tree",
    "aggregate",
    "generation_counts",
    "unique_sorted",
]

#: columns of :func:`referral_reach`
REACH_COLUMNS = ("customer_id", "direct", "cascade", "depth", "downstream_aum", "generations")


@dataclass(frozen=True)
class ReferralForest:
    """The referral forest on integer node numbers.

    Attributes
    ----------
    ids : pandas.Index
        Customer id of each node (sorted strings): every customer, and every id named
        by a referral.
    parent : numpy.ndarray of int64
        Node number of each node's referrer, ``-1`` for none.
    level : numpy.ndarray of int64
        Generation of each node counted from the top of its tree (0 = not referred).
    aum : numpy.ndarray of float64
        ``aum`` of each node, NaN where unknown (a weight for rankings only; never
        summed into a reported figure).
    aum_minor : numpy.ndarray of int64
        ``aum`` of each node in minor units of the reporting currency, rounded half up
        once (0 where unknown): what reported sums add up, exactly.
    digits : int
        Decimal places of the reporting currency's minor unit.
    referrer, referee : numpy.ndarray of int64
        One entry per distinct referral: its two node numbers (sorted by referrer,
        then referee).
    customer_rows : numpy.ndarray of int64
        Node number of each row of the customers frame.
    referral_rows : numpy.ndarray of int64
        Node number of the referrer of each row of the referrals frame.
    """

    ids: pd.Index
    parent: np.ndarray
    level: np.ndarray
    aum: np.ndarray
    aum_minor: np.ndarray
    digits: int
    referrer: np.ndarray
    referee: np.ndarray
    customer_rows: np.ndarray
    referral_rows: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)

    def matrix(self, *, weights=None):
        """Adjacency matrix referrer -> referee (``scipy.sparse.csr_array``)."""
        return csr_from_edges(self.referrer, self.referee, self.n, weights=weights)


@dataclass(frozen=True)
class CascadeTree:
    """One customer's cascade, as returned by :func:`cascade_tree`.

    Attributes
    ----------
    nodes : pandas.DataFrame
        ``customer_id``, ``parent`` (NA for the root), ``generation`` (0 for the root),
        ``aum``, in breadth-first order (generation, then parent order, then id).
    truncated : bool
        True when ``max_depth`` or ``max_nodes`` cut the cascade short.
    """

    nodes: pd.DataFrame
    truncated: bool


def _require(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInput(f"{name} lacks the column(s) {', '.join(missing)}")


def unique_sorted(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer array.

    Sort-based on purpose: ``np.unique`` takes a hash path in numpy 2.4 that is about
    fifty times slower on wide-ranged int64 keys (4 s against 0.07 s for 2M keys).
    """
    if x.size == 0:
        return x
    x = np.sort(x)
    return x[np.concatenate(([True], x[1:] != x[:-1]))]


def _indexed_referrals(customer_ids, referrals: pd.DataFrame):
    """Node numbers of customers and referrals, checked to form a forest's edges.

    Returns ``ids, cust, src, dst, rows``: the sorted id index, the node number of
    each customer row, the referrer and referee of each distinct referral (sorted by
    referrer, then referee; repeated rows count once), and the referrer of each row.
    """
    _require(referrals, "referrals", ("referrer_id", "referee_id"))
    ids, (cust, src, dst) = index_ids(
        customer_ids, referrals["referrer_id"], referrals["referee_id"]
    )
    row_src = src
    bad = (src < 0) | (dst < 0)
    if bad.any():
        raise InvalidInput(f"referrals: {int(bad.sum())} row(s) lack a referrer_id or referee_id")
    n = max(len(ids), 1)
    key = unique_sorted(src * n + dst)
    src, dst = key // n, key % n
    selfref = src == dst
    if selfref.any():
        raise InvalidInput(f"referrals: customer {ids[src[selfref][0]]} refers themself")
    twice = np.bincount(dst, minlength=len(ids)) > 1
    if twice.any():
        raise InvalidInput(
            f"referrals: customer {ids[np.flatnonzero(twice)[0]]} has more than one referrer"
        )
    return ids, cust, src, dst, row_src


def _levels(parent: np.ndarray) -> np.ndarray:
    """Distance of every node to the top of its tree, by pointer jumping.

    ``jump[v]`` is an ancestor of ``v`` at distance ``dist[v]`` (or -1 once ``dist[v]``
    is the distance to the top); each round doubles the distance covered, so
    ``ceil(log2(depth)) + 1`` rounds suffice. A node still jumping after more rounds
    than a path of ``n`` nodes needs lies on, or under, a cycle.
    """
    n = parent.size
    jump = parent.copy()
    dist = (parent >= 0).astype(np.int64)
    active = np.flatnonzero(jump >= 0)
    limit = int(np.ceil(np.log2(max(n, 2)))) + 2
    rounds = 0
    while active.size:
        rounds += 1
        if rounds > limit:
            raise InvalidInput("referrals contain a cycle")
        via = jump[active]
        new_dist = dist[active] + dist[via]
        new_jump = jump[via]
        dist[active] = new_dist
        jump[active] = new_jump
        active = active[new_jump >= 0]
    return dist


def referral_forest(
    customers: pd.DataFrame, referrals: pd.DataFrame, *, reporting: Reporting | None = None
) -> ReferralForest:
    """Build the referral forest of a bank from canonical frames.

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers frame (``customer_id``; ``aum`` is used when present).
    referrals : pandas.DataFrame
        Canonical referrals frame (``referrer_id``, ``referee_id``). Repeated rows
        count once.

    Returns
    -------
    ReferralForest

    Raises
    ------
    guanxi.errors.InvalidInput
        If a column is missing, an id is missing, a customer refers themself, a
        referee has two referrers, or the referrals contain a cycle.

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "aum": [1.0, 2.0, 3.0]})
    >>> referrals = pd.DataFrame({"referrer_id": ["a", "b"], "referee_id": ["b", "c"]})
    >>> referral_forest(customers, referrals).level.tolist()
    [0, 1, 2]
    """
    _require(customers, "customers", ("customer_id",))
    digits = (reporting or Reporting()).digits
    ids, cust, src, dst, rows = _indexed_referrals(customers["customer_id"], referrals)
    n = len(ids)
    aum = np.full(n, np.nan)
    aum_minor = np.zeros(n, dtype=np.int64)
    if "aum" in customers.columns:
        minor, known = _customer_amounts(customers["aum"], digits)
        ok = cust >= 0
        # the first row of a customer wins (canonical frames have one)
        aum[cust[ok][::-1]] = np.where(known, minor / 10**digits, np.nan)[ok][::-1]
        aum_minor[cust[ok][::-1]] = minor[ok][::-1]
    parent = np.full(n, -1, dtype=np.int64)
    parent[dst] = src
    level = _levels(parent)
    return ReferralForest(ids, parent, level, aum, aum_minor, digits, src, dst, cust, rows)


def _customer_amounts(values: pd.Series, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """A customer-level amount (in the reporting currency, exact decimals) in minor
    units, rounded half up once; missing as 0, with the mask of known values."""
    if not (
        isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_decimal(values.dtype.pyarrow_dtype)
    ):
        values = decimal_column(values, ColumnKind.MONEY)
    return minor_of(values, digits)


def aggregate(forest: ReferralForest):
    """``direct``, ``cascade``, ``depth`` and downstream aum (int64 minor units, exact)
    of every node, computed one generation level at a time."""
    n = forest.n
    parent, level = forest.parent, forest.level
    aum = forest.aum_minor
    direct = np.bincount(forest.referrer, minlength=n).astype(np.int64)
    cascade = np.zeros(n, dtype=np.int64)
    depth = np.zeros(n, dtype=np.int64)
    down = np.zeros(n, dtype=np.int64)  # exact integer sums of minor units
    if forest.referee.size:
        # a stable sort on small integers (levels rarely pass a few dozen) is a radix sort
        small = np.int16 if int(level.max()) < np.iinfo(np.int16).max else np.int64
        order = np.argsort(level.astype(small), kind="stable")
        top = int(level.max())
        bounds = np.searchsorted(level[order], np.arange(top + 2))
        for gen in range(top, 0, -1):
            child = order[bounds[gen] : bounds[gen + 1]]
            up = parent[child]
            np.add.at(cascade, up, cascade[child] + 1)
            np.add.at(down, up, down[child] + aum[child])
            np.maximum.at(depth, up, depth[child] + 1)
    return direct, cascade, depth, down


def generation_counts(forest: ReferralForest, nodes: np.ndarray, depth: np.ndarray) -> pd.Series:
    """``'3;7;2'`` for each of ``nodes``: its referees per generation, every generation
    down to its ``depth`` (at least one entry), never cut short.

    Generation ``k`` of ``u`` is the set of nodes whose ``k``-th ancestor is ``u``; the
    ``k``-th ancestors of all nodes are found by ``k`` parent look-ups, keeping only
    the nodes that still have one. Memory grows with the total of the depths, not
    with ``nodes x deepest``.
    """
    n = forest.n
    if nodes.size == 0:
        return pd.Series([], dtype="str")
    length = np.maximum(depth, 1)
    rows, gens, values = [], [], []
    anc = forest.parent[forest.parent >= 0]
    position = np.full(n, -1, dtype=np.int64)
    position[nodes] = np.arange(nodes.size)
    for k in range(int(length.max())):
        wanted = np.flatnonzero(length > k)  # rows still spelling generation k + 1
        count = (
            np.bincount(anc, minlength=n)[nodes[wanted]]
            if anc.size
            else np.zeros(wanted.size, dtype=np.int64)
        )
        rows.append(wanted)
        gens.append(np.full(wanted.size, k, dtype=np.int64))
        values.append(count.astype(np.int64))
        anc = forest.parent[anc]
        anc = anc[anc >= 0]
    row, gen, value = np.concatenate(rows), np.concatenate(gens), np.concatenate(values)
    order = np.lexsort((gen, row))
    offsets = np.concatenate(([0], np.cumsum(length))).astype(np.int64)
    lists = pa.LargeListArray.from_arrays(
        pa.array(offsets, pa.int64()), pa.array(value[order], pa.int64()).cast(pa.large_string())
    )
    joined = pc.binary_join(lists, pa.scalar(";", pa.large_string()))
    del position
    return pd.Series(joined, dtype="str")


def referral_reach(
    customers: pd.DataFrame, referrals: pd.DataFrame, *, reporting: Reporting | None = None
) -> pd.DataFrame:
    """The referral cascade of every customer who referred at least one other.

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers frame (``customer_id``, ``aum``).
    referrals : pandas.DataFrame
        Canonical referrals frame (``referrer_id``, ``referee_id``).
    reporting : Reporting, optional
        The reporting currency (``aum`` is in it); sums are exact (:mod:`guanxi.money`).

    Returns
    -------
    pandas.DataFrame
        One row per customer with at least one referral, sorted by ``customer_id``:

        - ``customer_id`` (str);
        - ``direct`` (int64): first-generation referees;
        - ``cascade`` (int64): everyone reached, all generations;
        - ``depth`` (int64): the deepest generation reached (1 = direct only);
        - ``downstream_aum`` (exact decimal): sum of ``aum`` over the cascade, each
          customer's rounded once to the minor unit, missing ``aum`` counted as 0,
          the customer's own not included;
        - ``generations`` (str): referees per generation, ``'3;7;2'`` = 3 direct, 7 in
          the second generation, 2 in the third; every generation down to ``depth``.

    Raises
    ------
    guanxi.errors.InvalidInput
        If the referrals are not a forest (see :func:`referral_forest`).

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
    ...                           "aum": ["1", "2", "3", "4.005"]})
    >>> referrals = pd.DataFrame({"referrer_id": ["a", "a", "b"],
    ...                           "referee_id": ["b", "c", "d"]})
    >>> referral_reach(customers, referrals).to_dict("records")[0]
    {'customer_id': 'a', 'direct': 2, 'cascade': 3, 'depth': 2, \
'downstream_aum': Decimal('9.01'), 'generations': '2;1'}

    See Also
    --------
    cascade_tree : one customer's cascade, node by node.

    Notes
    -----
    The cost is ``O(n log d)`` for the generation levels (pointer jumping over the
    parent pointers), plus one vectorized step per generation level for the totals
    and one ``O(n)`` step per spelled-out generation, where ``d`` is the deepest
    chain. A forest of 1M customers and 330k referrals takes about a quarter of a
    second, a third of it turning string ids into node numbers.

    References
    ----------
    .. [1] Wyllie, J. C. (1979). The Complexity of Parallel Computations. PhD thesis,
       Cornell University (pointer jumping / list ranking).
    """
    forest = referral_forest(customers, referrals, reporting=reporting)
    direct, cascade, depth, down = aggregate(forest)
    nodes = np.flatnonzero(direct > 0)
    return pd.DataFrame(
        {
            "customer_id": pd.Series(forest.ids[nodes], dtype="str"),
            "direct": direct[nodes],
            "cascade": cascade[nodes],
            "depth": depth[nodes],
            "downstream_aum": money_series(down[nodes], forest.digits),
            "generations": generation_counts(forest, nodes, depth[nodes]),
        }
    )


def k_factor_by_cohort(customers: pd.DataFrame, referrals: pd.DataFrame) -> pd.DataFrame:
    """Viral coefficient (k-factor) of each joining-month cohort.

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers frame (``customer_id``, ``joined_on`` as ISO dates).
    referrals : pandas.DataFrame
        Canonical referrals frame (``referrer_id``, ``referee_id``).

    Returns
    -------
    pandas.DataFrame
        One row per cohort, sorted by cohort:

        - ``cohort`` (str, ``'YYYY-MM'``): the month the members joined;
        - ``size`` (int64): customers who joined that month;
        - ``referrers`` (int64): members who referred at least one customer;
        - ``referees`` (int64): customers the members referred (first generation,
          at any time since joining);
        - ``referred`` (int64): members who were themselves referred;
        - ``k_factor`` (float64): ``referees / size``.

    Raises
    ------
    guanxi.errors.InvalidInput
        If a required column is missing.

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                           "joined_on": ["2024-01-05", "2024-01-20", "2024-02-01"]})
    >>> referrals = pd.DataFrame({"referrer_id": ["a"], "referee_id": ["c"]})
    >>> k_factor_by_cohort(customers, referrals)[["cohort", "size", "k_factor"]].to_dict("list")
    {'cohort': ['2024-01', '2024-02'], 'size': [2, 1], 'k_factor': [0.5, 0.0]}

    Notes
    -----
    ``k = referees brought by the cohort's members / cohort size``: the average
    number of new customers one member of the cohort brought in, all of their
    referrals counted whenever they were made. A cohort with ``k >= 1`` replaces
    itself by word of mouth alone. Recent cohorts have had less time to refer, so
    their ``k`` is lower by construction; compare cohorts of similar age.

    The textbook k-factor is *invitations per member x conversion rate of an
    invitation*. The data contract records successful referrals only, not the
    invitations sent, so neither factor is available separately: this ``k`` is
    their product, measured directly. Customers without ``joined_on`` belong to no
    cohort and are left out, and so are referrals by ids absent from ``customers``.

    References
    ----------
    .. [1] Skok, D. (2009). Lessons learned - viral marketing. For Entrepreneurs
       (viral coefficient K = invitations x conversion).
    """
    _require(customers, "customers", ("customer_id", "joined_on"))
    ids, cust, src, dst, _ = _indexed_referrals(customers["customer_id"], referrals)
    made = np.bincount(src, minlength=len(ids)).astype(np.int64)
    was_referred = np.zeros(len(ids), dtype=np.int64)
    was_referred[dst] = 1
    members = pd.DataFrame(
        {"node": cust, "cohort": customers["joined_on"].astype("str").str.slice(0, 7)}
    )
    members = members[(members["node"] >= 0) & members["cohort"].notna()]
    members = members.drop_duplicates("node")
    node = members["node"].to_numpy()
    members = members.assign(
        referees=made[node],
        referrer=(made[node] > 0).astype(np.int64),
        referred=was_referred[node],
    )
    out = (
        members.groupby("cohort", sort=True)
        .agg(
            size=("node", "size"),
            referrers=("referrer", "sum"),
            referees=("referees", "sum"),
            referred=("referred", "sum"),
        )
        .reset_index()
    )
    out["cohort"] = out["cohort"].astype("str")
    for col in ("size", "referrers", "referees", "referred"):
        out[col] = out[col].astype(np.int64)
    out["k_factor"] = out["referees"] / out["size"]
    return out[["cohort", "size", "referrers", "referees", "referred", "k_factor"]]


def cascade_tree(
    referrals: pd.DataFrame,
    customers: pd.DataFrame,
    root: str,
    *,
    max_depth: int | None = None,
    max_nodes: int | None = 1000,
    reporting: Reporting | None = None,
) -> CascadeTree:
    """One customer's referral cascade, node by node, for a view or an API answer.

    Parameters
    ----------
    referrals : pandas.DataFrame
        Canonical referrals frame (``referrer_id``, ``referee_id``).
    customers : pandas.DataFrame
        Canonical customers frame (``customer_id``, ``aum``).
    root : str
        The customer whose cascade is wanted.
    max_depth : int, optional
        Deepest generation to include (>= 0); all when omitted.
    max_nodes : int, optional, default 1000
        Most nodes to return, the root included (>= 1); all when ``None``.

    Returns
    -------
    CascadeTree
        ``nodes`` (``customer_id``, ``parent``, ``generation``, ``aum``) in
        breadth-first order, and ``truncated``: whether a limit left nodes out.
        When ``max_nodes`` cuts a generation, its first nodes in that order are kept,
        so the result is the same for the same input.

    Raises
    ------
    guanxi.errors.NotFound
        If ``root`` is neither a customer nor named by a referral.
    guanxi.errors.ConfigError
        If ``max_depth < 0`` or ``max_nodes < 1``.
    guanxi.errors.InvalidInput
        If the referrals reached from ``root`` contain a cycle.

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "aum": [1.0, 2.0, 3.0]})
    >>> referrals = pd.DataFrame({"referrer_id": ["a", "b"], "referee_id": ["b", "c"]})
    >>> t = cascade_tree(referrals, customers, "a", max_depth=1)
    >>> t.nodes["customer_id"].tolist(), t.truncated
    (['a', 'b'], True)

    Notes
    -----
    The referral ids are numbered once (a sort-based factorisation of the two id
    columns, ``O(E log E)``); each generation is then one vectorized range look-up
    in the referrals sorted by referrer. On 600k referrals a call takes under a
    second, nearly all of it the numbering: an API serving many trees should keep
    the numbered referrals between calls.
    """
    if max_depth is not None and int(max_depth) < 0:
        raise ConfigError(f"max_depth must be >= 0, got {max_depth}")
    if max_nodes is not None and int(max_nodes) < 1:
        raise ConfigError(f"max_nodes must be >= 1, got {max_nodes}")
    _require(customers, "customers", ("customer_id",))
    _require(referrals, "referrals", ("referrer_id", "referee_id"))
    root = str(root)
    pairs = referrals[["referrer_id", "referee_id"]].astype("str").dropna()
    # node numbers of the referral ids only: no need to index every customer
    codes, names = pd.factorize(
        pd.concat([pairs["referrer_id"], pairs["referee_id"]], ignore_index=True), sort=True
    )
    m = len(pairs)
    src, dst = codes[:m].astype(np.int64), codes[m:].astype(np.int64)
    start = names.get_indexer([root])[0] if len(names) else -1
    cust_ids = customers["customer_id"].astype("str")
    if start < 0 and not (cust_ids == root).any():
        raise NotFound(f"customer {root} not found")

    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    node = [np.array([start], dtype=np.int64)] if start >= 0 else []
    parent = [np.array([-1], dtype=np.int64)]
    gens = [np.zeros(1, dtype=np.int64)]
    total = 1
    truncated = False
    seen = np.zeros(len(names), dtype=bool)
    if start >= 0:
        seen[start] = True
    frontier = node[0] if start >= 0 else np.zeros(0, dtype=np.int64)
    generation = 0
    limit = None if max_nodes is None else int(max_nodes)
    while frontier.size:
        lo = np.searchsorted(src, frontier, side="left")
        hi = np.searchsorted(src, frontier, side="right")
        count = hi - lo
        if count.sum() == 0:
            break
        if max_depth is not None and generation >= int(max_depth):
            truncated = True
            break
        # children in breadth-first order: by parent position, then by id (dst is
        # sorted within each parent, and node numbers follow id order)
        up = np.repeat(frontier, count)
        first = np.repeat(lo - (np.cumsum(count) - count), count)
        kids = dst[np.arange(count.sum()) + first]
        if seen[kids].any():
            raise InvalidInput(f"referrals below customer {root} contain a cycle")
        seen[kids] = True
        generation += 1
        if limit is not None and total + kids.size > limit:
            kids, up = kids[: limit - total], up[: limit - total]
            truncated = True
        node.append(kids)
        parent.append(up)
        gens.append(np.full(kids.size, generation, dtype=np.int64))
        total += kids.size
        if truncated:
            break
        frontier = kids

    if start >= 0:
        node_all = np.concatenate(node)
        ids = pd.Series(np.asarray(names, dtype=object)[node_all], dtype="str")
        up_all = np.concatenate(parent)
        par = pd.Series(
            np.where(up_all >= 0, np.asarray(names, dtype=object)[np.maximum(up_all, 0)], None),
            dtype="str",
        )
    else:
        ids = pd.Series([root], dtype="str")
        par = pd.Series([None], dtype="str")
    nodes = pd.DataFrame({"customer_id": ids, "parent": par, "generation": np.concatenate(gens)})
    digits = (reporting or Reporting()).digits
    aum = np.zeros(len(ids), dtype=np.int64)
    known = np.zeros(len(ids), dtype=bool)
    if "aum" in customers.columns:
        pos = pd.Index(ids).get_indexer(cust_ids)
        hit = pos >= 0
        minor, present = _customer_amounts(customers["aum"], digits)
        # the first row of a customer wins (canonical frames have one)
        aum[pos[hit][::-1]] = minor[hit][::-1]
        known[pos[hit][::-1]] = present[hit][::-1]
    nodes["aum"] = money_series(aum, digits, mask=known)
    return CascadeTree(nodes, truncated)
