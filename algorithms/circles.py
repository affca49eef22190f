"""Guarantee circles (担保圈): customers who guarantee each other round a loop.

A **guarantee circle** is a strongly connected set of two or more customers in the
directed guarantee graph, guarantor -> borrower (``shared/data-contract.md``). The
whole-bank pass is one sparse strongly-connected-components run
(:func:`guanxi.algorithms.sparse.strongly_connected_labels`); the simple cycles inside
each circle are then listed with :func:`networkx.simple_cycles` on the circle's own
small subgraph, up to a bound.

Choices where the contract is silent
------------------------------------
- Only guarantees valid on ``as_of`` count, with the rule of
  :func:`guanxi.algorithms.groups.valid_guarantees` (``valid_from`` missing or
  ``<= as_of``, ``valid_to`` missing or ``>= as_of``); ``as_of=None`` counts every
  guarantee. Self-guarantees are ignored.
- A circle's ``guarantees`` are the valid rows with both ends in the circle; its
  ``guaranteed_amount`` sums their ``amount`` (a missing amount counts 0), each in
  the currency of the account it guarantees (the reporting currency when the row
  names no account, or one not in ``accounts``), converted and rounded half up once
  to the reporting currency's minor unit (:mod:`guanxi.money`).
- A circle's ``exposure`` counts each open credit account held by any member (as
  primary or through ``account_holders``) once.
- Cycles are written from their smallest customer_id, ``a>b>c>a``, and listed by
  length then path. ``cycles_truncated`` is True when the listing is incomplete:
  more than ``max_cycles`` cycles exist, or a cycle longer than ``max_cycle_length``
  was left out.
"""

from __future__ import annotations

from itertools import islice

import networkx as nx
import numpy as np
import pandas as pd

from guanxi.errors import ConfigError
from guanxi.graph.schema import Entity
from guanxi.money import Reporting, money_series

from .engine import IN_PROCESS, Engine
from .exposure import check_ccf, credit_holdings_of, minor_of
from .frames import contract_frame as _frame
from .groups import valid_guarantees
from .sparse import (
    first_nodes,
    index_ids,
    take_ids,
)

__all__ = ["guarantee_circles", "circle_cycles", "guarantee_amounts", "circle_chains"]

_CIRCLE_COLUMNS = {
    "circle_id": "str",
    "size": "int64",
    "guarantees": "int64",
    "guaranteed_amount": "money",
    "exposure": "money",
    "cycles_found": "int64",
    "cycles_truncated": "bool",
}
_MEMBER_COLUMNS = {"circle_id": "str", "customer_id": "str"}
_CYCLE_COLUMNS = {"circle_id": "str", "cycle_no": "int64", "path": "str"}


def _empty(columns: dict[str, str], digits: int = 2) -> pd.DataFrame:
    return pd.DataFrame(
        {
            k: money_series(np.zeros(0, np.int64), digits)
            if t == "money"
            else pd.Series([], dtype=t)
            for k, t in columns.items()
        }
    )


def _is_count(value, minimum: int) -> bool:
    return (
        isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= minimum
    ) or (isinstance(value, float) and value.is_integer() and value >= minimum)


def _check_bounds(max_cycles, max_cycle_length) -> None:
    if not _is_count(max_cycles, 0):
        raise ConfigError(f"max_cycles must be an integer >= 0, got {max_cycles!r}")
    if max_cycle_length is not None and not _is_count(max_cycle_length, 2):
        raise ConfigError(
            f"max_cycle_length must be None or an integer >= 2, got {max_cycle_length!r}"
        )


def _rotate(cycle: list[str]) -> tuple[str, ...]:
    k = cycle.index(min(cycle))
    return tuple(cycle[k:] + cycle[:k])


def circle_cycles(
    edges, *, max_cycles: int = 100, max_cycle_length: int | None = None
) -> tuple[list[tuple[str, ...]], bool]:
    """The simple cycles of one small directed graph, up to a bound.

    Parameters
    ----------
    edges : iterable of (str, str)
        Directed edges guarantor -> borrower (duplicates and self-loops are ignored).
    max_cycles : int, default 100
        Most cycles listed.
    max_cycle_length : int, optional
        Longest cycle listed, in customers; ``None`` for no length bound.

    Returns
    -------
    cycles : list of tuple of str
        Each cycle as its customers, starting from the smallest id (the closing edge
        back to the first is implied), sorted by length then ids.
    truncated : bool
        True when more than ``max_cycles`` cycles exist or a longer cycle than
        ``max_cycle_length`` was left out.

    Raises
    ------
    ConfigError
        If ``max_cycles < 0`` or ``max_cycle_length < 2``.

    Notes
    -----
    networkx enumerates cycles with polynomial delay (Johnson's algorithm, or
    Gupta and Suzumura's with a length bound), so stopping after ``max_cycles + 1``
    cycles bounds the time even inside a dense circle. Deciding whether a longer cycle
    was left out takes at most ``cycles found + 1`` more steps of the unbounded
    enumeration.

    References
    ----------
    .. [1] D. B. Johnson, "Finding all the elementary circuits of a directed graph",
       SIAM J. Comput. 4(1), 1975.
    .. [2] A. Gupta and T. Suzumura, "Finding All Bounded-Length Simple Cycles in a
       Directed Graph", arXiv:2105.10094, 2021.

    Examples
    --------
    >>> circle_cycles([("a", "b"), ("b", "c"), ("c", "a"), ("a", "c")])
    ([('a', 'c'), ('a', 'b', 'c')], False)
    """
    _check_bounds(max_cycles, max_cycle_length)
    max_cycles = int(max_cycles)
    max_cycle_length = None if max_cycle_length is None else int(max_cycle_length)
    g = nx.DiGraph()
    g.add_edges_from(sorted({(str(u), str(v)) for u, v in edges if u != v}))
    found = list(islice(nx.simple_cycles(g, length_bound=max_cycle_length), max_cycles + 1))
    truncated = len(found) > max_cycles
    found = found[:max_cycles]
    if not truncated and max_cycle_length is not None and max_cycle_length < len(g):
        # every cycle within the bound is listed; any further cycle must be longer
        truncated = sum(1 for _ in islice(nx.simple_cycles(g), len(found) + 1)) > len(found)
    cycles = sorted((_rotate(c) for c in found), key=lambda c: (len(c), c))
    return cycles, truncated


def guarantee_circles(
    guarantees: pd.DataFrame | None,
    accounts: pd.DataFrame | None = None,
    account_holders: pd.DataFrame | None = None,
    *,
    as_of=None,
    ccf_default="1",
    max_cycles: int = 100,
    max_cycle_length: int | None = None,
    reporting: Reporting | None = None,
    engine: Engine | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Guarantee circles, their members and the cycles inside them.

    ``engine`` runs the strongly-connected-components pass
    (:mod:`guanxi.algorithms.engine`; default: scipy, in this process).

    Parameters
    ----------
    guarantees : pandas.DataFrame or None
        Canonical ``guarantees`` frame.
    accounts, account_holders : pandas.DataFrame or None
        Canonical frames, for the members' exposure (``None``: no rows, exposure 0).
    as_of : str, datetime.date or None, default None
        Only guarantees valid on this date count; ``None`` counts them all.
    ccf_default : Decimal, int or str, default "1"
        Credit conversion factor where an account's ``ccf`` is missing.
    reporting : Reporting, optional
        The reporting currency and rates (amounts are exact, see :mod:`guanxi.money`).
    max_cycles : int, default 100
        Most cycles listed per circle.
    max_cycle_length : int, optional
        Longest cycle listed, in customers; ``None`` for no length bound.

    Returns
    -------
    circles : pandas.DataFrame
        ``circle_id`` (smallest member customer_id), ``size``, ``guarantees`` (valid
        rows inside the circle), ``guaranteed_amount``, ``exposure`` (members' open
        credit, each account once), ``cycles_found`` (cycles listed),
        ``cycles_truncated``; by circle_id.
    members : pandas.DataFrame
        ``circle_id``, ``customer_id``; by circle_id, customer_id.
    cycles : pandas.DataFrame
        ``circle_id``, ``cycle_no`` (1, 2, ... within the circle), ``path``
        (``a>b>c>a``, from the smallest id).

    Raises
    ------
    ConfigError
        If ``as_of`` is not a date, ``ccf_default`` is outside 0..1 or a bound is
        invalid.

    Examples
    --------
    >>> from guanxi.graph.schema import canonical_frame
    >>> g = canonical_frame(Entity.GUARANTEES, pd.DataFrame({"guarantor_id": ["A", "B", "C"],
    ...     "borrower_id": ["B", "C", "A"], "amount": ["10", "20.5", None]}))
    >>> circles, members, cycles = guarantee_circles(g)
    >>> circles[["circle_id", "size", "guarantees", "guaranteed_amount", "cycles_found"]]
      circle_id  size  guarantees  guaranteed_amount  cycles_found
    0         A     3           3              30.50             1
    >>> cycles["path"].tolist()
    ['A>B>C>A']
    """
    _check_bounds(max_cycles, max_cycle_length)
    check_ccf(ccf_default)  # the inputs are checked before any work, as ever
    reporting = reporting or Reporting()
    digits = reporting.digits
    _frame(Entity.ACCOUNTS, accounts)
    _frame(Entity.ACCOUNT_HOLDERS, account_holders)
    g = valid_guarantees(guarantees, as_of=as_of)
    index, (src, dst) = index_ids(g["guarantor_id"], g["borrower_id"])
    n = len(index)
    if n == 0:
        return _empty(_CIRCLE_COLUMNS, digits), _empty(_MEMBER_COLUMNS), _empty(_CYCLE_COLUMNS)
    labels = (engine or IN_PROCESS).strong_components(n, src, dst)
    sizes = np.bincount(labels)
    in_circle = sizes[labels] >= 2
    if not in_circle.any():
        return _empty(_CIRCLE_COLUMNS, digits), _empty(_MEMBER_COLUMNS), _empty(_CYCLE_COLUMNS)
    # each node's circle as the node number of its smallest member (-1: in none)
    root = np.where(in_circle, first_nodes(labels)[labels], -1)

    nodes = np.flatnonzero(in_circle)
    nodes = nodes[np.lexsort((nodes, root[nodes]))]  # by circle_id, customer_id
    members = pd.DataFrame(
        {"circle_id": take_ids(index, root[nodes]), "customer_id": take_ids(index, nodes)}
    ).astype(_MEMBER_COLUMNS)

    inside = (root[src] >= 0) & (root[src] == root[dst])
    rows_inside = g.loc[inside]
    amount = guarantee_amounts(rows_inside, accounts, reporting)
    inner = pd.DataFrame(
        {
            "circle_id": take_ids(index, root[src[inside]]),
            "guarantor_id": take_ids(index, src[inside]),
            "borrower_id": take_ids(index, dst[inside]),
            "amount_minor": amount,
        }
    ).astype({"circle_id": "str", "guarantor_id": "str", "borrower_id": "str"})

    circles = members.groupby("circle_id", sort=True).size().rename("size").to_frame()
    per = inner.groupby("circle_id")
    circles["guarantees"] = per.size().reindex(circles.index).fillna(0).astype(np.int64)
    guaranteed = per["amount_minor"].sum().reindex(circles.index).fillna(0).astype(np.int64)
    # the members' holdings (few), in holdings order, with their circle
    holdings = credit_holdings_of(
        members["customer_id"],
        accounts,
        account_holders,
        ccf_default=ccf_default,
        reporting=reporting,
    )
    held = holdings.loc[holdings["customer_id"].isin(members["customer_id"]).to_numpy(dtype=bool)]
    held = held.assign(
        circle_id=take_ids(index, root[index.get_indexer(held["customer_id"])]).to_numpy()
    )
    held = held.drop_duplicates(["circle_id", "account_id"])
    exposure = (
        held.groupby("circle_id")["exposure_minor"].sum().reindex(circles.index).fillna(0)
    ).astype(np.int64)
    circles["guaranteed_amount"] = money_series(guaranteed.to_numpy(), digits).array
    circles["exposure"] = money_series(exposure.to_numpy(), digits).array

    found, truncated, rows = [], [], []
    for circle_id, edges in inner.groupby("circle_id", sort=True):
        cycles, cut = circle_cycles(
            zip(edges["guarantor_id"], edges["borrower_id"], strict=True),
            max_cycles=max_cycles,
            max_cycle_length=max_cycle_length,
        )
        found.append(len(cycles))
        truncated.append(cut)
        rows.extend((circle_id, k, ">".join((*c, c[0]))) for k, c in enumerate(cycles, start=1))
    circles["cycles_found"] = np.asarray(found, dtype=np.int64)
    circles["cycles_truncated"] = np.asarray(truncated, dtype=bool)
    circles = circles.reset_index()[list(_CIRCLE_COLUMNS)]
    cycles = (
        pd.DataFrame(rows, columns=list(_CYCLE_COLUMNS)).astype(_CYCLE_COLUMNS)
        if rows
        else _empty(_CYCLE_COLUMNS)
    )
    return circles, members, cycles


def guarantee_amounts(
    guarantees: pd.DataFrame, accounts: pd.DataFrame | None, reporting: Reporting
) -> np.ndarray:
    """Each guarantee row's ``amount`` in minor units of the reporting currency (int64):
    in the currency of the account it guarantees (the reporting currency when the row
    names no account, or one not in ``accounts``), converted and rounded half up once;
    a missing amount counts 0.

    Raises
    ------
    ConfigError
        The account's currency has no rate.
    """
    amount, _ = minor_of(
        guarantees["amount"],
        reporting.digits,
        _guarantee_rates(guarantees["account_id"], accounts, reporting),
    )
    return amount


def _guarantee_rates(account_ids: pd.Series, accounts, reporting: Reporting) -> np.ndarray:
    """The rate of each guarantee's amount: its account's currency (reporting currency
    when the row names no account, or one not in ``accounts``)."""
    a = _frame(Entity.ACCOUNTS, accounts)
    currency = pd.Series(
        a["currency"].astype("str").to_numpy(), index=a["account_id"].astype("str").to_numpy()
    )
    currency = currency[~currency.index.duplicated()]
    codes = pd.Series(account_ids.astype("str").map(currency).to_numpy(), dtype="str")
    rate, missing = reporting.rate_units(codes)
    if missing.any():
        raise ConfigError(
            "guarantees of accounts in "
            + ", ".join(sorted(set(codes[missing])))
            + f" have no rate to {reporting.currency} in fx_rates"
        )
    return rate


_CHAIN_COLUMNS = {
    "circle_id": "str",
    "direction": "str",
    "hop": "int64",
    "guarantor_id": "str",
    "borrower_id": "str",
    "amount": "money",
    "source_key": "str",
    "truncated": "bool",
}


def circle_chains(
    guarantees: pd.DataFrame | None,
    circle_members: pd.DataFrame,
    accounts: pd.DataFrame | None = None,
    *,
    as_of=None,
    max_hops: int = 2,
    max_edges: int = 200,
    reporting: Reporting | None = None,
) -> pd.DataFrame:
    """The guarantee chains (担保链) hanging off each circle, out and in, up to
    ``max_hops`` guarantees away.

    ``out``: the guarantees the circle's members give to customers outside it, and the
    guarantees those customers give in turn (the borrowers who lose their cover when the
    circle fails). ``in``: the guarantees outsiders give to the circle's members, and
    those given to the outsiders in turn (the guarantors called when the circle fails).
    A guarantee between two members is the circle's own, never a chain.

    Parameters
    ----------
    guarantees : pandas.DataFrame or None
        Canonical ``guarantees`` frame; only rows valid on ``as_of`` count.
    circle_members : pandas.DataFrame
        ``circle_id``, ``customer_id`` (as :func:`guarantee_circles` gives).
    accounts : pandas.DataFrame or None
        For the currency of each guaranteed account.
    as_of : str, datetime.date or None
    max_hops : int, default 2
        How many guarantees away from the circle a chain is followed (>= 1).
    max_edges : int, default 200
        Most guarantees listed per circle and direction; ``truncated`` says when more
        were left out.
    reporting : Reporting, optional

    Returns
    -------
    pandas.DataFrame
        ``circle_id``, ``direction`` (``out`` or ``in``), ``hop`` (1: touches the
        circle), ``guarantor_id``, ``borrower_id``, ``amount`` (reporting currency),
        ``source_key`` (the guarantee's natural key, ``guarantor|borrower|account_id|
        valid_from``), ``truncated``; by circle, direction, hop, guarantor, borrower.

    Raises
    ------
    ConfigError
        A bound below 1, a date that does not parse, or a currency without a rate.

    Examples
    --------
    >>> from guanxi.graph.schema import canonical_frame
    >>> g = canonical_frame(Entity.GUARANTEES, pd.DataFrame({
    ...     "guarantor_id": ["A", "B", "B", "X", "Y"], "borrower_id": ["B", "A", "C", "A", "X"],
    ...     "amount": ["1", "1", "5", "7", "2"]}))
    >>> m = pd.DataFrame({"circle_id": ["A", "A"], "customer_id": ["A", "B"]})
    >>> circle_chains(g, m)[["direction", "hop", "guarantor_id", "borrower_id", "amount"]]
      direction  hop guarantor_id borrower_id  amount
    0        in    1            X           A    7.00
    1        in    2            Y           X    2.00
    2       out    1            B           C    5.00
    """
    for value, name in ((max_hops, "max_hops"), (max_edges, "max_edges")):
        if not _is_count(value, 1):
            raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")
    reporting = reporting or Reporting()
    g = valid_guarantees(guarantees, as_of=as_of)
    amount = guarantee_amounts(g, accounts, reporting)
    gid = g["guarantor_id"].astype("str").tolist()
    bid = g["borrower_id"].astype("str").tolist()
    keys = _chain_keys(g)
    given: dict[str, list[int]] = {}  # guarantor -> its rows
    taken: dict[str, list[int]] = {}  # borrower -> its rows
    for i, (u, v) in enumerate(zip(gid, bid, strict=True)):
        given.setdefault(u, []).append(i)
        taken.setdefault(v, []).append(i)
    rows: list[tuple] = []
    for circle_id, part in circle_members.groupby("circle_id", sort=True):
        inside = set(part["customer_id"].astype(str))
        for direction, step, far in (("in", taken, gid), ("out", given, bid)):
            found: list[tuple] = []
            seen, frontier, cut = set(inside), sorted(inside), False
            for hop in range(1, int(max_hops) + 1):
                nxt: set[str] = set()
                for node in frontier:
                    for i in step.get(node, ()):
                        other = far[i]
                        if other in inside:
                            continue
                        found.append((hop, gid[i], bid[i], i))
                        if other not in seen:
                            seen.add(other)
                            nxt.add(other)
                frontier = sorted(nxt)
            found.sort()
            if len(found) > max_edges:
                found, cut = found[: int(max_edges)], True
            rows.extend((str(circle_id), direction, h, u, v, i, cut) for h, u, v, i in found)
    digits = reporting.digits
    if not rows:
        return _empty(_CHAIN_COLUMNS, digits)
    at = np.array([r[5] for r in rows], dtype=np.int64)
    out = pd.DataFrame(
        {
            "circle_id": [r[0] for r in rows],
            "direction": [r[1] for r in rows],
            "hop": np.array([r[2] for r in rows], dtype=np.int64),
            "guarantor_id": [r[3] for r in rows],
            "borrower_id": [r[4] for r in rows],
            "amount": money_series(amount[at], digits),
            "source_key": [keys[i] for i in at.tolist()],
            "truncated": np.array([r[6] for r in rows], dtype=bool),
        }
    )
    return out.astype({c: t for c, t in _CHAIN_COLUMNS.items() if t == "str"})


def _chain_keys(g: pd.DataFrame) -> list[str]:
    """Each guarantee row's natural key, ``guarantor|borrower|account_id|valid_from``
    (missing parts empty), as the connected-client links spell it."""
    parts = [g[c].astype("object").where(g[c].notna(), "") for c in
             ("guarantor_id", "borrower_id", "account_id", "valid_from")]  # fmt: skip
    return ["|".join(str(x) for x in row) for row in zip(*parts, strict=True)]
