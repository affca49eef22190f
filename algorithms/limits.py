"""The limit check per counterparty class, with the headroom left under each line.

:func:`guanxi.algorithms.exposure.classify` decides ``pct_tier1`` and ``status`` for
rows of one counterparty class; :func:`limit_check` does it for rows of mixed classes
(non-banks, banks, G-SIBs: :class:`guanxi.presets.Counterparty`), each row against its
own class's thresholds, and adds the **headroom** in currency against the large line
and the breach line.

Choices where the contract is silent
------------------------------------
- A customer is a ``bank`` counterparty when its ``kind`` is ``bank``, a ``gsib`` when
  it is also flagged ``gsib`` = ``true``; every other customer (and a holder absent
  from ``customers``) is a ``non_bank``. The ``gsib`` flag of a non-bank is ignored.
- A group is an interbank group (the interbank thresholds, China's 同业集团客户) when
  every member is a bank; a ``gsib`` group when, moreover, one member is a G-SIB.
  Any other group takes the preset's group thresholds.
- The G-SIB line (Basel LEX40.1, CRR Art. 395(1): 15 % between G-SIBs) applies only
  when the reporting bank is itself a G-SIB. guanxi cannot tell, so ``bank_is_gsib``
  defaults to True: the line is applied to every G-SIB counterparty (the prudent
  reading); a bank that is not a G-SIB passes False, and its G-SIB counterparties take
  the ordinary interbank limit.
- **Headroom** is ``line - exposure`` in the reporting currency, where ``line`` is the
  threshold's percentage of Tier 1 capital, exactly; it is negative past the line.
  It is rounded *down* to the minor unit (toward minus infinity), once, so it never
  shows more room than there is. The status is decided on the exact values, never on
  the rounded headroom: ``large`` when the exposure is at or above the large line,
  ``breach`` when strictly above the breach line. Without Tier 1 capital every
  headroom is missing.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, localcontext

import numpy as np
import pandas as pd

from guanxi.graph.schema import Entity
from guanxi.money import money_series, units
from guanxi.presets import Counterparty, LimitPreset, get_preset

from .exposure import classify
from .frames import contract_frame, text_ids
from .sparse import id_codes

__all__ = [
    "COUNTERPARTY_CLASSES",
    "customer_codes",
    "counterparty_codes",
    "group_codes",
    "headroom",
    "limit_check",
]

#: the counterparty classes, in code order (0, 1, 2)
COUNTERPARTY_CLASSES: tuple[Counterparty, ...] = (
    Counterparty.NON_BANK,
    Counterparty.BANK,
    Counterparty.GSIB,
)


def customer_codes(customers: pd.DataFrame | None) -> np.ndarray:
    """The counterparty class of each row of ``customers`` as a code into
    :data:`COUNTERPARTY_CLASSES` (0 non-bank, 1 bank, 2 G-SIB).

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["A", "B", "G", "X"],
    ...                   "kind": ["company", "bank", "bank", "company"],
    ...                   "gsib": [None, "false", "true", "true"]})
    >>> customer_codes(c).tolist()
    [0, 1, 2, 0]
    """
    c = contract_frame(Entity.CUSTOMERS, customers)
    bank = (c["kind"].astype("str") == "bank").fillna(False).to_numpy(dtype=bool)
    gsib = c["gsib"].astype("str").str.strip().str.casefold().eq("true").fillna(False)
    return np.where(bank, np.where(gsib.to_numpy(dtype=bool), 2, 1), 0).astype(np.int64)


def counterparty_codes(customers: pd.DataFrame | None, ids) -> np.ndarray:
    """The counterparty class code of each of ``ids`` (:func:`customer_codes`; an id
    not in ``customers`` is a non-bank).

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["A", "B", "G"], "kind": ["company", "bank", "bank"],
    ...                   "gsib": [None, "false", "true"]})
    >>> counterparty_codes(c, ["G", "A", "B", "Z"]).tolist()
    [2, 0, 1, 0]
    """
    c = contract_frame(Entity.CUSTOMERS, customers)
    code = customer_codes(c)
    ids = text_ids(pd.Series(ids, dtype="str") if not isinstance(ids, pd.Series) else ids)
    count, (own, known) = id_codes(ids, text_ids(c["customer_id"]))
    table = np.zeros(max(count, 1), dtype=np.int64)
    ok = known >= 0
    table[known[ok]] = code[ok]
    return np.where(own >= 0, table[np.maximum(own, 0)], 0)


def group_codes(member_codes: np.ndarray, member_group: np.ndarray, groups: int) -> np.ndarray:
    """Each group's class from its members' codes: ``bank`` when every member is a bank,
    ``gsib`` when moreover one is a G-SIB, else ``non_bank``.

    ``member_group`` numbers each member's group, ``0 .. groups - 1``.

    Examples
    --------
    >>> group_codes(np.array([1, 2, 0, 1, 1]), np.array([0, 0, 1, 1, 2]), 3).tolist()
    [2, 0, 1]
    """
    non_bank = np.zeros(groups, dtype=bool)
    non_bank[member_group[member_codes == 0]] = True
    any_gsib = np.zeros(groups, dtype=bool)
    any_gsib[member_group[member_codes == 2]] = True
    return np.where(non_bank, 0, np.where(any_gsib, 2, 1)).astype(np.int64)


def _capital(tier1_capital) -> Decimal:
    if isinstance(tier1_capital, float):
        return Decimal(repr(tier1_capital))
    return Decimal(str(tier1_capital))


def headroom(exposure: pd.Series, tier1_capital, pct: Decimal) -> pd.Series:
    """``pct`` % of Tier 1 capital minus each exposure, rounded down to the exposure's
    minor unit (exact decimals, negative past the line; missing where the exposure is).

    Parameters
    ----------
    exposure : pandas.Series
        Exact decimals (an Arrow decimal Series, as the analyses give).
    tier1_capital : Decimal, int or str
        Checked by :func:`~guanxi.algorithms.exposure.classify` first.
    pct : Decimal
        The line, in percent of Tier 1.

    Examples
    --------
    >>> from guanxi.money import money_series
    >>> e = money_series(np.array([1000, 3000]), 2)
    >>> [str(x) for x in headroom(e, Decimal("100.01"), Decimal("25"))]
    ['15.00', '-5.00']
    """
    ints, present = units(exposure)
    digits = exposure.dtype.pyarrow_dtype.scale
    with localcontext() as ctx:
        ctx.prec = 80
        line = (_capital(tier1_capital) * Decimal(pct) / 100).scaleb(digits)
        floor = int(line.to_integral_value(rounding=ROUND_FLOOR))
    return money_series(floor - ints, digits, mask=present, index=exposure.index)


def limit_check(
    exposure: pd.Series,
    tier1_capital,
    preset: str | LimitPreset = "basel",
    *,
    is_group: bool,
    counterparty: np.ndarray | None = None,
    bank_is_gsib: bool = True,
) -> pd.DataFrame:
    """``pct_tier1``, ``status`` and the headroom against the large and breach lines of
    each exposure, each row against its counterparty class's thresholds.

    Parameters
    ----------
    exposure : pandas.Series
        Exact decimal exposures (>= 0).
    tier1_capital : Decimal, int, str or None
        None: every figure is missing (never guessed).
    preset : str or LimitPreset
    is_group : bool
        Group thresholds (True) or single-name thresholds, for non-bank rows.
    counterparty : numpy.ndarray of int, optional
        Each row's class code (:data:`COUNTERPARTY_CLASSES`; None: all non-bank).
    bank_is_gsib : bool, default True
        Whether the reporting bank is a G-SIB (see the module notes).

    Returns
    -------
    pandas.DataFrame
        ``pct_tier1``, ``status``, ``headroom_large``, ``headroom_breach``; the index
        of ``exposure``.

    Raises
    ------
    ConfigError
        An unknown preset or a Tier 1 capital below 1.

    Examples
    --------
    >>> from guanxi.money import money_series
    >>> e = money_series(np.array([2000, 2000]), 2)
    >>> out = limit_check(e, 100, "basel", is_group=False, counterparty=np.array([0, 2]))
    >>> out["status"].tolist(), [str(x) for x in out["headroom_breach"]]
    (['large', 'breach'], ['5.00', '-5.00'])
    """
    p = get_preset(preset)
    n = len(exposure)
    codes = np.zeros(n, dtype=np.int64) if counterparty is None else np.asarray(counterparty)
    index = exposure.index
    exposure = exposure.reset_index(drop=True)
    first = classify(exposure.iloc[0:0], tier1_capital, p, is_group=is_group)
    digits = exposure.dtype.pyarrow_dtype.scale
    pct = np.zeros(n, dtype=np.int64)
    pct_present = np.zeros(n, dtype=bool)
    status = pd.Series([pd.NA] * n, dtype="str")
    room_large = np.zeros(n, dtype=np.int64)
    room_breach = np.zeros(n, dtype=np.int64)
    present = np.zeros(n, dtype=bool)
    for code in np.unique(codes).tolist():
        rows = np.flatnonzero(codes == code)
        part = exposure.take(rows)
        kind = COUNTERPARTY_CLASSES[code]
        out = classify(
            part,
            tier1_capital,
            p,
            is_group=is_group,
            counterparty=kind,
            bank_is_gsib=bank_is_gsib,
        )
        ints, ok = units(out["pct_tier1"])
        pct[rows], pct_present[rows] = ints, ok
        status.iloc[rows] = out["status"].to_numpy(dtype=object)
        if tier1_capital is not None:
            large, breach = p.thresholds(
                is_group=is_group, counterparty=kind, bank_is_gsib=bank_is_gsib
            )
            room_large[rows], ok_large = units(headroom(part, tier1_capital, large))
            room_breach[rows], _ = units(headroom(part, tier1_capital, breach))
            present[rows] = ok_large
    pct_scale = first["pct_tier1"].dtype.pyarrow_dtype.scale
    return pd.DataFrame(
        {
            "pct_tier1": money_series(pct, pct_scale, mask=pct_present),
            "status": status,
            "headroom_large": money_series(room_large, digits, mask=present),
            "headroom_breach": money_series(room_breach, digits, mask=present),
        }
    ).set_axis(index)
