"""Connected-client rules beyond control, guarantees and joint credit: economic
interdependence and family control; and the dependency review list.

- ``economic_dependency``: a ``dependencies`` row of kind ``receipts`` or
  ``expenditure`` with ``share >= 0.5`` (:data:`DEPENDENCY_LINK_KINDS`,
  :data:`DEPENDENCY_LINK_SHARE`) links ``from_id`` and ``to_id``: one draws half or
  more of its gross receipts, or spends half or more of its gross expenditures, with
  the other. This is the criterion of Basel LEX10.12 ("50% or more of one
  counterparty's gross receipts or gross expenditures"), of the EBA guidelines on
  connected clients under EU CRR Art. 4(1)(39)(b) (interconnection by economic
  dependence), and of the China 2018 large-exposure rules (经济依存). Rows of the other
  kinds (``output``, ``funding``, ``repayment_source``) and rows below the share are
  evidence for a reviewer, never a link.
- ``family_control`` (only where the preset says so: ``china``): companies controlled
  (a ``control`` link: share > 0.5 or role ``controller``) by members of one household
  (roles ``head``, ``spouse``, ``parent``, ``child``) are one group, after the CBRC 2010
  group-client guideline (商业银行集团客户授信业务风险管理指引, art. 3: enterprises
  controlled jointly by a principal investor, key manager or their close family).
  The link joins the controlling members; their control links join the companies.
- The **dependency review** (Basel LEX10.13, China 2018): once a single exposure
  passes 5 % of Tier 1 (the preset's ``dependency_review_pct``), the bank must assess
  the customer's economic interdependence: :func:`dependency_review` lists every
  ``dependencies`` row (any kind, any share) of such a customer.

Choices where the contract is silent
------------------------------------
- A dependency row with a missing share, or naming the same customer twice, links
  nothing (it is still listed for review).
- The family link runs from the household's ``head`` when the head controls a company,
  else from its controlling member with the smallest customer_id, to each other
  controlling member; its ``source_key`` is the household row of the linked member
  (``household_id|customer_id``). Members with role ``other`` or none are not close
  family; a household with one controlling member links nothing (its control links
  already group it with its companies).
- The review threshold is met exactly (integers): an exposure at exactly 5 % of Tier 1
  is reviewed.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal, localcontext

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.graph.schema import Entity
from guanxi.money import FRACTION_UNIT, units
from guanxi.presets import LimitPreset, get_preset

from .exposure import classify
from .frames import contract_frame, text_ids

__all__ = [
    "DEPENDENCY_LINK_KINDS",
    "DEPENDENCY_LINK_SHARE",
    "FAMILY_ROLES",
    "REVIEW_COLUMNS",
    "link_key",
    "links_frame",
    "dependency_links",
    "dependency_link_mask",
    "family_control_links",
    "dependency_review",
]

#: the dependency kinds measured against the share threshold
DEPENDENCY_LINK_KINDS: tuple[str, ...] = ("receipts", "expenditure")
#: a row of a linking kind at or above this share links its two customers
DEPENDENCY_LINK_SHARE = Decimal("0.5")
#: household roles that are close family (the head counts as a member)
FAMILY_ROLES: tuple[str, ...] = ("head", "spouse", "parent", "child")
#: columns of :func:`dependency_review`
REVIEW_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "name",
    "single_name_exposure",
    "pct_tier1",
    "counterparty_id",
    "counterparty_name",
    "direction",
    "kind",
    "share",
    "source",
    "links",
)


def link_key(*parts: pd.Series) -> pd.Series:
    """The parts joined by ``|``, missing parts empty, in one Arrow pass (a link's
    ``source_key``).

    Examples
    --------
    >>> link_key(pd.Series(["A", "B"]), pd.Series(["X", None])).tolist()
    ['A|X', 'B|']
    """
    joined = pc.binary_join_element_wise(
        *(pa.array(p.astype("str").array) for p in parts),
        pa.scalar("|", pa.large_string()),
        null_handling="replace",
        null_replacement="",
    )
    return pd.Series(joined, dtype="str", index=parts[0].index)


def links_frame(a, b, reason, entity, key) -> pd.DataFrame:
    """A links frame (``a``, ``b``, ``reason``, ``source_entity``, ``source_key``, all
    ``str``) from its columns; ``reason`` may be one text for every row."""
    a, b, key = text_ids(a), text_ids(b), text_ids(key)
    index = pd.RangeIndex(len(a))
    if not isinstance(reason, pd.Series):
        reason = pd.Series(reason, index=index, dtype="str")
    return pd.DataFrame(
        {
            "a": a,
            "b": b,
            "reason": text_ids(reason),
            "source_entity": pd.Series(entity, index=index, dtype="str"),
            "source_key": key,
        }
    )


def dependency_link_mask(dependencies: pd.DataFrame) -> np.ndarray:
    """Which rows of a canonical ``dependencies`` frame meet the linking rule (kind
    ``receipts`` or ``expenditure``, share >= 0.5, two different customers), exactly."""
    share, present = units(dependencies["share"])  # 10**-10 of the whole
    threshold = int(DEPENDENCY_LINK_SHARE * FRACTION_UNIT)
    at_least = present & (share >= threshold)
    kind = dependencies["kind"].astype("str").isin(DEPENDENCY_LINK_KINDS).to_numpy(dtype=bool)
    frm, to = dependencies["from_id"].astype("str"), dependencies["to_id"].astype("str")
    two = (frm.notna() & to.notna() & (frm != to).fillna(False)).to_numpy(dtype=bool)
    return at_least & kind & two


def dependency_links(dependencies: pd.DataFrame | None) -> pd.DataFrame:
    """The ``economic_dependency`` links: ``from_id -> to_id`` of every row meeting the
    rule, ``source_key`` ``from_id|to_id|kind``.

    Examples
    --------
    >>> d = pd.DataFrame({"from_id": ["A", "B", "C"], "to_id": ["B", "C", "D"],
    ...                   "kind": ["receipts", "output", "expenditure"],
    ...                   "share": ["0.5", "0.9", "0.4999"]})
    >>> dependency_links(d)[["a", "b", "reason", "source_key"]]
       a  b               reason    source_key
    0  A  B  economic_dependency  A|B|receipts
    """
    d = contract_frame(Entity.DEPENDENCIES, dependencies)
    m = dependency_link_mask(d)
    rows = d.loc[m]
    key = link_key(rows["from_id"], rows["to_id"], rows["kind"])
    return links_frame(
        rows["from_id"], rows["to_id"], "economic_dependency", Entity.DEPENDENCIES.value, key
    )


def family_control_links(
    households: pd.DataFrame | None, control_links: pd.DataFrame
) -> pd.DataFrame:
    """The ``family_control`` links: within each household, from the controlling head
    (or the smallest controlling member) to each other controlling close-family member.

    Parameters
    ----------
    households : pandas.DataFrame or None
        Canonical ``households`` frame.
    control_links : pandas.DataFrame
        The ``control`` links (column ``a``: the controlling owner).

    Examples
    --------
    >>> h = pd.DataFrame({"household_id": ["H"] * 3, "customer_id": ["P1", "P2", "K"],
    ...                   "role": ["head", "spouse", "child"]})
    >>> control = pd.DataFrame({"a": ["P1", "P2"], "b": ["C1", "C2"]})
    >>> family_control_links(h, control)[["a", "b", "reason", "source_key"]]
        a   b          reason source_key
    0  P1  P2  family_control       H|P2
    """
    h = contract_frame(Entity.HOUSEHOLDS, households)
    members = pd.DataFrame(
        {
            "household_id": text_ids(h["household_id"]),
            "customer_id": text_ids(h["customer_id"]),
            "role": text_ids(h["role"]),
        }
    )
    controllers = set(control_links["a"].astype("str").dropna().tolist())
    family = members["role"].isin(FAMILY_ROLES).to_numpy(dtype=bool)
    controls = members["customer_id"].isin(controllers).to_numpy(dtype=bool)
    ok = (members["household_id"].notna() & members["customer_id"].notna()).to_numpy(bool)
    m = members.loc[family & controls & ok].drop_duplicates(["household_id", "customer_id"])
    # the anchor of each household: the head first, then the smallest id
    m = m.assign(_not_head=(m["role"] != "head").to_numpy(dtype=bool))
    m = m.sort_values(["household_id", "_not_head", "customer_id"], kind="stable")
    anchor = m.groupby("household_id", sort=False)["customer_id"].transform("first")
    rest = (m["customer_id"] != anchor).to_numpy(dtype=bool)
    m, anchor = m.loc[rest], anchor.loc[rest]
    key = link_key(m["household_id"], m["customer_id"])
    return links_frame(anchor, m["customer_id"], "family_control", Entity.HOUSEHOLDS.value, key)


def _at_least(minor: np.ndarray, digits: int, tier1_capital, pct: Decimal) -> np.ndarray:
    """``minor / 10**digits >= pct % of tier1_capital``, exactly."""
    capital = (
        Decimal(repr(tier1_capital))
        if isinstance(tier1_capital, float)
        else Decimal(str(tier1_capital))
    )
    with localcontext() as ctx:
        ctx.prec = 80
        line = (capital * pct / 100).scaleb(digits)
        need = int(line.to_integral_value(rounding=ROUND_CEILING))
    return np.asarray(minor, dtype=np.int64) >= need


def dependency_review(
    dependencies: pd.DataFrame | None,
    exposures: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    *,
    tier1_capital,
    preset: str | LimitPreset = "basel",
) -> pd.DataFrame:
    """Every dependency row of a customer whose single-name exposure is at or above the
    preset's review share of Tier 1 (5 %), for the interdependence assessment.

    Parameters
    ----------
    dependencies : pandas.DataFrame or None
        Canonical ``dependencies`` frame.
    exposures : pandas.DataFrame
        ``customer_id``, ``single_name_exposure`` (exact decimals), one row per customer.
    customers : pandas.DataFrame, optional
        For the names.
    tier1_capital : Decimal, int, str or None
        None: nothing can be reviewed (an empty list).
    preset : str or LimitPreset

    Returns
    -------
    pandas.DataFrame
        :data:`REVIEW_COLUMNS`: the reviewed customer (``customer_id``, ``name``,
        ``single_name_exposure``, ``pct_tier1``), the other customer of the row
        (``counterparty_id``, ``counterparty_name``), ``direction`` (``depends_on``:
        the customer is the row's ``from_id``; ``depended_on_by``: its ``to_id``),
        the row's ``kind``, ``share``, ``source``, and ``links`` (whether the row meets
        the linking rule). Largest exposure first, then customer, counterparty, kind,
        direction.

    Raises
    ------
    ConfigError
        An unknown preset or a Tier 1 capital below 1.
    """
    p = get_preset(preset)
    d = contract_frame(Entity.DEPENDENCIES, dependencies)
    c = contract_frame(Entity.CUSTOMERS, customers)
    e = exposures[["customer_id", "single_name_exposure"]].reset_index(drop=True)
    digits = e["single_name_exposure"].dtype.pyarrow_dtype.scale
    classify(e["single_name_exposure"].iloc[0:0], tier1_capital, p, is_group=False)
    if tier1_capital is None:
        e = e.iloc[0:0]
    else:
        minor, _ = units(e["single_name_exposure"])
        e = e.loc[_at_least(minor, digits, tier1_capital, p.dependency_review_pct)]
    e = e.assign(customer_id=text_ids(e["customer_id"]).to_numpy())
    e["pct_tier1"] = classify(e["single_name_exposure"], tier1_capital, p, is_group=False)[
        "pct_tier1"
    ].to_numpy()
    rows = d.assign(links=dependency_link_mask(d))
    parts = []
    for own, other, direction in (
        ("from_id", "to_id", "depends_on"),
        ("to_id", "from_id", "depended_on_by"),
    ):
        part = rows.rename(columns={own: "customer_id", other: "counterparty_id"})
        part = part.assign(
            customer_id=text_ids(part["customer_id"]).to_numpy(),
            counterparty_id=text_ids(part["counterparty_id"]).to_numpy(),
            direction=direction,
        )
        parts.append(e.merge(part, on="customer_id", how="inner"))
    out = pd.concat(parts, ignore_index=True)
    names = pd.Series(
        c["name"].astype("str").to_numpy(), index=c["customer_id"].astype("str").to_numpy()
    )
    names = names[~names.index.duplicated()]
    out["name"] = out["customer_id"].map(names).astype("str")
    out["counterparty_name"] = out["counterparty_id"].map(names).astype("str")
    out = out.sort_values(
        ["single_name_exposure", "customer_id", "counterparty_id", "kind", "direction"],
        ascending=[False, True, True, True, True],
        kind="stable",
    )
    out = out[list(REVIEW_COLUMNS)].reset_index(drop=True)
    return out.astype(
        {
            "customer_id": "str",
            "name": "str",
            "counterparty_id": "str",
            "counterparty_name": "str",
            "direction": "str",
            "kind": "str",
            "source": "str",
            "links": bool,
        }
    )
