"""Customers: who they are (persons and companies), their dates, segments, money and names.

85% persons, 15% companies; ids are zero-padded numeric strings (``00012345``). Persons
carry Chinese (``王伟``) or Western (``Smith, John``, ``O'Brien``) names, and a
household's members follow its head (children take the head's surname); companies
carry Chinese or English names with commas and double quotes
(``Acme "Holdings", Ltd.``). Contact details are drawn in
:mod:`guanxi.loaders.synthetic.contacts`; the ``customers`` file is assembled last
(:func:`customers_frame`), after the shared contacts are planted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.graph.schema import Entity
from guanxi.loaders.synthetic.columns import (
    concat,
    contract_frame,
    date_text,
    id_text,
    null_where,
    pick,
    where,
)
from guanxi.loaders.synthetic.draws import weighted_choice
from guanxi.loaders.synthetic.households import Households
from guanxi.loaders.synthetic.state import BankContext
from guanxi.loaders.synthetic.vocabulary import (
    BRANDS,
    BUSINESSES,
    CHILD,
    COMPANY_RATINGS,
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    CORPORATE,
    GIVEN_NAMES,
    HEAD,
    INDUSTRIES,
    MASS,
    OCCUPATIONS,
    PERSON_RATINGS,
    REGION_WEIGHTS,
    REGIONS,
    SEGMENTS,
    SME,
    SPOUSE,
    SURNAMES,
    WESTERN_FIRST,
    WESTERN_LAST,
)

__all__ = ["Customers", "customers_frame", "draw_customer_ids", "draw_names", "draw_profiles"]

_YEAR = 365.25  # days


@dataclass(eq=False, repr=False)
class Customers:
    """Every customer's attributes, by customer index 0..n-1.

    Built in steps: :func:`draw_customer_ids` sets the attributes given to the
    constructor, :func:`draw_profiles` the dates, segments and money, :func:`draw_names`
    the names, :func:`~guanxi.loaders.synthetic.contacts.draw_contacts` the contact
    details (which :func:`~guanxi.loaders.synthetic.contacts.share_contacts` then
    rewrites for the planted shared ones).

    Attributes
    ----------
    is_company : numpy.ndarray of bool
    companies, persons : numpy.ndarray of int
        The customers who are companies, persons.
    cid : pyarrow.Array
        The customer ids (text).
    cid_list : list of str
        ``cid`` as a Python list.
    region : numpy.ndarray of int
        Index into ``REGIONS``.
    age : numpy.ndarray of float
        Age in years (persons; drawn for companies too, unused there).
    minor : numpy.ndarray of bool
        Persons under 18.
    born, joined : numpy.ndarray of int
        Birth date and joining date, days since 1970-01-01; every customer joined
        before ``as_of``.
    segment : numpy.ndarray of int
        Index into ``SEGMENTS``.
    aum, income : numpy.ndarray of float
        Assets under management and annual income (NaN when unknown).
    western, en_company : numpy.ndarray of bool
        Persons with a Western name, companies with an English name.
    name, handle : pyarrow.Array
        The name, and an ascii handle for e-mail addresses.
    phone, email, address, id_number : pyarrow.Array
        Contact details (missing for some customers).
    """

    is_company: np.ndarray
    companies: np.ndarray
    persons: np.ndarray
    cid: pa.Array
    cid_list: list[str]
    region: np.ndarray
    age: np.ndarray = field(init=False)
    minor: np.ndarray = field(init=False)
    born: np.ndarray = field(init=False)
    joined: np.ndarray = field(init=False)
    segment: np.ndarray = field(init=False)
    aum: np.ndarray = field(init=False)
    income: np.ndarray = field(init=False)
    western: np.ndarray = field(init=False)
    en_company: np.ndarray = field(init=False)
    name: pa.Array = field(init=False)
    handle: pa.Array = field(init=False)
    phone: pa.Array = field(init=False)
    email: pa.Array = field(init=False)
    address: pa.Array = field(init=False)
    id_number: pa.Array = field(init=False)


def draw_customer_ids(ctx: BankContext) -> Customers:
    """Draw who is a company, the customer ids and the regions.

    Ids are increasing numbers with random gaps of 1-7, zero-padded to at least eight
    digits.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed.

    Returns
    -------
    Customers
        With the constructor's attributes set.
    """
    rng, n = ctx.rng, ctx.n
    n_comp = int(n * 0.15 + 0.5)
    is_company = np.zeros(n, dtype=bool)
    is_company[rng.permutation(n)[:n_comp]] = True
    numbers = np.cumsum(rng.integers(1, 8, n)) + int(rng.integers(0, 1000))
    id_width = max(8, len(str(int(numbers[-1]))))
    cid = id_text("", numbers, id_width)
    return Customers(
        is_company=is_company,
        companies=np.flatnonzero(is_company),
        persons=np.flatnonzero(~is_company),
        cid=cid,
        cid_list=cid.to_pylist(),
        region=weighted_choice(rng, n, REGION_WEIGHTS),
    )


def draw_profiles(ctx: BankContext, customers: Customers, households: Households) -> None:
    """Draw every customer's dates, segment, assets and income.

    Sets ``age`` (from ``households``), ``minor``, ``born``, ``joined``, ``segment``,
    ``aum`` and ``income`` of ``customers``. Adults joined after their 18th birthday,
    minors at least a month after birth, nobody more than 30 years before ``as_of``.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed.
    customers : Customers
        Updated in place.
    households : Households
        The households and ages drawn.
    """
    rng, n, comp = ctx.rng, ctx.n, customers.is_company
    pers = ~comp
    age = customers.age = households.age
    born = (ctx.as_of - age * _YEAR - rng.uniform(0, 365, n)).astype(np.int64)
    minor = customers.minor = pers & (age < 18)
    adult_from = born + np.where(minor, 30, int(18 * _YEAR))
    earliest = np.maximum(adult_from, ctx.as_of - int(30 * _YEAR))
    earliest = np.where(comp, ctx.as_of - int(30 * _YEAR), earliest)
    earliest = np.minimum(earliest, ctx.as_of - 1)
    span = ctx.as_of - earliest
    joined = earliest + np.floor(rng.random(n) * span).astype(np.int64)
    customers.joined = np.minimum(joined, ctx.as_of - 1)
    customers.born = born

    seg = np.where(
        comp,
        np.where(rng.random(n) < 0.82, SME, CORPORATE),
        weighted_choice(rng, n, (0.70, 0.23, 0.07)),
    )
    seg[minor] = MASS
    customers.segment = seg

    aum_mu = np.log(np.array([20e3, 400e3, 8e6, 500e3, 20e6]))[seg]
    aum_sigma = np.array([1.3, 0.6, 0.8, 1.2, 1.3])[seg]
    aum = np.exp(aum_mu + aum_sigma * rng.standard_normal(n))
    aum[(seg == MASS) & (rng.random(n) < 0.06)] = 0.0
    customers.aum = np.round(aum, 2)
    inc_mu = np.log(np.array([80e3, 300e3, 2e6, 5e6, 300e6]))[seg]
    inc_sigma = np.array([0.5, 0.6, 0.8, 1.0, 1.2])[seg]
    income = np.exp(inc_mu + inc_sigma * rng.standard_normal(n))
    income = np.where(pers & (age >= 65), income * 0.5, income)
    income[minor | (rng.random(n) < 0.08)] = np.nan
    customers.income = np.round(income, 2)


def draw_names(ctx: BankContext, customers: Customers, households: Households) -> None:
    """Draw every customer's name and e-mail handle.

    Sets ``western``, ``en_company``, ``name`` and ``handle`` of ``customers``. A
    household's members share the head's style (Chinese or Western); children take the
    head's surname, Western spouses often do, Chinese ones do not. 12% of Western names
    are written ``Last, First``, as some systems export them.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed.
    customers : Customers
        Updated in place.
    households : Households
        The households drawn.
    """
    rng, n, comp = ctx.rng, ctx.n, customers.is_company
    # persons: style (0 Chinese, 1 Western) and surname follow the household head
    western = rng.random(n) < 0.3
    sur = rng.integers(0, len(SURNAMES), n)
    wlast = rng.integers(0, len(WESTERN_LAST), n)
    m, hh, role = households.member, households.household, households.role
    head_of_hh = m[role == HEAD]
    head = head_of_hh[hh]
    western[m] = western[head]
    # children take the head's surname; Western spouses often do, Chinese ones do not
    inherit = (role == CHILD) | ((role == SPOUSE) & western[head] & (rng.random(len(m)) < 0.6))
    sur[m[inherit]] = sur[head[inherit]]
    wlast[m[inherit]] = wlast[head[inherit]]
    given = rng.integers(0, len(GIVEN_NAMES), n)
    wfirst = rng.integers(0, len(WESTERN_FIRST), n)
    customers.western = western & ~comp

    zh_name = concat(pick([s for s, _ in SURNAMES], sur), pick([g for g, _ in GIVEN_NAMES], given))
    first = pick([f for f, _ in WESTERN_FIRST], wfirst)
    last = pick([w for w, _ in WESTERN_LAST], wlast)
    surname_first = rng.random(n) < 0.12  # "Smith, John", as some systems export it
    en_name = where(surname_first, concat(last, ", ", first), concat(first, " ", last))
    person_name = where(customers.western, en_name, zh_name)

    word = rng.integers(0, len(COMPANY_WORDS), n)
    brand = rng.integers(0, len(BRANDS), n)
    brand2 = (brand + rng.integers(1, len(BRANDS), n)) % len(BRANDS)
    biz = pick(BUSINESSES, rng.integers(0, len(BUSINESSES), n))
    b1 = pick([b for b, _ in BRANDS], brand)
    b2 = pick([b for b, _ in BRANDS], brand2)
    city_short = pick([c.removesuffix("市") for _, c, _, _ in REGIONS], customers.region)
    zh_company = concat(
        city_short,
        pick([w for w, _ in COMPANY_WORDS], word),
        pick(COMPANY_SUFFIXES, rng.integers(0, len(COMPANY_SUFFIXES), n)),
    )
    templates = [
        concat(b1, " ", biz, " Co., Ltd."),
        concat(b1, ' "', biz, '", Ltd.'),
        concat(b1, " & ", b2, " ", biz, " Limited"),
        concat('"', b1, '" ', biz, " Group, Inc."),
    ]
    en_company = pc.choose(pa.array(rng.integers(0, 4, n).astype(np.int8)), *templates)
    customers.en_company = comp & (rng.random(n) < 0.55)
    company_name = where(customers.en_company, en_company, zh_company)
    customers.name = where(comp, company_name, person_name)
    # ascii handles for e-mail addresses
    customers.handle = where(
        comp,
        where(
            customers.en_company,
            pick([a for _, a in BRANDS], brand),
            pick([a for _, a in COMPANY_WORDS], word),
        ),
        where(
            customers.western,
            concat(
                pick([a for _, a in WESTERN_FIRST], wfirst),
                ".",
                pick([a for _, a in WESTERN_LAST], wlast),
            ),
            concat(
                pick([a for _, a in SURNAMES], sur),
                ".",
                pick([a for _, a in GIVEN_NAMES], given),
            ),
        ),
    )


def customers_frame(ctx: BankContext, customers: Customers) -> pd.DataFrame:
    """The ``customers`` contract file; draws occupations, industries, ratings and RMs.

    Parameters
    ----------
    ctx : BankContext
        Its ``rng`` is consumed.
    customers : Customers
        Every attribute set (contacts included, shared ones planted).

    Returns
    -------
    pandas.DataFrame
    """
    rng, n, comp = ctx.rng, ctx.n, customers.is_company
    pers = ~comp
    occ = rng.integers(0, len(OCCUPATIONS), n)
    occupation = pick(OCCUPATIONS, occ)
    occupation = where(customers.minor, pa.scalar("Student"), occupation)
    retired = pers & (customers.age >= 62) & (rng.random(n) < 0.7)
    occupation = where(retired, pa.scalar("Retired"), occupation)
    occupation = null_where(occupation, comp | (rng.random(n) < 0.05))
    industry = null_where(pick(INDUSTRIES, rng.integers(0, len(INDUSTRIES), n)), pers)
    rating = where(
        comp,
        pick(COMPANY_RATINGS, weighted_choice(rng, n, (0.03, 0.1, 0.22, 0.3, 0.2, 0.1, 0.05))),
        pick(PERSON_RATINGS, weighted_choice(rng, n, (0.15, 0.3, 0.3, 0.17, 0.08))),
    )
    n_rm = max(5, n // 400)
    rm_width = max(4, len(str(n_rm)))
    rm = id_text("RM", rng.integers(1, n_rm + 1, n), rm_width)
    p_rm = np.array([0.3, 0.9, 1.0, 0.8, 1.0])[customers.segment]
    rm = null_where(rm, rng.random(n) >= p_rm)
    table = {
        "customer_id": customers.cid,
        "kind": where(comp, pa.scalar("company"), pa.scalar("person")),
        "name": customers.name,
        "segment": pick(SEGMENTS, customers.segment),
        "region": pick([r for r, _, _, _ in REGIONS], customers.region),
        "occupation": occupation,
        "industry": industry,
        "born_on": date_text(customers.born, comp),
        "risk_rating": rating,
        "aum": customers.aum,
        "annual_income": customers.income,
        "joined_on": date_text(customers.joined),
        "rm_id": rm,
        "phone": customers.phone,
        "email": customers.email,
        "address": customers.address,
        "id_number": customers.id_number,
    }
    return contract_frame(Entity.CUSTOMERS, table)
