"""The report's "Customer value and churn" section (issue 17): customers by value tier
and quadrant, the most valuable customers, the customers at risk because someone close
to them left, and the relationship managers' portfolios.

Inputs are the frames ``guanxi analyze`` writes (``value_tiers``, ``at_risk``,
``rm_portfolios``, :mod:`guanxi.analysis`); missing ones leave their part out. Amounts
are printed exactly (every digit of the minor unit); the report is written for the
bank's own analysts, with full visibility.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal

import pandas as pd

__all__ = ["QUADRANT_ORDER", "value_section"]

#: the quadrants, as the table lists them
QUADRANT_ORDER = ("champion", "affluent", "advocate", "miser")


def _blank(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _money(value) -> str:
    if _blank(value):
        return ""
    if isinstance(value, Decimal):
        return f"{value:,}"
    return f"{float(value):,.2f}"


def _count(value) -> str:
    return "" if _blank(value) else f"{int(value):,}"


def _ratio(value) -> str:
    if _blank(value):
        return ""
    x = float(value)
    return "" if math.isnan(x) else f"{x:.2f}"


def _name(names: Mapping[str, object], cid) -> str:
    value = names.get(str(cid))
    return "" if _blank(value) else str(value)


def value_section(
    value_tiers: pd.DataFrame | None,
    at_risk: pd.DataFrame | None,
    rm_portfolios: pd.DataFrame | None,
    *,
    names: Mapping[str, object] | None = None,
    top: int = 20,
) -> dict | None:
    """What the template draws of the marketer's results, or None when there is none.

    Returns
    -------
    dict or None
        ``grid`` (rows A, B, C by quadrant, with totals), ``valued`` (customers ranked),
        ``best`` (the ``top`` customers by total value), ``risk`` (the ``top`` customers
        at risk) and ``risk_total``, ``rms`` (portfolios, largest AUM first).
    """
    names = names or {}
    if value_tiers is None and at_risk is None and rm_portfolios is None:
        return None
    out: dict = {"grid": [], "valued": 0, "best": [], "risk": [], "risk_total": 0, "rms": []}
    if value_tiers is not None and len(value_tiers):
        counts = pd.crosstab(value_tiers["tier"], value_tiers["quadrant"])
        for tier in ("A", "B", "C"):
            row = counts.loc[tier] if tier in counts.index else pd.Series(dtype="int64")
            cells = [int(row.get(q, 0)) for q in QUADRANT_ORDER]
            out["grid"].append(
                {"tier": tier, "cells": [f"{c:,}" for c in cells], "total": f"{sum(cells):,}"}
            )
        out["valued"] = len(value_tiers)
        for r in value_tiers.head(top).to_dict("records"):
            out["best"].append(
                {
                    "rank": _count(r.get("value_rank")),
                    "id": str(r["customer_id"]),
                    "name": _name(names, r["customer_id"]),
                    "tier": str(r.get("tier") or ""),
                    "quadrant": str(r.get("quadrant") or ""),
                    "own": _money(r.get("own_value")),
                    "referral": _money(r.get("referral_value")),
                    "total": _money(r.get("total_value")),
                }
            )
    if at_risk is not None and len(at_risk):
        out["risk_total"] = len(at_risk)
        for r in at_risk.head(top).to_dict("records"):
            out["risk"].append(
                {
                    "rank": _count(r.get("rank")),
                    "id": str(r["customer_id"]),
                    "name": _name(names, r["customer_id"]),
                    "hazard": _ratio(r.get("hazard_ratio")),
                    "ties": _count(r.get("neighbours_left")),
                    "via": str(r.get("via") or "").replace(";", ", ").replace("_", " "),
                    "left_on": "" if _blank(r.get("last_left_on")) else str(r["last_left_on"]),
                    "aum": _money(r.get("aum")),
                }
            )
    if rm_portfolios is not None and len(rm_portfolios):
        for r in rm_portfolios.head(top).to_dict("records"):
            out["rms"].append(
                {
                    "id": str(r["rm_id"]),
                    "customers": _count(r.get("customers")),
                    "aum": _money(r.get("aum")),
                    "hubs": _count(r.get("hubs")),
                    "tiers": " / ".join(_count(r.get(f"tier_{t}")) for t in "abc"),
                    "at_risk": _count(r.get("at_risk")),
                    "at_risk_aum": _money(r.get("at_risk_aum")),
                }
            )
    return out
