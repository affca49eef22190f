"""Contact details: unique by construction, except the planted shared ones.

Phones, e-mails, addresses and id numbers are distinct across all customers (also
after the normalization of :mod:`guanxi.algorithms.suspected`): each is built from
codes of :func:`~guanxi.loaders.synthetic.draws.affine_codes`, distinct without a
check. :func:`share_contacts` then gives 2-4 otherwise unrelated customers (in no
household and no other planted structure) the same phone, e-mail, address or id
number, so the manifest's ``shared_contacts`` is exhaustive.

- phone: persons mobile ``+86 1xx xxxx xxxx``, companies a landline of their region;
  the eight final digits are distinct.
- e-mail: the name's ascii handle and a distinct number.
- address: Chinese or English, the road, number, building, floor and unit distinct.
- id number: a resident id number (persons with Chinese names, with a valid check
  character), a passport number (other persons) or a unified social credit code
  (companies).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from guanxi.loaders.synthetic.columns import concat, int_text, null_where, pick, where
from guanxi.loaders.synthetic.draws import ReservedPool, affine_codes, weighted_choice
from guanxi.loaders.synthetic.households import Households
from guanxi.loaders.synthetic.people import Customers
from guanxi.loaders.synthetic.state import BankContext
from guanxi.loaders.synthetic.vocabulary import (
    ADDRESS_RADIX,
    DISTRICTS,
    EMAIL_DOMAINS,
    ID_CHECK_CHARS,
    ID_CHECK_WEIGHTS,
    MOBILE_PREFIXES,
    REGIONS,
    ROADS,
    USCC_CHARS,
)

__all__ = ["draw_contacts", "share_contacts"]


def draw_contacts(ctx: BankContext, customers: Customers) -> None:
    """Draw every customer's phone, e-mail, address and id number, all distinct.

    Sets ``phone``, ``email``, ``address`` and ``id_number`` of ``customers``; some are
    missing (4% of persons have no phone, more of the elderly no e-mail, ...).

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed.
    customers : Customers
        Updated in place; names and dates must be drawn.
    """
    rng, n, comp = ctx.rng, ctx.n, customers.is_company
    pers = ~comp
    region = customers.region
    # phone: persons mobile +86 1xx xxxx xxxx, companies landline +86 <area> xxxx xxxx;
    # the 8 final digits are distinct across all customers
    q = affine_codes(rng, n, 10**8)
    tail = concat(int_text(q // 10**4, 4), " ", int_text(q % 10**4, 4))
    mobile = concat(
        "+86 ", pick(MOBILE_PREFIXES, rng.integers(0, len(MOBILE_PREFIXES), n)), " ", tail
    )
    landline = concat("+86 ", pick([a for _, _, _, a in REGIONS], region), " ", tail)
    phone = where(comp, landline, mobile)
    customers.phone = null_where(phone, pers & (rng.random(n) < 0.04))

    # e-mail: handle + a distinct number
    e = affine_codes(rng, n, 10 ** max(4, len(str(n)) + 1))
    dept = pick(("info", "finance", "treasury", "admin"), rng.integers(0, 4, n))
    person_mail = concat(
        customers.handle,
        int_text(e),
        "@",
        pick(EMAIL_DOMAINS, rng.integers(0, len(EMAIL_DOMAINS), n)),
    )
    company_mail = concat(dept, int_text(e), "@", customers.handle, ".example.com")
    email = where(comp, company_mail, person_mail)
    no_mail = np.where(
        comp, rng.random(n) < 0.05, rng.random(n) < 0.12 + 0.2 * (customers.age > 70)
    )
    no_mail |= customers.minor & (rng.random(n) < 0.7)
    customers.email = null_where(email, no_mail)

    # address: the road, number, building, floor and unit are distinct per customer
    radix = ADDRESS_RADIX
    a = affine_codes(rng, n, int(np.prod(radix)))
    road, a = a % radix[0], a // radix[0]
    number, a = a % radix[1] + 1, a // radix[1]
    building, a = a % radix[2] + 1, a // radix[2]
    floor, unit = a % radix[3] + 1, a // radix[3] + 1
    room = floor * 100 + unit
    district = rng.integers(0, len(DISTRICTS), n)
    zh_addr = concat(
        pick([c for _, c, _, _ in REGIONS], region),
        pick([d for _, d in DISTRICTS], district),
        pick([r for _, r in ROADS], road),
        int_text(number),
        "号",
        int_text(building),
        "栋",
        int_text(room),
        "室",
    )
    en_addr = concat(
        "Room ",
        int_text(room),
        ", Block ",
        int_text(building),
        ", ",
        int_text(number),
        " ",
        pick([r for r, _ in ROADS], road),
        ", ",
        pick([d for d, _ in DISTRICTS], district),
        " District, ",
        pick([r for r, _, _, _ in REGIONS], region),
    )
    english = customers.western | customers.en_company
    customers.address = null_where(where(english, en_addr, zh_addr), rng.random(n) < 0.03)

    # id number: resident id (persons with Chinese names), passport (others),
    # unified social credit code (companies)
    area = np.array([r[2] for r in REGIONS], dtype=np.int64)[region]
    area = area + rng.integers(0, 12, n)
    ymd = _yyyymmdd(customers.born)
    seq = rng.integers(0, 1000, n)
    resident = ~comp & ~customers.western
    key = area * 10**11 + ymd * 1000 + seq
    key = _distinct_keys(rng, key, resident)
    digits = (key[:, None] // (10 ** np.arange(16, -1, -1, dtype=np.int64))) % 10
    check = pick(ID_CHECK_CHARS, (digits * ID_CHECK_WEIGHTS).sum(axis=1) % 11)
    resident_id = concat(int_text(key), check)
    p = affine_codes(rng, n, 3 * 10**8)
    passport = concat(pick(("E", "G", "K"), p % 3), int_text(p // 3, 8))
    uscc_check = pick(USCC_CHARS, (p * 7 + area) % len(USCC_CHARS))
    uscc = concat("91", int_text(area), int_text(p, 9), uscc_check)
    idn = where(comp, uscc, where(resident, resident_id, passport))
    customers.id_number = null_where(idn, ~comp & (rng.random(n) < 0.02))


def share_contacts(ctx: BankContext, customers: Customers, households: Households) -> list[dict]:
    """Give 2-4 unrelated customers the same phone, email, address or id number.

    The customers sharing are taken (and reserved) from those with every contact
    detail present, in no household, no planted structure, not minors; id numbers are
    shared between persons only. The first member keeps its value, the others get it.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed and its ``reserved`` updated.
    customers : Customers
        Its contact details are rewritten.
    households : Households
        The households drawn.

    Returns
    -------
    list of dict
        The manifest's ``shared_contacts``: ``field``, ``value`` and the sorted
        ``customer_ids`` of each group.
    """
    rng, n = ctx.rng, ctx.n
    columns = {
        "phone": customers.phone,
        "email": customers.email,
        "address": customers.address,
        "id_number": customers.id_number,
    }
    complete = np.ones(n, dtype=bool)
    for arr in columns.values():
        complete &= ~np.asarray(arr.is_null())
    free = complete & ~ctx.reserved & (households.household_of < 0) & ~customers.minor
    any_pool = ReservedPool(np.flatnonzero(free), ctx.reserved, rng)
    person_pool = ReservedPool(np.flatnonzero(free & ~customers.is_company), ctx.reserved, rng)
    fields = ("phone", "address", "id_number", "email")
    n_groups = max(6, min(n // 500, 2000))
    edits: dict[str, tuple[list[int], list[int]]] = {f: ([], []) for f in fields}
    groups: list[tuple[str, list[int]]] = []
    for k in range(n_groups):
        fld = fields[k % len(fields)]
        size = int(weighted_choice(rng, 1, (0.7, 0.25, 0.05))[0]) + 2
        members = (person_pool if fld == "id_number" else any_pool).take(size)
        if members is None:
            continue
        src, dst = edits[fld]
        src.extend([members[0]] * (size - 1))
        dst.extend(members[1:])
        groups.append((fld, members))
    for fld, (src, dst) in edits.items():
        if not dst:
            continue
        arr = columns[fld]
        index = np.arange(n)
        index[dst] = src
        columns[fld] = arr.take(pa.array(index))
    customers.phone, customers.email = columns["phone"], columns["email"]
    customers.address, customers.id_number = columns["address"], columns["id_number"]
    return [
        {
            "field": fld,
            "value": columns[fld][members[0]].as_py(),
            "customer_ids": sorted(customers.cid_list[c] for c in members),
        }
        for fld, members in groups
    ]


def _yyyymmdd(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 as the integers ``YYYYMMDD``.

    Examples
    --------
    >>> import numpy as np
    >>> _yyyymmdd(np.array([0, 20634])).tolist()
    [19700101, 20260630]
    """
    dt = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    years = dt.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dt.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (dt - dt.astype("datetime64[M]")).astype(np.int64) + 1
    return years * 10000 + months * 100 + day


def _distinct_keys(rng: np.random.Generator, key: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Redraw the last three digits of ``key[mask]`` until no two are equal.

    Examples
    --------
    >>> import numpy as np
    >>> key = np.array([5000, 5000, 5000, 5000])
    >>> out = _distinct_keys(np.random.default_rng(0), key, np.array([True, True, True, False]))
    >>> len(set(out[:3].tolist())), int(out[3]), bool((out // 1000 == 5).all())
    (3, 5000, True)
    """
    key = key.copy()
    idx = np.flatnonzero(mask)
    for _ in range(100):
        sub = key[idx]
        order = np.argsort(sub, kind="stable")
        dup = np.zeros(len(sub), dtype=bool)
        dup[order[1:]] = sub[order[1:]] == sub[order[:-1]]
        if not dup.any():
            return key
        redo = idx[dup]
        key[redo] = key[redo] // 1000 * 1000 + rng.integers(0, 1000, len(redo))
    raise RuntimeError("could not draw distinct id numbers")  # pragma: no cover
