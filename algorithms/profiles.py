"""Profiles of the sets of customers a campaign works with: the communities of the
social graph and the relationship managers' portfolios.

Both are tables of counts and exact sums over customers, built from the run's other
results (communities, influencers, value tiers, customers at risk, departures); no
credit amount enters either, so marketing may read them whole.

Choices where the contract is silent
------------------------------------
- ``aum`` sums the customers' ``aum`` (each rounded half up once to the minor unit,
  missing as 0) over the customers who have not left.
- A breakdown (``segments``, ``regions``, ``rms``) lists each value with its count,
  most frequent first, then by value: ``mass:12;private:3``; customers without a value
  are not listed.
- A *hub* of a portfolio is a customer ranked among the top
  :data:`guanxi.defaults.HUB_TOP` referral influencers.
- Customers without ``rm_id`` belong to no portfolio (``unassigned`` in the attrs).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from guanxi import defaults
from guanxi.errors import ConfigError
from guanxi.graph.schema import ColumnKind, decimal_column
from guanxi.money import Reporting, money_series

from .churn import among
from .exposure import minor_of
from .frames import text_ids

__all__ = [
    "COMMUNITY_PROFILE_COLUMNS",
    "RM_PORTFOLIO_COLUMNS",
    "community_profiles",
    "rm_portfolios",
]

COMMUNITY_PROFILE_COLUMNS = (
    "community_id",
    "size",
    "active",
    "departed",
    "aum",
    "segments",
    "regions",
    "top_influencer",
    "top_influencer_rank",
    "rms",
    "tier_a",
    "tier_b",
    "tier_c",
    "at_risk",
)
RM_PORTFOLIO_COLUMNS = (
    "rm_id",
    "customers",
    "departed",
    "aum",
    "hubs",
    "tier_a",
    "tier_b",
    "tier_c",
    "champions",
    "advocates",
    "at_risk",
    "at_risk_aum",
    "top_at_risk",
)


def _customer_table(
    customers: pd.DataFrame,
    departed: Iterable[str],
    influencers: pd.DataFrame | None,
    tiers: pd.DataFrame | None,
    risk: pd.DataFrame | None,
    digits: int,
) -> pd.DataFrame:
    """One row per customer: what the profiles count (``aum`` in minor units)."""
    ids = text_ids(customers["customer_id"])
    table = pd.DataFrame({"customer_id": ids})
    for column in ("segment", "region", "rm_id"):
        table[column] = (
            text_ids(customers[column])
            if column in customers.columns
            else pd.Series([None] * len(ids), dtype="str")
        )
    if "aum" in customers.columns:
        values = customers["aum"].reset_index(drop=True)
        if not isinstance(values.dtype, pd.ArrowDtype):
            values = decimal_column(values, ColumnKind.MONEY)
        table["aum"] = minor_of(values, digits)[0]
    else:
        table["aum"] = np.zeros(len(ids), dtype=np.int64)
    table["left"] = among(ids, {str(x) for x in departed})
    table.loc[table["left"], "aum"] = 0
    table = table.drop_duplicates("customer_id").set_index("customer_id")

    def lookup(frame: pd.DataFrame | None, column: str, fill):
        if frame is None or column not in frame.columns or not len(frame):
            return pd.Series(fill, index=table.index)
        s = frame.set_index(frame["customer_id"].astype("str"))[column]
        return s[~s.index.duplicated()].reindex(table.index)

    rank = lookup(influencers, "rank", np.nan)
    table["influence_rank"] = pd.to_numeric(rank).to_numpy(dtype=np.float64)
    table["tier"] = lookup(tiers, "tier", None).astype("object").to_numpy()
    table["quadrant"] = lookup(tiers, "quadrant", None).astype("object").to_numpy()
    at = lookup(risk, "rank", np.nan)
    table["risk_rank"] = pd.to_numeric(at).to_numpy(dtype=np.float64)
    table.loc[table["left"], "risk_rank"] = np.nan
    return table


def _breakdown(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``value:count;...`` per key, most frequent first, then by value."""
    frame = pd.DataFrame({"k": keys.to_numpy(), "v": values.to_numpy()}).dropna()
    if frame.empty:
        return pd.Series([], dtype="str")
    counts = frame.groupby(["k", "v"]).size().reset_index(name="n")
    counts = counts.sort_values(["k", "n", "v"], ascending=[True, False, True], kind="stable")
    counts["text"] = counts["v"].astype("str") + ":" + counts["n"].astype("str")
    return counts.groupby("k", sort=False)["text"].agg(";".join)


def _counts(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per ``key``: sizes, departures, aum, tier and quadrant counts, customers at risk."""
    active = ~table["left"]
    g = table.assign(
        one=1,
        gone=table["left"].astype(np.int64),
        live_aum=np.where(active, table["aum"], 0),
        a=(table["tier"] == "A").astype(np.int64),
        b=(table["tier"] == "B").astype(np.int64),
        c=(table["tier"] == "C").astype(np.int64),
        champion=(table["quadrant"] == "champion").astype(np.int64),
        advocate=(table["quadrant"] == "advocate").astype(np.int64),
        risky=table["risk_rank"].notna().astype(np.int64),
        risky_aum=np.where(table["risk_rank"].notna(), table["aum"], 0),
    ).groupby(key, sort=True)
    return g.agg(
        size=("one", "sum"),
        departed=("gone", "sum"),
        aum=("live_aum", "sum"),
        tier_a=("a", "sum"),
        tier_b=("b", "sum"),
        tier_c=("c", "sum"),
        champions=("champion", "sum"),
        advocates=("advocate", "sum"),
        at_risk=("risky", "sum"),
        at_risk_aum=("risky_aum", "sum"),
    )


def community_profiles(
    members: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    departed: Iterable[str] = (),
    influencers: pd.DataFrame | None = None,
    tiers: pd.DataFrame | None = None,
    risk: pd.DataFrame | None = None,
    reporting: Reporting | None = None,
) -> pd.DataFrame:
    """A profile of every community a campaign can use.

    Parameters
    ----------
    members : pandas.DataFrame
        ``customer_id``, ``community_id`` (:func:`guanxi.algorithms.communities.communities`).
    customers : pandas.DataFrame
        Canonical customers frame (``segment``, ``region``, ``rm_id``, ``aum``).
    departed : iterable of str
        Customers who left (counted in ``departed``, not in ``active`` or ``aum``).
    influencers, tiers, risk : pandas.DataFrame, optional
        The run's influencers (``customer_id``, ``rank``), value tiers (``customer_id``,
        ``tier``) and customers at risk (``customer_id``, ``rank``).
    reporting : Reporting, optional

    Returns
    -------
    pandas.DataFrame
        One row per community, largest first (then ``community_id``): ``community_id``,
        ``size``, ``active``, ``departed`` (int64), ``aum`` (exact), ``segments``,
        ``regions`` (breakdowns), ``top_influencer`` (the member ranked best among the
        influencers; missing if none is), ``top_influencer_rank`` (Int64), ``rms`` (the
        relationship managers covering members, with their counts), ``tier_a``,
        ``tier_b``, ``tier_c`` (members per value tier), ``at_risk`` (members at risk).

    Examples
    --------
    >>> members = pd.DataFrame({"customer_id": ["a", "b", "c"], "community_id": ["a"] * 3})
    >>> cust = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": ["mass", "mass", None],
    ...                      "rm_id": ["R1", None, "R1"], "aum": ["1", "2", "3"]})
    >>> out = community_profiles(members, cust, departed=["c"])
    >>> out[["size", "active", "segments", "rms"]].values.tolist()
    [[3, 2, 'mass:2', 'R1:2']]
    >>> str(out["aum"].iat[0])
    '3.00'
    """
    digits = (reporting or Reporting()).digits
    table = _customer_table(customers, departed, influencers, tiers, risk, digits)
    m = pd.DataFrame(
        {
            "customer_id": text_ids(members["customer_id"]),
            "community_id": text_ids(members["community_id"]),
        }
    ).drop_duplicates("customer_id")
    t = table.reindex(pd.Index(m["customer_id"]))
    t["left"] = t["left"].fillna(False).astype(bool)
    t["aum"] = t["aum"].fillna(0).astype(np.int64)
    t["community_id"] = m["community_id"].to_numpy()
    counts = _counts(t, "community_id")
    ranked = t[t["influence_rank"].notna()].reset_index()
    ranked = ranked.sort_values(["community_id", "influence_rank", "customer_id"], kind="stable")
    top = ranked.drop_duplicates("community_id").set_index("community_id")
    index = counts.index
    out = pd.DataFrame(
        {
            "community_id": pd.Series(index, dtype="str"),
            "size": counts["size"].to_numpy(dtype=np.int64),
            "active": (counts["size"] - counts["departed"]).to_numpy(dtype=np.int64),
            "departed": counts["departed"].to_numpy(dtype=np.int64),
            "aum": money_series(counts["aum"].to_numpy(dtype=np.int64), digits),
            "segments": _text(_breakdown(t["community_id"], t["segment"]), index),
            "regions": _text(_breakdown(t["community_id"], t["region"]), index),
            "top_influencer": _text(top["customer_id"], index),
            "top_influencer_rank": pd.array(
                top["influence_rank"].reindex(index).to_numpy(), dtype="Int64"
            ),
            "rms": _text(_breakdown(t["community_id"], t["rm_id"]), index),
            "tier_a": counts["tier_a"].to_numpy(dtype=np.int64),
            "tier_b": counts["tier_b"].to_numpy(dtype=np.int64),
            "tier_c": counts["tier_c"].to_numpy(dtype=np.int64),
            "at_risk": counts["at_risk"].to_numpy(dtype=np.int64),
        }
    )
    order = np.lexsort((out["community_id"].to_numpy(dtype=object), -out["size"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def _text(values: pd.Series, index: pd.Index) -> pd.Series:
    return pd.Series(values.reindex(index).to_numpy(dtype=object), dtype="str")


def rm_portfolios(
    customers: pd.DataFrame,
    *,
    departed: Iterable[str] = (),
    influencers: pd.DataFrame | None = None,
    tiers: pd.DataFrame | None = None,
    risk: pd.DataFrame | None = None,
    hub_top: int = defaults.HUB_TOP,
    top_at_risk: int = 5,
    reporting: Reporting | None = None,
) -> pd.DataFrame:
    """Each relationship manager's portfolio: customers, assets, hubs, tiers and the
    customers at risk.

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers frame (``rm_id``, ``aum``).
    departed : iterable of str
        Customers who left (counted in ``departed`` only).
    influencers, tiers, risk : pandas.DataFrame, optional
        As :func:`community_profiles`.
    hub_top : int, default :data:`guanxi.defaults.HUB_TOP`
        A hub is ranked this high or better among the influencers (>= 1).
    top_at_risk : int, default 5
        How many of the portfolio's customers at risk ``top_at_risk`` names (>= 0).
    reporting : Reporting, optional

    Returns
    -------
    pandas.DataFrame
        One row per ``rm_id``, largest ``aum`` first (then ``rm_id``): ``rm_id``,
        ``customers`` (active), ``departed``, ``aum`` (exact, active customers),
        ``hubs``, ``tier_a``, ``tier_b``, ``tier_c``, ``champions``, ``advocates``,
        ``at_risk`` (int64), ``at_risk_aum`` (exact), ``top_at_risk`` (the highest-risk
        customers, ``;``-joined, most at risk first). ``attrs["unassigned"]``: active
        customers without ``rm_id``.

    Raises
    ------
    guanxi.errors.ConfigError
        ``hub_top < 1`` or ``top_at_risk < 0``.

    Examples
    --------
    >>> cust = pd.DataFrame({"customer_id": ["a", "b", "c"], "rm_id": ["R1", "R1", None],
    ...                      "aum": ["1", "2", "3"]})
    >>> risk = pd.DataFrame({"customer_id": ["b"], "rank": [1]})
    >>> out = rm_portfolios(cust, risk=risk)
    >>> out[["rm_id", "customers", "at_risk", "top_at_risk"]].values.tolist()
    [['R1', 2, 1, 'b']]
    """
    if int(hub_top) < 1:
        raise ConfigError(f"hub_top must be >= 1, not {hub_top}")
    if int(top_at_risk) < 0:
        raise ConfigError(f"top_at_risk must be >= 0, not {top_at_risk}")
    digits = (reporting or Reporting()).digits
    table = _customer_table(customers, departed, influencers, tiers, risk, digits).reset_index()
    unassigned = int((table["rm_id"].isna() & ~table["left"]).sum())
    table = table[table["rm_id"].notna()]
    counts = _counts(table, "rm_id")
    hubs = table[(table["influence_rank"] <= int(hub_top)) & ~table["left"]].groupby("rm_id").size()
    risky = table[table["risk_rank"].notna()].sort_values(["rm_id", "risk_rank"], kind="stable")
    named = (
        risky.groupby("rm_id", sort=False).head(int(top_at_risk)).groupby("rm_id")["customer_id"]
    ).agg(";".join)
    index = counts.index
    out = pd.DataFrame(
        {
            "rm_id": pd.Series(index, dtype="str"),
            "customers": (counts["size"] - counts["departed"]).to_numpy(dtype=np.int64),
            "departed": counts["departed"].to_numpy(dtype=np.int64),
            "aum": money_series(counts["aum"].to_numpy(dtype=np.int64), digits),
            "hubs": hubs.reindex(index).fillna(0).to_numpy(dtype=np.int64),
            "tier_a": counts["tier_a"].to_numpy(dtype=np.int64),
            "tier_b": counts["tier_b"].to_numpy(dtype=np.int64),
            "tier_c": counts["tier_c"].to_numpy(dtype=np.int64),
            "champions": counts["champions"].to_numpy(dtype=np.int64),
            "advocates": counts["advocates"].to_numpy(dtype=np.int64),
            "at_risk": counts["at_risk"].to_numpy(dtype=np.int64),
            "at_risk_aum": money_series(counts["at_risk_aum"].to_numpy(dtype=np.int64), digits),
            "top_at_risk": _text(named, index)
            if int(top_at_risk)
            else _text(pd.Series([], dtype="str"), index),
        }
    )
    order = np.lexsort((out["rm_id"].to_numpy(dtype=object), -counts["aum"].to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    out.attrs["unassigned"] = unassigned
    return out
