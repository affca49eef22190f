"""Guarantee-circle contagion: what happens when some customers default.

The model (a what-if, not a forecast):

1. **Round 0**: the customers given are assumed to default.
2. **Guarantees called**: every guarantee valid on ``as_of`` whose borrower has
   defaulted is called. A guarantor's **obligation** is the sum of the ``amount`` of
   its called guarantees (converted to the reporting currency as the circles convert
   it; a missing amount counts 0), over every borrower defaulted so far.
3. **Default threshold**: a guarantor that has not defaulted defaults in the next round
   when its obligation is *strictly above* ``threshold`` times its ``net_assets``
   (``threshold`` 1 by default: the guarantees called exceed what it owns, it is
   insolvent). The comparison is exact (integers). A guarantor without ``net_assets``
   cannot be assessed: it never defaults in the model unless
   ``assume_default_without_net_assets`` is set, and is reported as not assessable.
4. Rounds repeat (the new defaulters' own guarantors are called) until a round adds no
   default. The number of rounds is at most the number of customers.

**Exposure at risk** of a round is the bank's gross credit exposure (as
:mod:`guanxi.algorithms.exposure` defines it) to the customers defaulting in it: the
open credit accounts they hold, each account counted once over the whole cascade (a
joint account of two defaulters counts in the first round it appears), with no credit
taken for guarantees or collateral.

**Key guarantors** of a circle (:func:`key_guarantors`): each member's default is
simulated alone; members are ranked by the total exposure at risk of their cascade
(then by the number of defaults, then by customer_id).

Each guarantor called is reported with its obligation, its own credit exposure to the
bank and its net assets, so a reviewer sees the obligation against both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from guanxi.errors import ConfigError, NotFound
from guanxi.graph.schema import Entity
from guanxi.money import Reporting, money_series

from .circles import guarantee_amounts
from .exposure import credit_holdings_and_codes, minor_of
from .frames import contract_frame
from .groups import valid_guarantees
from .sparse import id_codes, index_ids

__all__ = [
    "DEFAULT_THRESHOLD",
    "GuaranteeNetwork",
    "Contagion",
    "guarantee_network",
    "simulate_defaults",
    "key_guarantors",
]

#: a guarantor defaults when its obligation is above this share of its net assets
DEFAULT_THRESHOLD = Decimal(1)


@dataclass(frozen=True)
class GuaranteeNetwork:
    """Who guarantees whom for how much, each customer's credit and net assets: what a
    contagion simulation reads (:func:`guarantee_network`).

    Customers are numbered by ``index`` (sorted ids); amounts are int64 minor units.
    The guarantees of borrower ``i`` are rows ``guarantee_start[i]:guarantee_start[i+1]``
    of ``guarantor``/``amount``; its open credit accounts rows
    ``account_start[i]:account_start[i+1]`` of ``account``/``account_exposure``.
    """

    index: pd.Index
    guarantee_start: np.ndarray
    guarantor: np.ndarray
    amount: np.ndarray
    account_start: np.ndarray
    account: np.ndarray
    account_exposure: np.ndarray
    exposure: np.ndarray  # single-name exposure
    net_assets: np.ndarray  # -1: missing
    digits: int

    def number(self, customer_id: str) -> int | None:
        """The number of a customer, or None."""
        at = self.index.get_indexer([str(customer_id)])[0]
        return None if at < 0 else int(at)


def _csr(keys: np.ndarray, n: int, *values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Rows grouped by ``keys`` (stable): the start of each key's rows, then the values."""
    order = np.argsort(keys, kind="stable")
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=start[1:])
    return (start, *(v[order] for v in values))


def guarantee_network(
    customers: pd.DataFrame | None,
    accounts: pd.DataFrame | None,
    account_holders: pd.DataFrame | None,
    guarantees: pd.DataFrame | None,
    *,
    as_of,
    ccf_default="1",
    reporting: Reporting | None = None,
) -> GuaranteeNetwork:
    """Build the :class:`GuaranteeNetwork` of canonical frames (vectorized).

    Raises
    ------
    ConfigError
        A date that does not parse, a ``ccf_default`` outside 0..1, or a currency
        without a rate.
    """
    reporting = reporting or Reporting()
    c = contract_frame(Entity.CUSTOMERS, customers)
    g = valid_guarantees(guarantees, as_of=as_of)
    amount = guarantee_amounts(g, accounts, reporting)
    holdings, _ = credit_holdings_and_codes(
        accounts, account_holders, ccf_default=ccf_default, reporting=reporting
    )
    index, (cust, gid, bid, hid) = index_ids(
        c["customer_id"], g["guarantor_id"], g["borrower_id"], holdings["customer_id"]
    )
    n = len(index)
    _, (account,) = id_codes(holdings["account_id"])
    minor = holdings["exposure_minor"].to_numpy(dtype=np.int64)
    guarantee_start, guarantor, amount = _csr(bid, n, gid, amount.astype(np.int64))
    account_start, account, account_exposure = _csr(hid, n, account, minor)
    exposure = np.zeros(n, dtype=np.int64)
    np.add.at(exposure, hid, minor)
    net = np.full(n, -1, dtype=np.int64)
    values, present = minor_of(c["net_assets"], reporting.digits)
    net[cust[present]] = values[present]
    return GuaranteeNetwork(
        index, guarantee_start, guarantor, amount, account_start, account,
        account_exposure, exposure, net, reporting.digits,
    )  # fmt: skip


@dataclass
class Contagion:
    """What one simulation found.

    Attributes
    ----------
    rounds : pandas.DataFrame
        One row per round: ``round`` (0: the assumed defaults), ``defaults`` (new
        defaulters), ``exposure_at_risk`` (the round's), ``cumulative_exposure_at_risk``.
    defaults : pandas.DataFrame
        One row per defaulter: ``round``, ``customer_id``, ``cause`` (``assumed`` or
        ``guarantees called``), ``obligation`` (called guarantees when it defaulted;
        0 for an assumed default), ``net_assets``, ``credit_exposure`` (its
        single-name exposure), ``exposure_at_risk`` (the accounts first counted with
        it).
    guarantors : pandas.DataFrame
        Every guarantor called: ``customer_id``, ``guarantees_called``,
        ``obligation``, ``credit_exposure``, ``net_assets``, ``assessable`` (net
        assets known), ``defaulted_in_round`` (0: assumed; missing: it stands).
    """

    rounds: pd.DataFrame
    defaults: pd.DataFrame
    guarantors: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """Every customer touched, one row each: the defaulters in order, then the
        guarantors called who stand (largest obligation first). ``round`` is missing
        for those who stand; ``cause`` is ``assumed``, ``guarantees called`` or
        ``called, stands``; ``obligation`` is the guarantees called in the end."""
        d = self.defaults.drop(columns="obligation")
        g = self.guarantors.set_index("customer_id")
        called = g.reindex(d["customer_id"])
        table = d.assign(
            guarantees_called=called["guarantees_called"].fillna(0).astype("int64").to_numpy(),
            obligation=called["obligation"].fillna(0).to_numpy(),
            assessable=~d["net_assets"].isna().to_numpy(dtype=bool),
        )
        table["round"] = table["round"].astype("Int64")
        standing = self.guarantors[self.guarantors["defaulted_in_round"].isna()]
        standing = standing[~standing["customer_id"].isin(d["customer_id"]).to_numpy(dtype=bool)]
        rest = standing.drop(columns="defaulted_in_round").assign(
            round=pd.array([None] * len(standing), dtype="Int64"),
            cause="called, stands",
            exposure_at_risk=money_series(
                np.zeros(len(standing), np.int64),
                self.guarantors["obligation"].dtype.pyarrow_dtype.scale,
                index=standing.index,
            ),
        )
        columns = [
            "round",
            "customer_id",
            "cause",
            "guarantees_called",
            "obligation",
            "net_assets",
            "assessable",
            "credit_exposure",
            "exposure_at_risk",
        ]
        out = pd.concat([table[columns], rest[columns]], ignore_index=True)
        return out.astype({"obligation": self.guarantors["obligation"].dtype})

    @property
    def exposure_at_risk(self) -> Decimal:
        """The whole cascade's exposure at risk."""
        col = self.rounds["cumulative_exposure_at_risk"]
        return col.iloc[-1] if len(col) else Decimal(0)


def _threshold(value) -> tuple[int, int]:
    try:
        t = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        t = Decimal("NaN")
    if isinstance(value, bool) or not t.is_finite() or t <= 0:
        raise ConfigError(f"the default threshold must be a positive share, got {value!r}")
    sign, digits, exponent = t.as_tuple()
    num = int("".join(map(str, digits)))
    exponent = int(exponent)
    return (num * 10**exponent, 1) if exponent >= 0 else (num, 10**-exponent)


def simulate_defaults(
    network: GuaranteeNetwork,
    defaulted: Iterable[str],
    *,
    threshold=DEFAULT_THRESHOLD,
    assume_default_without_net_assets: bool = False,
) -> Contagion:
    """Run the contagion model (see the module notes) from ``defaulted``.

    Parameters
    ----------
    network : GuaranteeNetwork
    defaulted : iterable of str
        Customer ids assumed to default in round 0.
    threshold : Decimal, int or str, default 1
        A guarantor defaults when its obligation is above this share of its net assets.
    assume_default_without_net_assets : bool, default False
        A called guarantor without net assets defaults (True) or is left standing.

    Returns
    -------
    Contagion

    Raises
    ------
    NotFound
        An id is not a customer of the network.
    ConfigError
        No id given, or a threshold that is not a positive share.

    Examples
    --------
    >>> from guanxi.graph.schema import canonical_frame
    >>> c = canonical_frame(Entity.CUSTOMERS, pd.DataFrame({"customer_id": ["A", "B", "C"],
    ...     "kind": ["company"] * 3, "net_assets": [None, "50", "1000"]}))
    >>> g = canonical_frame(Entity.GUARANTEES, pd.DataFrame({"guarantor_id": ["B", "C"],
    ...     "borrower_id": ["A", "B"], "amount": ["80", "80"]}))
    >>> a = canonical_frame(Entity.ACCOUNTS, pd.DataFrame({"account_id": ["L1", "L2"],
    ...     "customer_id": ["A", "B"], "product": ["loan"] * 2, "outstanding": ["80", "80"]}))
    >>> out = simulate_defaults(guarantee_network(c, a, None, g, as_of=None), ["A"])
    >>> out.defaults[["round", "customer_id", "cause", "obligation"]]
       round customer_id              cause  obligation
    0      0           A            assumed        0.00
    1      1           B  guarantees called       80.00
    >>> str(out.exposure_at_risk)
    '160.00'
    """
    num, den = _threshold(threshold)
    start = []
    for cid in dict.fromkeys(str(x) for x in defaulted):
        number = network.number(cid)
        if number is None:
            raise NotFound(f"customer {cid} is not in the store")
        start.append(number)
    if not start:
        raise ConfigError("name at least one customer assumed to default")
    out = _run(network, start, num, den, assume_default_without_net_assets)
    return _frames(network, *out)


def _run(network: GuaranteeNetwork, start: list[int], num: int, den: int, assume: bool):
    """The cascade on customer numbers: (defaulters in order, round of each, obligation
    at default, exposure first counted with each, obligation and calls per guarantor)."""
    round_of: dict[int, int] = dict.fromkeys(start, 0)
    order = list(start)
    at_default: dict[int, int] = dict.fromkeys(start, 0)
    obligation: dict[int, int] = {}
    calls: dict[int, int] = {}
    counted: set[int] = set()
    added: dict[int, int] = {}
    gs, ga, gm = network.guarantee_start, network.guarantor, network.amount
    as_, ac, am = network.account_start, network.account, network.account_exposure
    new, r = list(start), 0
    while new:
        touched: set[int] = set()
        for c in new:
            added[c] = 0
            lo, hi = int(as_[c]), int(as_[c + 1])
            for code, minor in zip(ac[lo:hi].tolist(), am[lo:hi].tolist(), strict=True):
                if code not in counted:
                    counted.add(code)
                    added[c] += minor
            lo, hi = int(gs[c]), int(gs[c + 1])
            for g, amount in zip(ga[lo:hi].tolist(), gm[lo:hi].tolist(), strict=True):
                obligation[g] = obligation.get(g, 0) + amount
                calls[g] = calls.get(g, 0) + 1
                touched.add(g)
        r += 1
        new = []
        for g in sorted(touched):
            if g in round_of:
                continue
            net = int(network.net_assets[g])
            if assume if net < 0 else obligation[g] * den > num * net:
                round_of[g] = r
                at_default[g] = obligation[g]
                order.append(g)
                new.append(g)
    return order, round_of, at_default, added, obligation, calls


def _frames(network, order, round_of, at_default, added, obligation, calls) -> Contagion:
    digits = network.digits
    ids = network.index

    def money(values):
        return money_series(np.asarray(values, dtype=np.int64), digits)

    def net(nodes):
        values = network.net_assets[np.asarray(nodes, dtype=np.int64)]
        return money_series(np.maximum(values, 0), digits, mask=values >= 0)

    defaults = pd.DataFrame(
        {
            "round": np.array([round_of[c] for c in order], dtype=np.int64),
            "customer_id": pd.Series([ids[c] for c in order], dtype="str"),
            "cause": pd.Series(
                ["assumed" if round_of[c] == 0 else "guarantees called" for c in order],
                dtype="str",
            ),
            "obligation": money([at_default[c] for c in order]),
            "net_assets": net(order),
            "credit_exposure": money([network.exposure[c] for c in order]),
            "exposure_at_risk": money([added[c] for c in order]),
        }
    )
    last = int(defaults["round"].max())
    per_round = np.zeros(last + 1, dtype=np.int64)
    np.add.at(per_round, defaults["round"].to_numpy(), [added[c] for c in order])
    rounds = pd.DataFrame(
        {
            "round": np.arange(last + 1, dtype=np.int64),
            "defaults": np.bincount(defaults["round"].to_numpy(), minlength=last + 1).astype(
                np.int64
            ),
            "exposure_at_risk": money(per_round),
            "cumulative_exposure_at_risk": money(np.cumsum(per_round)),
        }
    )
    called = sorted(obligation, key=lambda g: (-obligation[g], ids[g]))
    fell = [round_of.get(g) for g in called]
    guarantors = pd.DataFrame(
        {
            "customer_id": pd.Series([ids[g] for g in called], dtype="str"),
            "guarantees_called": np.array([calls[g] for g in called], dtype=np.int64),
            "obligation": money([obligation[g] for g in called]),
            "credit_exposure": money([network.exposure[g] for g in called]),
            "net_assets": net(called),
            "assessable": np.array([network.net_assets[g] >= 0 for g in called], dtype=bool),
            "defaulted_in_round": pd.array(fell, dtype="Int64"),
        }
    )
    return Contagion(rounds, defaults, guarantors)


def key_guarantors(
    network: GuaranteeNetwork,
    circle_members: pd.DataFrame,
    *,
    threshold=DEFAULT_THRESHOLD,
    assume_default_without_net_assets: bool = False,
) -> pd.DataFrame:
    """Each circle's members ranked by the exposure at risk their default alone causes.

    Parameters
    ----------
    network : GuaranteeNetwork
    circle_members : pandas.DataFrame
        ``circle_id``, ``customer_id``.
    threshold, assume_default_without_net_assets
        As :func:`simulate_defaults`.

    Returns
    -------
    pandas.DataFrame
        ``circle_id``, ``customer_id``, ``rank`` (1: the most exposure at risk),
        ``exposure_at_risk`` (the whole cascade's), ``own_exposure`` (the member's own
        single-name exposure), ``defaults`` (customers defaulting, the member
        included), ``rounds`` (the last round with a default); by circle_id, rank.
    """
    num, den = _threshold(threshold)
    rows = []
    digits = network.digits
    for circle_id, part in circle_members.groupby("circle_id", sort=True):
        found = []
        for cid in sorted(set(part["customer_id"].astype(str))):
            c = network.number(cid)
            if c is None:
                continue
            order, round_of, _, added, _, _ = _run(
                network, [c], num, den, assume_default_without_net_assets
            )
            total = sum(added.values())
            found.append((-total, -len(order), cid, total, max(round_of.values()), len(order)))
        for rank, (_, _, cid, total, last, count) in enumerate(sorted(found), start=1):
            own = int(network.exposure[network.number(cid)])
            rows.append((str(circle_id), cid, rank, total, own, count, last))
    frame = pd.DataFrame(
        {
            "circle_id": pd.Series([r[0] for r in rows], dtype="str"),
            "customer_id": pd.Series([r[1] for r in rows], dtype="str"),
            "rank": np.array([r[2] for r in rows], dtype=np.int64),
            "exposure_at_risk": money_series(np.array([r[3] for r in rows], np.int64), digits),
            "own_exposure": money_series(np.array([r[4] for r in rows], np.int64), digits),
            "defaults": np.array([r[5] for r in rows], dtype=np.int64),
            "rounds": np.array([r[6] for r in rows], dtype=np.int64),
        }
    )
    return frame
