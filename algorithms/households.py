"""Households as their own view: members, head, combined deposits and credit.

Households never join customers into exposure groups (``shared/data-contract.md``);
this module reports them on their own.

Choices where the contract is silent
------------------------------------
- ``deposits`` sums the ``balance`` of open deposit-side accounts (``current``,
  ``savings``, ``term_deposit``, ``wealth``) held by any member, as primary holder or
  through ``account_holders``, each account once; a missing balance counts 0 and a
  missing status counts as open.
- ``exposure`` sums the credit exposure (see :mod:`guanxi.algorithms.exposure`) of
  open credit accounts held by any member, each account once.
- ``head`` is the member with role ``head``; with several, the smallest customer_id;
  with none, missing.
- A customer in two households counts in both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from guanxi.graph.schema import Entity
from guanxi.money import Reporting, money_series

from .exposure import credit_holdings, deposit_holdings
from .frames import contract_frame as _frame
from .frames import join_runs as _join_runs

__all__ = ["household_summary"]

_COLUMNS = {
    "household_id": "str",
    "size": "int64",
    "members": "str",
    "head": "str",
    "deposits": "money",
    "exposure": "money",
}


def _combined(members: pd.DataFrame, holdings: pd.DataFrame, column: str) -> pd.Series:
    held = members.merge(holdings[["account_id", "customer_id", column]], on="customer_id")
    held = held.drop_duplicates(["household_id", "account_id"])
    return held.groupby("household_id")[column].sum()


def household_summary(
    households: pd.DataFrame | None,
    accounts: pd.DataFrame | None = None,
    account_holders: pd.DataFrame | None = None,
    *,
    ccf_default="1",
    reporting: Reporting | None = None,
) -> pd.DataFrame:
    """One row per household: its members, head, combined deposits and credit exposure.

    Parameters
    ----------
    households : pandas.DataFrame or None
        Canonical ``households`` frame (``household_id``, ``customer_id``, ``role``).
    accounts, account_holders : pandas.DataFrame or None
        Canonical frames; ``None`` means no rows.
    ccf_default : Decimal, int or str, default "1"
        Credit conversion factor where an account's ``ccf`` is missing.
    reporting : Reporting, optional
        The reporting currency and rates; amounts are exact (:mod:`guanxi.money`).

    Returns
    -------
    pandas.DataFrame
        ``household_id``, ``size`` (members), ``members`` (customer ids, sorted,
        ``;``-separated), ``head``, ``deposits``, ``exposure``; by household_id.

    Raises
    ------
    ConfigError
        If ``ccf_default`` is outside 0..1.

    Examples
    --------
    >>> from guanxi.graph.schema import canonical_frame
    >>> hh = pd.DataFrame({"household_id": ["H1", "H1"], "customer_id": ["B", "A"],
    ...                    "role": ["head", "spouse"]})
    >>> acc = canonical_frame(Entity.ACCOUNTS, pd.DataFrame({"account_id": ["S1", "M1"],
    ...     "customer_id": ["A", "B"], "product": ["savings", "mortgage"],
    ...     "balance": ["5", None], "outstanding": [None, "90.005"]}))
    >>> joint = pd.DataFrame({"account_id": ["M1"], "customer_id": ["A"], "role": ["joint"]})
    >>> household_summary(hh, acc, joint)
      household_id  size members head  deposits  exposure
    0           H1     2     A;B    B      5.00     90.01
    """
    reporting = reporting or Reporting()
    credit = credit_holdings(
        accounts, account_holders, ccf_default=ccf_default, reporting=reporting
    )
    deposit = deposit_holdings(accounts, account_holders, reporting=reporting)
    h = _frame(Entity.HOUSEHOLDS, households)
    members = pd.DataFrame(
        {
            "household_id": h["household_id"].astype("str").to_numpy(),
            "customer_id": h["customer_id"].astype("str").to_numpy(),
            "role": h["role"].astype("str").to_numpy(),
        }
    ).astype("str")
    members = members.dropna(subset=["household_id", "customer_id"])
    members = members.sort_values(["household_id", "customer_id"], kind="stable")
    members = members.drop_duplicates(["household_id", "customer_id"])
    if members.empty:
        return pd.DataFrame(
            {
                k: money_series(np.zeros(0, np.int64), reporting.digits)
                if t == "money"
                else pd.Series([], dtype=t)
                for k, t in _COLUMNS.items()
            }
        )
    per = members.groupby("household_id", sort=True)
    out = per.size().rename("size").to_frame()
    out["members"] = _join_runs(members["household_id"], members["customer_id"]).reindex(out.index)
    heads = members.loc[members["role"].eq("head").fillna(False).to_numpy(dtype=bool)]
    out["head"] = heads.groupby("household_id")["customer_id"].first().reindex(out.index)
    deposits = _combined(members, deposit, "balance_minor").reindex(out.index).fillna(0)
    exposure = _combined(members, credit, "exposure_minor").reindex(out.index).fillna(0)
    out["deposits"] = money_series(deposits.to_numpy(dtype=np.int64), reporting.digits).array
    out["exposure"] = money_series(exposure.to_numpy(dtype=np.int64), reporting.digits).array
    out = out.reset_index()
    out["size"] = out["size"].to_numpy(dtype=np.int64)
    return out[list(_COLUMNS)].astype({k: t for k, t in _COLUMNS.items() if t != "money"})
