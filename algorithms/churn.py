"""Churn along relationships: who left, who is at risk because someone close to them
left, and what leaves with a customer.

Who left
--------
A customer *left* when its ``closed_on`` is on or before the analysis date (a later
date has not happened yet as of that date). With ``closed_accounts=True`` a customer
without ``closed_on`` whose accounts, as primary or further holder, are all ``closed``
(and who holds at least one) counts as left too, at an unknown date: the contract has
no account closing date, so such a departure is counted as if it were ``horizon_days``
old (the oldest that still counts). It is off by default
(:data:`guanxi.defaults.CHURN_CLOSED_ACCOUNTS`): a customer can keep a relationship
without an open account, and an undated departure cannot fade.

The at-risk model
-----------------
Telecom studies find that a customer whose social neighbour defected is markedly more
likely to defect: in Nitzan and Libai's study of a million mobile subscribers [1]_,
exposure to a defecting neighbour raised the hazard of defection by about 80 %, and the
effect faded within months of the neighbour's departure; Dasgupta et al. [2]_ found
churn spreading along call ties. guanxi applies this to the ties a bank sees. For an
active customer ``i`` with neighbours ``j`` who left, ``a_j`` days before the analysis
date,

.. math:: P_i = \\sum_{j} w_{ij} \\, 2^{-a_j / h}, \\qquad
          HR_i = r^{P_i}

- ``w_ij``: the weight of the tie (:data:`guanxi.defaults.CHURN_TIE_WEIGHTS`): a
  household member (``household``) or a holder of an account with them
  (``joint_holder``) 1.0; their referrer (``referrer``: the customer who brought them)
  1.0; one of their referees (``referee``) 0.5, word of mouth running mostly from
  referrer to referee. Two customers tied several ways count once, by the strongest tie.
- ``2**(-a/h)``: the effect of a departure halves every ``h`` days
  (:data:`guanxi.defaults.CHURN_HALF_LIFE_DAYS`, 90); departures more than
  ``horizon_days`` ago (:data:`guanxi.defaults.CHURN_HORIZON_DAYS`, 365) no longer count.
- ``r``: the hazard multiplier of one full-weight tie to a customer who just left
  (:data:`guanxi.defaults.CHURN_HAZARD_PER_TIE`, 1.8, the +80 % of [1]_).

``P`` (``pressure``) is the number of fresh full-weight ties it is worth; ``HR``
(``hazard_ratio``) the multiplier of the customer's own defection hazard against a
customer with no such tie, as in a proportional-hazards model whose covariate is the
decayed count of departed neighbours (``log HR = P log r``). The ranking orders
customers by it; it does not predict who leaves without a tie to someone who left.

References
----------
.. [1] Nitzan, I., Libai, B. (2011). Social effects on customer retention. Journal of
   Marketing 75(6), 24-38.
.. [2] Dasgupta, K., Singh, R., Viswanathan, B., Chakraborty, D., Mukherjea, S.,
   Nanavati, A. A., Joshi, A. (2008). Social ties and their relevance to churn in
   mobile telecom networks. EDBT '08, 668-677.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi import defaults
from guanxi.errors import ConfigError, NotFound
from guanxi.graph.schema import ColumnKind, Entity, decimal_column
from guanxi.money import Reporting, money_series

from .exposure import account_holders_of, minor_of
from .frames import contract_frame, join_runs, text_ids
from .referrals import cascade_tree

__all__ = [
    "TIE_KINDS",
    "AT_RISK_COLUMNS",
    "DEPARTURE_COLUMNS",
    "departures",
    "departed_ties",
    "among",
    "at_risk",
    "LeaveExposure",
    "if_leaves",
]

#: the kinds of tie to a customer who left, as ``via`` spells them
TIE_KINDS = ("household", "joint_holder", "referee", "referrer")
#: columns of :func:`departures`
DEPARTURE_COLUMNS = ("customer_id", "closed_on", "source", "days_ago", "ties")
#: columns of :func:`at_risk`
AT_RISK_COLUMNS = (
    "customer_id",
    "rank",
    "hazard_ratio",
    "pressure",
    "neighbours_left",
    "via",
    "departed_ids",
    "last_left_on",
    "aum",
)


def _date(text: str | None, what: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise ConfigError(f"{what} must be an ISO date like 2026-06-30, not {text!r}") from None


def _days(dates: pd.Series, as_of: date) -> np.ndarray:
    """Days from each ISO date to ``as_of`` (NaN where missing or not a date)."""
    parsed = pd.to_datetime(dates.astype("str"), format="%Y-%m-%d", errors="coerce")
    delta = (pd.Timestamp(as_of) - parsed).dt.days
    return delta.to_numpy(dtype=np.float64, na_value=np.nan)


def departures(
    customers: pd.DataFrame,
    accounts: pd.DataFrame | None = None,
    account_holders: pd.DataFrame | None = None,
    *,
    as_of: str,
    closed_accounts: bool = defaults.CHURN_CLOSED_ACCOUNTS,
) -> pd.DataFrame:
    """The customers who left by ``as_of`` (see the module docstring).

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers frame (``customer_id``, ``closed_on``).
    accounts, account_holders : pandas.DataFrame, optional
        Canonical frames (for ``closed_accounts``).
    as_of : str
        The analysis date (ISO).
    closed_accounts : bool, default False
        Also count customers whose accounts are all closed.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``closed_on`` (ISO, missing for an undated departure),
        ``source`` (``closed_on`` or ``accounts_closed``), ``days_ago`` (Int64, days
        before ``as_of``, missing when undated), ``ties`` (Int64, filled by
        :func:`at_risk`: 0 here); sorted by ``customer_id``.

    Raises
    ------
    guanxi.errors.ConfigError
        ``as_of`` is not a date.

    Examples
    --------
    >>> cust = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                      "closed_on": ["2026-06-01", None, "2026-07-05"]})
    >>> departures(cust, as_of="2026-06-30")[["customer_id", "days_ago"]].values.tolist()
    [['a', 29]]
    """
    day = _date(as_of, "as_of")
    ids = text_ids(customers["customer_id"])
    closed = (
        text_ids(customers["closed_on"])
        if "closed_on" in customers.columns
        else pd.Series([None] * len(ids), dtype="str")
    )
    ago = _days(closed, day)
    left = np.isfinite(ago) & (ago >= 0)
    frame = pd.DataFrame(
        {
            "customer_id": ids[left].to_numpy(),
            "closed_on": closed[left].to_numpy(),
            "source": "closed_on",
            "days_ago": ago[left],
        }
    )
    if closed_accounts and accounts is not None and len(accounts):
        holders = account_holders_of(accounts, account_holders)
        acc = contract_frame(Entity.ACCOUNTS, accounts)
        status = pd.Series(
            text_ids(acc["status"]).str.strip().str.lower().to_numpy(),
            index=text_ids(acc["account_id"]).to_numpy(),
        )
        status = status[~status.index.duplicated()]
        holders = holders.assign(closed=status.reindex(holders["account_id"]).eq("closed").array)
        every = holders.groupby("customer_id")["closed"].all()
        undated = set(every[every].index) - set(frame["customer_id"])
        undated &= set(ids) - set(ids[np.isfinite(ago) & (ago < 0)])  # not leaving later
        if undated:
            extra = pd.DataFrame(
                {
                    "customer_id": sorted(undated),
                    "closed_on": None,
                    "source": "accounts_closed",
                    "days_ago": np.nan,
                }
            )
            frame = pd.concat([frame, extra], ignore_index=True)
    frame = frame.drop_duplicates("customer_id").sort_values("customer_id", kind="stable")
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"].astype("str").to_numpy(),
            "closed_on": pd.Series(frame["closed_on"].to_numpy(), dtype="str"),
            "source": pd.Series(frame["source"].to_numpy(), dtype="str"),
            "days_ago": pd.array(frame["days_ago"].to_numpy(), dtype="Int64"),
            "ties": pd.array(np.zeros(len(frame), dtype=np.int64), dtype="Int64"),
        }
    ).astype({"customer_id": "str"})


def departed_ties(
    departed: Iterable[str],
    *,
    referrals: pd.DataFrame | None = None,
    households: pd.DataFrame | None = None,
    accounts: pd.DataFrame | None = None,
    account_holders: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every tie between a customer and a customer who left.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``departed_id``, ``kind`` (:data:`TIE_KINDS`: ``referrer``
        when the customer who left referred ``customer_id``, ``referee`` when
        ``customer_id`` referred them, ``household`` for a shared household,
        ``joint_holder`` for a shared account, open or closed); one row per distinct
        triple, sorted. ``customer_id`` may itself have left (the caller filters).

    Examples
    --------
    >>> refs = pd.DataFrame({"referrer_id": ["a", "b"], "referee_id": ["b", "c"]})
    >>> departed_ties(["b"], referrals=refs).values.tolist()
    [['a', 'b', 'referee'], ['c', 'b', 'referrer']]
    """
    gone = pd.Index(sorted({str(x) for x in departed}), dtype="str")
    parts: list[pd.DataFrame] = []

    def add(who: pd.Series, left: pd.Series, kind: str) -> None:
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": who.astype("str").to_numpy(),
                    "departed_id": left.astype("str").to_numpy(),
                    "kind": kind,
                }
            )
        )

    if referrals is not None and len(referrals) and len(gone):
        src, dst = text_ids(referrals["referrer_id"]), text_ids(referrals["referee_id"])
        up, down = among(src, gone), among(dst, gone)
        add(dst[up], src[up], "referrer")
        add(src[down], dst[down], "referee")
    if households is not None and len(households) and len(gone):
        hh = pd.DataFrame(
            {
                "household_id": text_ids(households["household_id"]),
                "customer_id": text_ids(households["customer_id"]),
            }
        ).dropna()
        theirs = hh[among(hh["customer_id"], gone)]
        pairs = hh[among(hh["household_id"], theirs["household_id"])].merge(
            theirs, on="household_id", suffixes=("", "_left")
        )
        add(pairs["customer_id"], pairs["customer_id_left"], "household")
    if accounts is not None and len(accounts) and len(gone):
        holders = account_holders_of(accounts, account_holders)[["account_id", "customer_id"]]
        holders = holders.dropna()
        theirs = holders[among(holders["customer_id"], gone)]
        pairs = holders[among(holders["account_id"], theirs["account_id"])].merge(
            theirs, on="account_id", suffixes=("", "_left")
        )
        add(pairs["customer_id"], pairs["customer_id_left"], "joint_holder")
    if not parts:
        add(pd.Series([], dtype="str"), pd.Series([], dtype="str"), "household")
    ties = pd.concat(parts, ignore_index=True)
    ties = ties[ties["customer_id"] != ties["departed_id"]].drop_duplicates()
    ties = ties.sort_values(["customer_id", "departed_id", "kind"], kind="stable")
    return ties.reset_index(drop=True).astype("str")


def among(values: pd.Series, wanted) -> np.ndarray:
    """Which of ``values`` (ids) are in ``wanted`` (ids), as a boolean array.

    Arrow's hash look-up: pandas' ``isin`` on Arrow strings walks the wanted ids in
    Python, seconds for a bank's worth of them."""
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    wanted = pa.array(
        pd.Series(list(wanted) if isinstance(wanted, set) else wanted, dtype="str")
        .astype("object")
        .to_numpy(),
        type=pa.large_string(),
        from_pandas=True,
    )
    got = pc.is_in(
        pa.array(
            values.astype("str").astype("object").to_numpy(),
            type=pa.large_string(),
            from_pandas=True,
        ),
        value_set=wanted,
    )
    return got.to_numpy(zero_copy_only=False).astype(bool)


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    w = dict(defaults.CHURN_TIE_WEIGHTS)
    if weights:
        unknown = set(weights) - set(TIE_KINDS)
        if unknown:
            raise ConfigError(f"unknown tie kind(s) {sorted(unknown)}; known: {list(TIE_KINDS)}")
        w.update({k: float(v) for k, v in weights.items()})
    if any(not (np.isfinite(v) and v >= 0) for v in w.values()):
        raise ConfigError("tie weights must be finite and non-negative")
    return w


def at_risk(
    customers: pd.DataFrame,
    *,
    as_of: str,
    referrals: pd.DataFrame | None = None,
    households: pd.DataFrame | None = None,
    accounts: pd.DataFrame | None = None,
    account_holders: pd.DataFrame | None = None,
    left: pd.DataFrame | None = None,
    hazard_per_tie: float = defaults.CHURN_HAZARD_PER_TIE,
    half_life_days: float = defaults.CHURN_HALF_LIFE_DAYS,
    horizon_days: float = defaults.CHURN_HORIZON_DAYS,
    weights: Mapping[str, float] | None = None,
    closed_accounts: bool = defaults.CHURN_CLOSED_ACCOUNTS,
    reporting: Reporting | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank the active customers by the pull of the customers close to them who left.

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers frame (``customer_id``, ``closed_on``, ``aum``).
    as_of : str
        The analysis date (ISO): departure ages are counted to it.
    referrals, households, accounts, account_holders : pandas.DataFrame, optional
        Canonical frames: the ties.
    left : pandas.DataFrame, optional
        :func:`departures` already computed (else computed here).
    hazard_per_tie, half_life_days, horizon_days, weights, closed_accounts :
        The model's parameters (module docstring); ``hazard_per_tie >= 1``, a positive
        half-life, a non-negative horizon, weights by :data:`TIE_KINDS`.
    reporting : Reporting, optional
        The reporting currency (``aum`` is in it).

    Returns
    -------
    at_risk : pandas.DataFrame
        One row per active customer with at least one counted tie, highest hazard
        first (then ``customer_id``): ``customer_id``, ``rank`` (int64, from 1),
        ``hazard_ratio`` (float64, ``r**P``), ``pressure`` (float64, ``P``),
        ``neighbours_left`` (int64, customers who left it is tied to and who count),
        ``via`` (the kinds of tie, ``;``-joined), ``departed_ids`` (``;``-joined),
        ``last_left_on`` (the latest ``closed_on`` among them; missing if undated),
        ``aum`` (the customer's own, exact: what is at stake).
    departed : pandas.DataFrame
        :func:`departures` with ``ties``: how many active customers each one's
        departure puts at risk.

    Raises
    ------
    guanxi.errors.ConfigError
        A parameter out of range or ``as_of`` not a date.

    Examples
    --------
    >>> cust = pd.DataFrame({"customer_id": ["a", "b", "c"], "aum": ["5", "6", "7"],
    ...                      "closed_on": ["2026-04-01", None, None]})
    >>> refs = pd.DataFrame({"referrer_id": ["a", "b"], "referee_id": ["b", "c"]})
    >>> risk, _ = at_risk(cust, as_of="2026-06-30", referrals=refs)
    >>> risk[["customer_id", "pressure"]].round(3).values.tolist()  # 90 days: half
    [['b', 0.5]]
    """
    day = _date(as_of, "as_of")
    if not (np.isfinite(hazard_per_tie) and hazard_per_tie >= 1):
        raise ConfigError(f"the hazard multiplier per tie must be >= 1, not {hazard_per_tie}")
    if not (np.isfinite(half_life_days) and half_life_days > 0):
        raise ConfigError(f"the half-life must be a positive number of days, not {half_life_days}")
    if not (np.isfinite(horizon_days) and horizon_days >= 0):
        raise ConfigError(f"the horizon must be >= 0 days, not {horizon_days}")
    w = _weights(weights)
    reporting = reporting or Reporting()
    if left is None:
        left = departures(
            customers,
            accounts,
            account_holders,
            as_of=day.isoformat(),
            closed_accounts=closed_accounts,
        )
    age = left["days_ago"].astype("Float64").fillna(float(horizon_days)).to_numpy(dtype=np.float64)
    counted = age <= horizon_days
    decay = pd.Series(
        np.where(counted, 0.5 ** (age / half_life_days), 0.0), index=left["customer_id"].to_numpy()
    )
    ties = departed_ties(
        left["customer_id"],
        referrals=referrals,
        households=households,
        accounts=accounts,
        account_holders=account_holders,
    )
    ids = text_ids(customers["customer_id"])
    ties = ties[among(ties["customer_id"], ids) & ~among(ties["customer_id"], left["customer_id"])]
    ties = ties[among(ties["departed_id"], decay.index[decay.to_numpy() > 0])]
    ties = ties.assign(weight=ties["kind"].map(w).astype("float64"))
    # one departed neighbour counts once, by its strongest tie; the kinds of tie as bits
    # (the triples are distinct, so a sum of bits is their OR)
    bit = {kind: 1 << i for i, kind in enumerate(TIE_KINDS)}
    ties = ties.assign(bit=ties["kind"].map(bit).astype(np.int64))
    pair = (
        ties.groupby(["customer_id", "departed_id"], sort=True)
        .agg(weight=("weight", "max"), bits=("bit", "sum"))
        .reset_index()
    )
    pair = pair[pair["weight"] > 0].reset_index(drop=True)
    pair["pull"] = pair["weight"].to_numpy() * decay.reindex(pair["departed_id"]).to_numpy()
    closed_on = pd.Series(left["closed_on"].to_numpy(), index=left["customer_id"].to_numpy())
    pair["left_on"] = pd.Series(closed_on.reindex(pair["departed_id"]).to_numpy(), dtype="str")
    per = pair.groupby("customer_id", sort=True)
    # the kinds of every counted pair, each kind once per customer
    counted = ties.merge(pair[["customer_id", "departed_id"]], on=["customer_id", "departed_id"])
    via_bits = (
        counted.drop_duplicates(["customer_id", "kind"])
        .groupby("customer_id", sort=True)["bit"]
        .sum()
    )
    names = np.array(
        [";".join(k for k in TIE_KINDS if mask & bit[k]) for mask in range(1 << len(TIE_KINDS))],
        dtype=object,
    )
    out = pd.DataFrame(
        {
            "pressure": per["pull"].sum(),
            "neighbours_left": per.size().astype(np.int64),
            "via": names[via_bits.reindex(per.size().index).to_numpy(dtype=np.int64)],
            "departed_ids": join_runs(pair["customer_id"], pair["departed_id"]),
            "last_left_on": per["left_on"].max(),
        }
    )
    out.index = pd.Index(out.index.astype("str"), name="customer_id")
    out = out.reset_index()
    out["hazard_ratio"] = np.power(
        float(hazard_per_tie), out["pressure"].to_numpy(dtype=np.float64)
    )
    key = np.round(out["pressure"].to_numpy(dtype=np.float64), 12)
    order = np.lexsort((out["customer_id"].to_numpy(dtype=object), -key)) if len(out) else []
    out = out.iloc[order].reset_index(drop=True)
    aum = _aum_of(customers, out["customer_id"], reporting)
    risk = pd.DataFrame(
        {
            "customer_id": out["customer_id"].astype("str"),
            "rank": np.arange(1, len(out) + 1, dtype=np.int64),
            "hazard_ratio": out["hazard_ratio"].to_numpy(dtype=np.float64),
            "pressure": out["pressure"].to_numpy(dtype=np.float64),
            "neighbours_left": out["neighbours_left"].to_numpy(dtype=np.int64),
            "via": pd.Series(out["via"].to_numpy(), dtype="str"),
            "departed_ids": pd.Series(out["departed_ids"].to_numpy(), dtype="str"),
            "last_left_on": pd.Series(out["last_left_on"].to_numpy(), dtype="str"),
            "aum": aum,
        }
    )
    counts = pair.groupby("departed_id").size()
    left = left.copy()
    left["ties"] = pd.array(
        counts.reindex(left["customer_id"]).fillna(0).to_numpy(dtype=np.int64), dtype="Int64"
    )
    risk.attrs.update(
        as_of=day.isoformat(),
        hazard_per_tie=float(hazard_per_tie),
        half_life_days=float(half_life_days),
        horizon_days=float(horizon_days),
        weights=w,
    )
    return risk, left.reset_index(drop=True)


def _aum_of(customers: pd.DataFrame, ids: pd.Series, reporting: Reporting) -> pd.Series:
    """The exact ``aum`` of ``ids`` (missing where unknown), rounded once to the minor unit."""
    digits = reporting.digits
    if "aum" not in customers.columns or len(ids) == 0:
        return money_series(np.zeros(len(ids), np.int64), digits, mask=np.zeros(len(ids), bool))
    values = customers["aum"].reset_index(drop=True)
    if not isinstance(values.dtype, pd.ArrowDtype):
        values = decimal_column(values, ColumnKind.MONEY)
    minor, known = minor_of(values, digits)
    index = pd.Index(text_ids(customers["customer_id"]))
    pos = index.get_indexer(ids.astype("str"))
    ok = pos >= 0
    out = np.zeros(len(ids), dtype=np.int64)
    mask = np.zeros(len(ids), dtype=bool)
    out[ok] = minor[pos[ok]]
    mask[ok] = known[pos[ok]]
    return money_series(out, digits, mask=mask)


@dataclass(frozen=True)
class LeaveExposure:
    """What :func:`if_leaves` finds.

    Attributes
    ----------
    customer_id : str
    own_aum : Decimal or None
        The customer's own ``aum`` (exact; None if unknown).
    exposed : pandas.DataFrame
        The active customers exposed: ``customer_id``, ``via`` (``cascade``,
        ``household`` or ``cascade;household``), ``generation`` (Int64: generation in
        the customer's referral cascade, missing for a household member only),
        ``aum`` (exact); most ``aum`` first, then ``customer_id``.
    exposed_aum : Decimal
        The sum of the exposed customers' ``aum`` (each rounded once, missing as 0).
    """

    customer_id: str
    own_aum: Decimal | None
    exposed: pd.DataFrame
    exposed_aum: Decimal

    @property
    def count(self) -> int:
        return len(self.exposed)


def if_leaves(
    customer_id: str,
    customers: pd.DataFrame,
    referrals: pd.DataFrame | None = None,
    households: pd.DataFrame | None = None,
    *,
    departed: Iterable[str] = (),
    reporting: Reporting | None = None,
) -> LeaveExposure:
    """If this customer left: the customers and the assets exposed through their
    referral cascade (everyone they brought in, every generation) and their household(s).

    Parameters
    ----------
    customer_id : str
    customers, referrals, households : pandas.DataFrame
        Canonical frames.
    departed : iterable of str
        Customers who left already: not exposed any more.
    reporting : Reporting, optional

    Returns
    -------
    LeaveExposure

    Raises
    ------
    guanxi.errors.NotFound
        ``customer_id`` is not a customer.

    Examples
    --------
    >>> cust = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
    ...                      "aum": ["1", "2", "3", "4"]})
    >>> refs = pd.DataFrame({"referrer_id": ["a", "b"], "referee_id": ["b", "c"]})
    >>> hh = pd.DataFrame({"household_id": ["h", "h"], "customer_id": ["a", "d"]})
    >>> out = if_leaves("a", cust, refs, hh)
    >>> out.exposed["customer_id"].tolist(), str(out.exposed_aum)
    (['d', 'c', 'b'], '9.00')
    """
    reporting = reporting or Reporting()
    cid = str(customer_id)
    ids = text_ids(customers["customer_id"])
    if not (ids == cid).any():
        raise NotFound(f"customer {cid} not found")
    gone = {str(x) for x in departed}
    rows: dict[str, dict] = {}
    if referrals is not None and len(referrals):
        tree = cascade_tree(referrals, customers, cid, max_nodes=None, reporting=reporting)
        for who, gen in zip(tree.nodes["customer_id"], tree.nodes["generation"], strict=True):
            if gen > 0:
                rows[str(who)] = {"via": {"cascade"}, "generation": int(gen)}
    if households is not None and len(households):
        hh = pd.DataFrame(
            {
                "household_id": text_ids(households["household_id"]),
                "customer_id": text_ids(households["customer_id"]),
            }
        )
        mine = set(hh.loc[hh["customer_id"] == cid, "household_id"])
        for who in hh.loc[hh["household_id"].isin(mine), "customer_id"]:
            if who != cid:
                rows.setdefault(str(who), {"via": set(), "generation": None})["via"].add(
                    "household"
                )
    keep = sorted(w for w in rows if w not in gone and w != cid)
    aum = _aum_of(customers, pd.Series([cid, *keep], dtype="str"), reporting)
    exposed = pd.DataFrame(
        {
            "customer_id": pd.Series(keep, dtype="str"),
            "via": pd.Series([";".join(sorted(rows[w]["via"])) for w in keep], dtype="str"),
            "generation": pd.array([rows[w]["generation"] for w in keep], dtype="Int64"),
            "aum": aum.iloc[1:].reset_index(drop=True),
        }
    )
    minor = np.asarray(
        [0 if pd.isna(v) else int(v.scaleb(reporting.digits)) for v in exposed["aum"]],
        dtype=np.int64,
    )
    order = np.lexsort((exposed["customer_id"].to_numpy(dtype=object), -minor))
    exposed = exposed.iloc[order].reset_index(drop=True)
    own = aum.iloc[0]
    return LeaveExposure(
        cid,
        None if pd.isna(own) else own,
        exposed,
        Decimal(int(minor.sum())).scaleb(-reporting.digits),
    )
