"""Groups of connected clients: who is linked to whom, why, and the group's exposure.

Definitions (``shared/data-contract.md``, the default rule set; every link keeps its
reason):

- ``control``: an ``ownership`` row with ``share > 0.5`` or role ``controller``; the
  link runs owner -> company. Chains (A controls B controls C) need no special
  handling: they land in one connected component.
- ``guarantee``: a ``guarantees`` row valid on the analysis date; guarantor -> borrower.
- ``joint_credit``: two customers holding the same open credit account (primary or
  through ``account_holders``, role ``joint`` or ``authorized``).
- ``economic_dependency``: a ``dependencies`` row of kind ``receipts`` or
  ``expenditure`` with ``share >= 0.5`` (Basel LEX10.12, EU CRR Art. 4(1)(39)(b), China
  2018); ``from_id -> to_id``. See :mod:`guanxi.algorithms.connections`.
- ``family_control``, only under a preset with ``family_control`` (``china``): members
  of one household who each control a company (CBRC 2010 group-client guideline).

An **exposure group** is a connected component, of two or more customers, of these
links. Its exposure counts each open credit account once, however many members hold
it. Referrals, households and shared contact details never join groups, unless
``include_links=True`` adds the suspected links of :mod:`guanxi.algorithms.suspected`
(households join them through ``family_control`` only, under the China preset).

Every member, group and single name carries its ``pct_tier1``, ``status`` and headroom
against its own thresholds (:func:`guanxi.algorithms.limits.limit_check`): banks take
the preset's interbank thresholds, G-SIBs the G-SIB line; a group of banks only is an
interbank group. A member's status uses the single-name thresholds, so a member above
the large line is reported even when its group is fine.

Choices where the contract is silent
------------------------------------
- A guarantee is valid on ``as_of`` when ``valid_from`` is missing or ``<= as_of`` and
  ``valid_to`` is missing or ``>= as_of`` (both ends inclusive). ``as_of=None`` counts
  every guarantee.
- An account held by ``k`` customers gives ``k - 1`` ``joint_credit`` links, from the
  primary holder to each further holder, not all ``k (k - 1) / 2`` pairs: every link
  listed is true, and the components are the same.
- Ownership and guarantee rows linking a customer to itself are ignored.
- ``source_key`` is the natural key of the row that produced the link, its parts
  joined by ``|`` (missing parts empty): ``owner|company|role`` for control,
  ``guarantor|borrower|account_id|valid_from`` for guarantees, the ``account_id`` for
  joint credit, the ``suspected_link_id`` for suspected links, ``from|to|kind`` for
  economic dependency, ``household_id|customer_id`` for family control.
- Groups are listed by exposure, largest first, then ``group_id``; single names
  likewise by single-name exposure.

The whole-bank pass is one sparse weakly-connected-components run
(:func:`guanxi.algorithms.sparse.weakly_connected_labels`) plus vectorized pandas: no
Python loop over customers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from guanxi.errors import ConfigError
from guanxi.graph.schema import Entity
from guanxi.money import FRACTION_UNIT, Reporting, money_series, units

from .connections import dependency_links, family_control_links
from .connections import link_key as _key
from .connections import links_frame as _links_frame
from .engine import IN_PROCESS, Engine
from .exposure import classify, credit_holdings_and_codes, get_preset
from .frames import contract_frame as _frame
from .frames import labels as _labels
from .frames import text_ids as _ids
from .limits import COUNTERPARTY_CLASSES, customer_codes, group_codes, limit_check
from .sparse import (
    first_nodes,
    id_codes,
    index_ids,
    take_ids,
)
from .suspected import shared_contact_values

__all__ = [
    "REASONS",
    "LINK_COLUMNS",
    "as_of_date",
    "valid_guarantees",
    "connected_client_links",
    "exposure_groups",
    "single_names",
    "groups_and_single_names",
]

#: the link reasons; suspected links add ``suspected_<field>``; ``family_control`` only
#: under a preset that says so
REASONS: tuple[str, ...] = (
    "control",
    "guarantee",
    "joint_credit",
    "economic_dependency",
    "family_control",
)

#: columns of a links frame
LINK_COLUMNS: tuple[str, ...] = ("a", "b", "reason", "source_entity", "source_key")

_MONEY, _PCT = "money", "pct"
_GROUP_COLUMNS = {
    "group_id": "str",
    "size": "int64",
    "exposure": _MONEY,
    "pct_tier1": _PCT,
    "status": "str",
    "largest_member": "str",
    "largest_member_exposure": _MONEY,
    "links": "int64",
    "reasons": "str",
    "counterparty": "str",
    "headroom_large": _MONEY,
    "headroom_breach": _MONEY,
}


def _empty(columns: dict[str, str], digits: int) -> pd.DataFrame:
    def empty(t: str) -> pd.Series:
        if t == _MONEY:
            return money_series(np.zeros(0, np.int64), digits)
        if t == _PCT:
            return money_series(np.zeros(0, np.int64), 4)
        return pd.Series([], dtype=t)

    return pd.DataFrame({k: empty(t) for k, t in columns.items()})


def as_of_date(as_of) -> str | None:
    """``as_of`` as an ISO ``YYYY-MM-DD`` string (``None`` stays ``None``).

    Raises
    ------
    ConfigError
        If ``as_of`` is not a date, a datetime or an ISO date string.

    Examples
    --------
    >>> as_of_date("2024-03-31"), as_of_date(dt.date(2024, 1, 2)), as_of_date(None)
    ('2024-03-31', '2024-01-02', None)
    """
    if as_of is None:
        return None
    if isinstance(as_of, dt.date | pd.Timestamp):
        return pd.Timestamp(as_of).strftime("%Y-%m-%d")
    try:
        return dt.date.fromisoformat(str(as_of).strip()[:10]).isoformat()
    except ValueError as exc:
        raise ConfigError(f"as_of must be an ISO date (YYYY-MM-DD), got {as_of!r}") from exc


def valid_guarantees(guarantees: pd.DataFrame | None, *, as_of) -> pd.DataFrame:
    """The guarantee rows valid on ``as_of``, without self-guarantees.

    Parameters
    ----------
    guarantees : pandas.DataFrame or None
        Canonical ``guarantees`` frame.
    as_of : str, datetime.date or None
        Analysis date. A row is valid when ``valid_from`` is missing or ``<= as_of``
        and ``valid_to`` is missing or ``>= as_of``. ``None`` keeps every row.

    Returns
    -------
    pandas.DataFrame
        The valid rows, all columns kept, index reset.

    Raises
    ------
    ConfigError
        If ``as_of`` is not a date.
    """
    day = as_of_date(as_of)
    g = _frame(Entity.GUARANTEES, guarantees)
    gid = g["guarantor_id"].astype("str")
    bid = g["borrower_id"].astype("str")
    keep = (gid.notna() & bid.notna() & (gid != bid).fillna(False)).to_numpy(dtype=bool)
    if day is not None:
        vf = g["valid_from"].astype("str").str.slice(0, 10)
        vt = g["valid_to"].astype("str").str.slice(0, 10)
        started = vf.isna() | (vf <= day).fillna(False)
        not_ended = vt.isna() | (vt >= day).fillna(False)
        keep = keep & (started & not_ended).to_numpy(dtype=bool)
    return g.loc[keep].reset_index(drop=True)


def _control_links(ownership: pd.DataFrame | None) -> pd.DataFrame:
    o = _frame(Entity.OWNERSHIP, ownership)
    owner = o["owner_id"].astype("str")
    company = o["company_id"].astype("str")
    share, has_share = units(o["share"])  # exact: 10**-10 of the company
    role = o["role"].astype("str")
    control = has_share & (2 * share > FRACTION_UNIT)
    control |= (role == "controller").fillna(False).to_numpy(dtype=bool)
    ok = (owner.notna() & company.notna() & (owner != company).fillna(False)).to_numpy(dtype=bool)
    m = control & ok
    key = _key(owner[m], company[m], role[m])
    return _links_frame(owner[m], company[m], "control", "ownership", key)


def _guarantee_links(guarantees: pd.DataFrame | None, as_of) -> pd.DataFrame:
    g = valid_guarantees(guarantees, as_of=as_of)
    key = _key(g["guarantor_id"], g["borrower_id"], g["account_id"], g["valid_from"])
    return _links_frame(g["guarantor_id"], g["borrower_id"], "guarantee", "guarantees", key)


def _joint_credit_links(holdings: pd.DataFrame, accounts: np.ndarray | None) -> pd.DataFrame:
    """Primary holder -> further holder of each account; ``accounts`` numbers the
    ``account_id`` of each holdings row (None: not numbered)."""
    is_primary = holdings["role"].eq("primary").fillna(False).to_numpy(dtype=bool)
    account, customer = holdings["account_id"], holdings["customer_id"]
    first, further = np.flatnonzero(is_primary), np.flatnonzero(~is_primary)
    row = None
    if accounts is not None:
        count = int(accounts.max(initial=-1)) + 1
        if np.bincount(accounts[first], minlength=count).max(initial=0) <= 1:
            where = np.full(count, -1, dtype=np.int64)
            where[accounts[first]] = np.arange(first.size)
            row = where[accounts[further]]
    if row is None:
        primary, others = holdings.loc[is_primary], holdings.loc[~is_primary]
        pairs = others[["account_id", "customer_id"]].merge(
            primary[["account_id", "customer_id"]].rename(columns={"customer_id": "anchor"}),
            on="account_id",
        )
    else:  # the same pairs, in the merge's order, without a merge on strings
        further, row = further[row >= 0], row[row >= 0]
        pairs = pd.DataFrame(
            {
                "account_id": _ids(account.take(further)),
                "customer_id": _ids(customer.take(further)),
                "anchor": _ids(customer.take(first[row])),
            }
        )
    pairs = pairs.loc[(pairs["anchor"] != pairs["customer_id"]).to_numpy(dtype=bool)]
    return _links_frame(
        pairs["anchor"], pairs["customer_id"], "joint_credit", "accounts", pairs["account_id"]
    )


def _suspected_links(customers: pd.DataFrame | None) -> pd.DataFrame:
    long = shared_contact_values(customers)
    anchor = long.groupby("suspected_link_id", sort=False)["customer_id"].transform("first")
    m = (long["customer_id"] != anchor).to_numpy(dtype=bool)
    long, anchor = long.loc[m], anchor.loc[m]
    return _links_frame(
        anchor,
        long["customer_id"],
        "suspected_" + long["field"],
        "customers",
        long["suspected_link_id"],
    )


def _links(
    customers,
    holdings,
    guarantees,
    ownership,
    as_of,
    include_links,
    accounts=None,
    *,
    dependencies=None,
    households=None,
    family=False,
) -> pd.DataFrame:
    control = _control_links(ownership)
    parts = [
        control,
        _guarantee_links(guarantees, as_of),
        _joint_credit_links(holdings, accounts),
        dependency_links(dependencies),
    ]
    if family:
        parts.append(family_control_links(households, control))
    if include_links:
        parts.append(_suspected_links(customers))
    links = pd.concat(parts, ignore_index=True)
    return links.astype(dict.fromkeys(LINK_COLUMNS, "str"))


def _link_order(links: pd.DataFrame, a: np.ndarray, b: np.ndarray, *first) -> np.ndarray:
    """Row order: by ``first`` keys, then reason, a, b (node numbers sort as the ids),
    then input order."""
    reason, _ = pd.factorize(links["reason"], sort=True)
    return np.lexsort((np.arange(len(links)), b, a, reason, *reversed(first)))


def connected_client_links(
    customers: pd.DataFrame | None,
    accounts: pd.DataFrame | None,
    account_holders: pd.DataFrame | None,
    guarantees: pd.DataFrame | None,
    ownership: pd.DataFrame | None,
    *,
    as_of,
    ccf_default="1",
    include_links: bool = False,
    reporting: Reporting | None = None,
    dependencies: pd.DataFrame | None = None,
    households: pd.DataFrame | None = None,
    preset="basel",
) -> pd.DataFrame:
    """Every connected-client link, with the reason and the row that produced it.

    Parameters
    ----------
    customers, accounts, account_holders, guarantees, ownership : pandas.DataFrame or None
        Canonical frames; ``None`` means no rows. ``customers`` is only read for
        ``include_links``.
    as_of : str, datetime.date or None
        Analysis date for guarantee validity (``None``: every guarantee counts).
    ccf_default : float, default 1.0
        Credit conversion factor where an account's ``ccf`` is missing. Links do not
        depend on it (any open credit account links its holders); it is checked and
        accepted for symmetry with :func:`exposure_groups`.
    include_links : bool, default False
        Also link customers sharing a phone, email, address or id number (reason
        ``suspected_<field>``, star-shaped from the set's smallest customer_id).
    dependencies, households : pandas.DataFrame or None
        Canonical frames for ``economic_dependency`` and (under a preset with
        ``family_control``) ``family_control`` links.
    preset : str or LimitPreset, default "basel"
        Decides whether family control links customers.

    Returns
    -------
    pandas.DataFrame
        Columns ``a``, ``b``, ``reason`` (:data:`REASONS` or ``suspected_<field>``),
        ``source_entity`` (``ownership``, ``guarantees``, ``accounts``,
        ``dependencies``, ``households``, ``customers``), ``source_key``; all ``str``.
        ``a -> b`` is owner -> company, guarantor -> borrower, primary holder ->
        further holder, dependent -> the customer it depends on, controlling family
        member -> controlling family member. Sorted by reason, a, b, then input order.

    Raises
    ------
    ConfigError
        If ``as_of`` is not a date, ``ccf_default`` is outside 0..1 or the preset is
        unknown.

    Examples
    --------
    >>> own = pd.DataFrame({"owner_id": ["A", "X"], "company_id": ["B", "B"],
    ...                     "share": [0.6, 0.4], "role": ["shareholder", "shareholder"]})
    >>> connected_client_links(None, None, None, None, own, as_of=None)
       a  b   reason source_entity       source_key
    0  A  B  control     ownership  A|B|shareholder
    """
    family = get_preset(preset).family_control
    holdings, account = credit_holdings_and_codes(
        accounts, account_holders, ccf_default=ccf_default, reporting=reporting
    )
    links = _links(
        customers, holdings, guarantees, ownership, as_of, include_links, account,
        dependencies=dependencies, households=households, family=family,
    )  # fmt: skip
    _, (a, b) = index_ids(links["a"], links["b"])
    return links.take(_link_order(links, a, b)).reset_index(drop=True)


@dataclass(frozen=True)
class _Pass:
    """One whole-bank pass, on node numbers (``index[i]`` is customer ``i``)."""

    index: pd.Index  # customer ids, sorted
    group: np.ndarray  # node -> node number of its group's smallest member, or -1
    exposure: np.ndarray  # node -> single-name exposure, int64 minor units
    digits: int  # of the reporting currency's minor unit
    links: pd.DataFrame
    link_a: np.ndarray  # node number of each link's a
    link_b: np.ndarray
    holdings: pd.DataFrame
    holder: np.ndarray  # node number of each holdings row
    account: np.ndarray  # each holdings row's account, numbered by first appearance
    counterparty: np.ndarray  # node -> counterparty class code (limits.COUNTERPARTY_CLASSES)
    customers: pd.DataFrame  # the customers frame (for the names)
    customer_row: np.ndarray  # node -> its row of customers, or -1
    bank_is_gsib: bool


def _analyze(
    customers,
    accounts,
    account_holders,
    guarantees,
    ownership,
    *,
    as_of,
    ccf_default,
    include_links,
    reporting: Reporting,
    preset,
    dependencies=None,
    households=None,
    bank_is_gsib: bool = True,
    engine: Engine | None = None,
) -> _Pass:
    """Links, single-name exposures and each customer's group, vectorized (the
    components by ``engine``, :mod:`guanxi.algorithms.engine`)."""
    holdings, account = credit_holdings_and_codes(
        accounts, account_holders, ccf_default=ccf_default, reporting=reporting
    )
    links = _links(
        customers, holdings, guarantees, ownership, as_of, include_links, account,
        dependencies=dependencies, households=households, family=preset.family_control,
    )  # fmt: skip
    c = _frame(Entity.CUSTOMERS, customers)
    index, (cnode, a, b, h) = index_ids(
        c["customer_id"], links["a"], links["b"], holdings["customer_id"]
    )
    n = len(index)
    customer_row = np.full(n, -1, dtype=np.int64)
    customer_row[cnode] = np.arange(len(c))
    counterparty = np.zeros(n, dtype=np.int64)
    counterparty[cnode] = customer_codes(c)
    labels = (engine or IN_PROCESS).weak_components(n, a, b)
    sizes = np.bincount(labels, minlength=0)
    # node numbers follow the sorted ids, so the first node of a label is its smallest id
    first = first_nodes(labels)
    group = np.where(sizes[labels] >= 2, first[labels], -1).astype(np.int64)
    exposure = np.zeros(n, dtype=np.int64)  # exact integer sums, never float weights
    np.add.at(exposure, h, holdings["exposure_minor"].to_numpy(dtype=np.int64))
    if account is None:
        _, (account,) = id_codes(holdings["account_id"])
    return _Pass(
        index, group, exposure, reporting.digits, links, a, b, holdings, h,
        _first_rows(account), counterparty, c, customer_row, bank_is_gsib,
    )  # fmt: skip


def _names(p: _Pass, nodes: np.ndarray) -> pd.Series:
    """The ``name`` of each node (missing for a customer without one)."""
    rows = p.customer_row[nodes]
    names = pa.array(p.customers["name"].astype("str").array).cast(pa.large_string())
    taken = names.take(pa.array(rows, mask=rows < 0))
    return pd.Series(taken, dtype="str")


def _classes(codes: np.ndarray) -> pd.Series:
    return _labels(codes, [str(c) for c in COUNTERPARTY_CLASSES])


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Each code's first row: equal codes get equal numbers, numbered in order of
    first appearance (as :func:`pandas.factorize` would, up to gaps)."""
    count = int(codes.max(initial=-1)) + 1
    first = np.full(count, codes.size, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(codes.size))
    return first[codes]


def _largest(nodes: np.ndarray, slot: np.ndarray, exposure: np.ndarray, k: int) -> np.ndarray:
    """The member of each group with the highest single-name exposure (ties to the
    smallest id); ``nodes`` come sorted by ``slot`` (the group's row, ``0 .. k-1``),
    then by node number."""
    starts = np.searchsorted(slot, np.arange(k))
    top = np.maximum.reduceat(exposure, starts) if nodes.size else np.zeros(0, np.int64)
    best = np.flatnonzero(exposure == top[slot])  # in order: the first per group wins
    largest = nodes[starts].copy()  # a group whose exposures are all NaN: its first
    group, first = np.unique(slot[best], return_index=True)
    largest[group] = nodes[best[first]]
    return largest


def _run(frames, *, tier1_capital, preset, reporting, **options) -> tuple[_Pass, object]:
    """Check the options, then make the whole-bank pass."""
    preset = get_preset(preset)
    classify([], tier1_capital, preset, is_group=True)  # check the options before working
    p = _analyze(*frames, preset=preset, reporting=reporting or Reporting(), **options)
    return p, preset


def exposure_groups(
    customers: pd.DataFrame | None,
    accounts: pd.DataFrame | None,
    account_holders: pd.DataFrame | None,
    guarantees: pd.DataFrame | None,
    ownership: pd.DataFrame | None,
    *,
    as_of,
    tier1_capital=None,
    preset="basel",
    ccf_default="1",
    include_links: bool = False,
    reporting: Reporting | None = None,
    dependencies: pd.DataFrame | None = None,
    households: pd.DataFrame | None = None,
    bank_is_gsib: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Groups of connected clients with their exposure and limit status.

    Parameters
    ----------
    customers, accounts, account_holders, guarantees, ownership : pandas.DataFrame or None
        Canonical frames; ``None`` means no rows.
    as_of : str, datetime.date or None
        Analysis date for guarantee validity (``None``: every guarantee counts).
    tier1_capital : float, optional
        The bank's Tier 1 capital; without it ``pct_tier1`` is NaN and ``status``
        missing.
    preset : str or LimitPreset, default "basel"
        Limit thresholds (groups use the preset's group thresholds, members and single
        names its single-name ones, banks its interbank ones); and whether family
        control links customers.
    ccf_default : float, default 1.0
        Credit conversion factor where an account's ``ccf`` is missing.
    include_links : bool, default False
        Also join customers sharing contact details (suspected links).
    reporting : Reporting, optional
        The reporting currency and rates.
    dependencies, households : pandas.DataFrame or None
        Canonical frames for the ``economic_dependency`` and ``family_control`` links.
    bank_is_gsib : bool, default True
        Whether the reporting bank is a G-SIB: the G-SIB line applies to G-SIB
        counterparties (:mod:`guanxi.algorithms.limits`).

    Returns
    -------
    groups : pandas.DataFrame
        ``group_id`` (smallest member customer_id), ``size``, ``exposure`` (each open
        credit account held by any member counted once), ``pct_tier1``, ``status``,
        ``largest_member`` (highest single-name exposure, ties to the smallest id),
        ``largest_member_exposure``, ``links`` (number of link rows), ``reasons``
        (link reasons present, ``;``-separated, sorted), ``counterparty``
        (``non_bank``, ``bank`` or ``gsib``: a group of banks only is interbank),
        ``headroom_large`` and ``headroom_breach`` (to each line, in currency,
        negative past it). Largest exposure first.
    members : pandas.DataFrame
        ``group_id``, ``customer_id``, ``single_name_exposure``, ``name``,
        ``counterparty``, ``pct_tier1``, ``status``, ``headroom_large``,
        ``headroom_breach`` (each member against the single-name or interbank lines);
        by group_id, customer_id.
    links : pandas.DataFrame
        ``group_id`` then the columns of :func:`connected_client_links`.

    Raises
    ------
    ConfigError
        If the preset is unknown, ``tier1_capital`` is not positive, ``as_of`` is not
        a date or ``ccf_default`` is outside 0..1.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["M1"], "customer_id": ["A"],
    ...                     "product": ["mortgage"], "outstanding": [30.0]})
    >>> joint = pd.DataFrame({"account_id": ["M1"], "customer_id": ["B"], "role": ["joint"]})
    >>> groups, members, links = exposure_groups(None, acc, joint, None, None,
    ...                                          as_of="2024-03-31", tier1_capital=100.0)
    >>> groups[["group_id", "size", "exposure", "pct_tier1", "status", "headroom_breach"]]
      group_id  size  exposure  pct_tier1  status  headroom_breach
    0        A     2     30.00    30.0000  breach            -5.00
    """
    p, preset = _run(
        (customers, accounts, account_holders, guarantees, ownership),
        tier1_capital=tier1_capital, preset=preset, reporting=reporting, as_of=as_of,
        ccf_default=ccf_default, include_links=include_links, dependencies=dependencies,
        households=households, bank_is_gsib=bank_is_gsib,
    )  # fmt: skip
    return _groups(p, tier1_capital, preset)


def _limits(p: _Pass, exposure: pd.Series, codes, tier1_capital, preset, *, is_group):
    return limit_check(
        exposure,
        tier1_capital,
        preset,
        is_group=is_group,
        counterparty=codes,
        bank_is_gsib=p.bank_is_gsib,
    )


def _groups(p: _Pass, tier1_capital, preset) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n = len(p.index)
    roots = np.flatnonzero(p.group == np.arange(n))  # one per group, in group_id order
    k = len(roots)
    slot = np.full(n, -1, dtype=np.int64)  # node -> row of its group in `groups`
    slot[roots] = np.arange(k)
    gslot = np.where(p.group >= 0, slot[np.maximum(p.group, 0)], -1)

    # members, by group_id then customer_id, each against its single-name lines
    nodes = np.flatnonzero(gslot >= 0)
    nodes = nodes[np.lexsort((nodes, gslot[nodes]))]
    single = money_series(p.exposure[nodes], p.digits)
    codes = p.counterparty[nodes]
    own = _limits(p, single, codes, tier1_capital, preset, is_group=False)
    members = pd.DataFrame(
        {
            "group_id": take_ids(p.index, p.group[nodes]),
            "customer_id": take_ids(p.index, nodes),
            "single_name_exposure": single,
            "name": _names(p, nodes),
            "counterparty": _classes(codes),
        }
    )
    for column in own.columns:
        members[column] = own[column].array

    # links, by group_id then reason, a, b
    lslot = gslot[p.link_a] if len(p.links) else np.zeros(0, dtype=np.int64)
    order = _link_order(p.links, p.link_a, p.link_b, lslot)
    order = order[lslot[order] >= 0]
    links = p.links.take(order).reset_index(drop=True)
    links.insert(0, "group_id", take_ids(p.index, roots[lslot[order]]))
    links = links.astype("str")
    if k == 0:
        return _empty(_GROUP_COLUMNS, p.digits), members, links

    # exposure: each account once per group, added up in order of first appearance
    hslot = gslot[p.holder] if len(p.holder) else np.zeros(0, dtype=np.int64)
    account = p.account
    held = np.flatnonzero(hslot >= 0)
    _, once = np.unique(
        hslot[held] * (account.max(initial=0) + 1) + account[held], return_index=True
    )
    held = held[once]
    exposure = np.zeros(k, dtype=np.int64)  # exact integer sums
    np.add.at(exposure, hslot[held], p.holdings["exposure_minor"].to_numpy(dtype=np.int64)[held])

    largest = _largest(nodes, gslot[nodes], p.exposure[nodes], k)

    reason, reasons_u = pd.factorize(links["reason"], sort=True)
    link_slot = lslot[order]
    has = np.zeros((k, len(reasons_u)), dtype=bool)
    has[link_slot, reason] = True
    # the reasons present, as a bit set per group, spelled once per distinct set
    bits = has.astype(np.int64) @ (1 << np.arange(len(reasons_u), dtype=np.int64))
    sets = np.unique(bits)
    spelled = [";".join(r for j, r in enumerate(reasons_u) if b >> j & 1) for b in sets.tolist()]
    reasons = _labels(np.searchsorted(sets, bits), spelled)

    groups = pd.DataFrame(
        {
            "group_id": take_ids(p.index, roots),
            "size": np.bincount(gslot[nodes], minlength=k).astype(np.int64),
            "exposure": money_series(exposure, p.digits),
        }
    )
    classes = group_codes(codes, gslot[nodes], k)
    limit = _limits(p, groups["exposure"], classes, tier1_capital, preset, is_group=True)
    groups["pct_tier1"] = limit["pct_tier1"].array
    groups["status"] = limit["status"].array
    groups["largest_member"] = take_ids(p.index, largest)
    groups["largest_member_exposure"] = money_series(p.exposure[largest], p.digits).array
    groups["links"] = np.bincount(link_slot, minlength=k).astype(np.int64)
    groups["reasons"] = reasons
    groups["counterparty"] = _classes(classes).array
    groups["headroom_large"] = limit["headroom_large"].array
    groups["headroom_breach"] = limit["headroom_breach"].array
    groups = groups.take(np.lexsort((np.arange(k), -exposure)))
    return groups.reset_index(drop=True), members, links


def single_names(
    customers: pd.DataFrame | None,
    accounts: pd.DataFrame | None,
    account_holders: pd.DataFrame | None,
    guarantees: pd.DataFrame | None,
    ownership: pd.DataFrame | None,
    *,
    as_of,
    tier1_capital=None,
    preset="basel",
    ccf_default="1",
    include_links: bool = False,
    reporting: Reporting | None = None,
    dependencies: pd.DataFrame | None = None,
    households: pd.DataFrame | None = None,
    bank_is_gsib: bool = True,
) -> pd.DataFrame:
    """Customers in no exposure group, with their single-name exposure and limit status.

    Parameters are those of :func:`exposure_groups`; the preset's single-name
    thresholds apply (its interbank ones to banks).

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``single_name_exposure`` (0 without open credit),
        ``pct_tier1``, ``status``, ``name``, ``counterparty``, ``headroom_large``,
        ``headroom_breach``: every customer of ``customers`` (and every holder of an
        open credit account) that belongs to no group, largest exposure first, then
        by customer_id.

    Raises
    ------
    ConfigError
        As :func:`exposure_groups`.
    """
    p, preset = _run(
        (customers, accounts, account_holders, guarantees, ownership),
        tier1_capital=tier1_capital, preset=preset, reporting=reporting, as_of=as_of,
        ccf_default=ccf_default, include_links=include_links, dependencies=dependencies,
        households=households, bank_is_gsib=bank_is_gsib,
    )  # fmt: skip
    return _single_names(p, tier1_capital, preset)


def _single_names(p: _Pass, tier1_capital, preset) -> pd.DataFrame:
    alone = np.flatnonzero(p.group < 0)
    alone = alone[np.lexsort((alone, -p.exposure[alone]))]
    exposure = money_series(p.exposure[alone], p.digits)
    codes = p.counterparty[alone]
    limit = _limits(p, exposure, codes, tier1_capital, preset, is_group=False)
    return pd.DataFrame(
        {
            "customer_id": take_ids(p.index, alone),
            "single_name_exposure": exposure.array,
            "pct_tier1": limit["pct_tier1"].array,
            "status": limit["status"].array,
            "name": _names(p, alone),
            "counterparty": _classes(codes),
            "headroom_large": limit["headroom_large"].array,
            "headroom_breach": limit["headroom_breach"].array,
        }
    )


def groups_and_single_names(
    customers: pd.DataFrame | None,
    accounts: pd.DataFrame | None,
    account_holders: pd.DataFrame | None,
    guarantees: pd.DataFrame | None,
    ownership: pd.DataFrame | None,
    *,
    as_of,
    tier1_capital=None,
    preset="basel",
    ccf_default="1",
    include_links: bool = False,
    reporting: Reporting | None = None,
    dependencies: pd.DataFrame | None = None,
    households: pd.DataFrame | None = None,
    bank_is_gsib: bool = True,
    engine: Engine | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`exposure_groups` and :func:`single_names` from one whole-bank pass.

    ``engine`` runs the connected-components pass (:mod:`guanxi.algorithms.engine`;
    default: scipy, in this process).

    Parameters are theirs. Returns ``groups, members, links, single_names``, exactly
    what the two functions return, in half the time (the links, the exposures and the
    components are computed once).

    Raises
    ------
    ConfigError
        As :func:`exposure_groups`.
    """
    p, preset = _run(
        (customers, accounts, account_holders, guarantees, ownership),
        tier1_capital=tier1_capital, preset=preset, reporting=reporting, as_of=as_of,
        ccf_default=ccf_default, include_links=include_links, dependencies=dependencies,
        households=households, bank_is_gsib=bank_is_gsib, engine=engine,
    )  # fmt: skip
    groups, members, links = _groups(p, tier1_capital, preset)
    return groups, members, links, _single_names(p, tier1_capital, preset)
