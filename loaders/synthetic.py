"""A synthetic bank: the seven contract files, with known structures planted in them.

:func:`generate_bank` writes a folder that follows ``shared/data-contract.md`` exactly
(every row valid), realistic enough to exercise every analysis, and large enough to be
the 1M-customer benchmark input, plus a ``planted.json`` manifest of the structures the
analyses must find (connected-client groups, guarantee circles, referral hubs and deep
cascades, shared contact details).

How the bank is built
---------------------
Everything is vectorized numpy / pyarrow; Python loops run only over the planted
structures (a few thousand). All randomness comes from one
``numpy.random.default_rng(seed)``, so the same arguments give the same bytes.

- **customers**: 85% persons, 15% companies; ids are zero-padded numeric strings
  (``00012345``). Persons carry Chinese (``王伟``) or Western (``Smith, John``,
  ``O'Brien``) names, companies Chinese or English names with commas and double quotes
  (``Acme "Holdings", Ltd.``). Phones, emails, addresses and id numbers are unique
  (also after the normalization of :mod:`guanxi.algorithms.suspected`) except the
  planted shared ones, so ``shared_contacts`` in the manifest is exhaustive.
- **households**: 60% of persons live in households of 1-5 (head, spouse, children,
  sometimes a parent) with consistent ages; children may be minors (``Student``, no
  credit).
- **accounts**: about 2.4 per customer, deposit and credit products, amounts scaled by
  segment, ~7% closed. **account_holders**: spouses joint on mortgages, loans and
  current accounts, supplementary cards, legal representatives authorized on company
  current accounts.
- **ownership**: every company has a legal representative and directors; most have a
  controlling shareholder (a person or a parent company), the rest dispersed minority
  shareholders. Control between companies follows a random rank, so there are no
  control cycles.
- **guarantees**: owners guaranteeing their company's loan, companies guaranteeing
  each other, persons guaranteeing persons, some expired before ``as_of``. Outside the
  planted circles every guarantee goes from a lower to a higher rank (persons before
  companies, no company guarantees a person), so the planted circles are exactly the
  strongly connected sets of the guarantee graph.
- **referrals**: customers ordered by ``joined_on``; a referee's referrer always joined
  earlier (on or before), so the referrals form a forest with no cycles, and
  ``referred_on`` is the referee's ``joined_on``.

What is planted (and listed in ``planted.json``)
------------------------------------------------
- ``control_groups``: a person controlling company A (share > 0.5 or role
  ``controller``), A controlling B, B controlling C (3-4 companies), sometimes a second
  subsidiary of A, sometimes an outside company guaranteeing the last company's loan,
  the person guaranteeing A's loan, and the person's spouse jointly holding a mortgage
  with the person (the first group has all three). One group per 400 customers, at
  most 2,500. The guarantees run from 2020-01-01 to 2035-12-31 (widened when ``as_of``
  is outside 2025-2030), so the group holds on any analysis date in between.
- ``guarantee_circles``: triangles and 4-cycles (A -> B -> C -> A) and, from 1,000
  customers on, two larger circles (5-8 companies) with an inner chord; same validity
  window. They are exactly the strongly connected sets of the guarantee graph.
- ``referral_hubs``: early-joining adults with 30-200 direct referees (scaled down for
  small banks), each more than any other customer; ``direct`` is counted from the
  written referrals.
- ``deep_cascades``: referral chains of depth >= 8 with side branches; ``depth`` is
  measured on the written referrals.
- ``shared_contacts``: 2-4 otherwise unrelated customers (in no household and no other
  planted structure) sharing a phone, email, address or id number.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.graph.schema import (
    CREDIT_PRODUCTS,
    DEPOSIT_PRODUCTS,
    LOAD_ORDER,
    SPECS,
    ColumnKind,
    Entity,
)

__all__ = ["GenerationSummary", "generate_bank", "FORMATS", "MIN_CUSTOMERS", "PLANTED_NAME"]

#: the file formats :func:`generate_bank` writes
FORMATS: tuple[str, ...] = ("csv", "parquet")
#: the smallest bank :func:`generate_bank` builds (the planted structures need room)
MIN_CUSTOMERS = 50
#: the manifest of planted structures, written beside the contract files
PLANTED_NAME = "planted.json"

ProgressCallback = Callable[[str, int, int], None]

# --------------------------------------------------------------------------- vocabulary

_EPOCH = np.datetime64("1970-01-01", "D")
_YEAR = 365.25
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

PRODUCTS: tuple[str, ...] = DEPOSIT_PRODUCTS + CREDIT_PRODUCTS
_MONEY_COLUMNS = frozenset(
    c.name for spec in SPECS.values() for c in spec.columns if c.kind == ColumnKind.MONEY
)
_P = {name: i for i, name in enumerate(PRODUCTS)}
CURRENT, SAVINGS, TERM, WEALTH = _P["current"], _P["savings"], _P["term_deposit"], _P["wealth"]
LOAN, MORTGAGE, CARD = _P["loan"], _P["mortgage"], _P["credit_card"]
OVERDRAFT, LINE = _P["overdraft"], _P["credit_line"]
_N_DEPOSIT = len(DEPOSIT_PRODUCTS)

SEGMENTS = ("mass", "affluent", "private", "sme", "corporate")
MASS, AFFLUENT, PRIVATE, SME, CORPORATE = range(5)

HEAD, SPOUSE, CHILD, PARENT, OTHER = range(5)
HOUSEHOLD_ROLES = ("head", "spouse", "child", "parent", "other")

# (region, city in Chinese, area code of the id number, telephone area code)
REGIONS = (
    ("Shanghai", "上海市", 310101, "21"),
    ("Beijing", "北京市", 110101, "10"),
    ("Guangzhou", "广州市", 440103, "20"),
    ("Shenzhen", "深圳市", 440303, "755"),
    ("Hangzhou", "杭州市", 330102, "571"),
    ("Nanjing", "南京市", 320102, "25"),
    ("Suzhou", "苏州市", 320505, "512"),
    ("Chengdu", "成都市", 510104, "28"),
    ("Wuhan", "武汉市", 420102, "27"),
    ("Xi'an", "西安市", 610102, "29"),
    ("Chongqing", "重庆市", 500101, "23"),
    ("Tianjin", "天津市", 120101, "22"),
    ("Hong Kong", "香港", 810101, "852"),
    ("Singapore", "新加坡", 710101, "65"),
)
_REGION_P = (0.16, 0.14, 0.1, 0.1, 0.08, 0.06, 0.06, 0.07, 0.05, 0.04, 0.05, 0.04, 0.03, 0.02)

DISTRICTS = (
    ("Central", "中心区"),
    ("Eastern", "东城区"),
    ("Western", "西城区"),
    ("Riverside", "滨江区"),
    ("Hi-Tech Park", "高新区"),
    ("New Town", "新区"),
    ("Harbour", "港区"),
    ("University Town", "大学城"),
)
ROADS = (
    ("Renmin Road", "人民路"),
    ("Zhongshan Road", "中山路"),
    ("Jiefang Road", "解放路"),
    ("Jianshe Road", "建设路"),
    ("Heping Road", "和平路"),
    ("Changjiang Road", "长江路"),
    ("Huanghe Road", "黄河路"),
    ("Nanjing Road", "南京路"),
    ("Huaihai Road", "淮海路"),
    ("Century Avenue", "世纪大道"),
    ("Binhai Avenue", "滨海大道"),
    ("Xueyuan Road", "学院路"),
    ("Gongye Road", "工业路"),
    ("Wenhua Road", "文化路"),
    ("Xinhua Road", "新华路"),
    ("Dongfeng Road", "东风路"),
    ("Youyi Road", "友谊路"),
    ("Fuxing Road", "复兴路"),
    ("Guangming Road", "光明路"),
    ("Chaoyang Road", "朝阳路"),
)
# address numbers: road x number (1..500) x building (1..40) x floor (1..60) x unit (1..8)
_ADDR_RADIX = (len(ROADS), 500, 40, 60, 8)

SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"),
    ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
    ("欧阳", "ouyang"), ("司马", "sima"),
)  # fmt: skip
GIVEN_NAMES = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀英", "xiuying"), ("敏", "min"),
    ("静", "jing"), ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"),
    ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀兰", "xiulan"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("桂英", "guiying"), ("建华", "jianhua"),
    ("志强", "zhiqiang"), ("子涵", "zihan"), ("浩然", "haoran"), ("欣怡", "xinyi"),
    ("宇轩", "yuxuan"), ("梓萱", "zixuan"), ("一诺", "yinuo"), ("俊杰", "junjie"),
)  # fmt: skip
WESTERN_FIRST = (
    ("James", "james"), ("Mary", "mary"), ("John", "john"), ("Patricia", "patricia"),
    ("Robert", "robert"), ("Jennifer", "jennifer"), ("Michael", "michael"),
    ("Linda", "linda"), ("David", "david"), ("Elizabeth", "elizabeth"),
    ("William", "william"), ("Susan", "susan"), ("Richard", "richard"),
    ("Sarah", "sarah"), ("Thomas", "thomas"), ("Emma", "emma"), ("Olivia", "olivia"),
    ("Noah", "noah"), ("Liam", "liam"), ("Sophia", "sophia"), ("José", "jose"),
    ("Zoë", "zoe"), ("François", "francois"), ("Anaïs", "anais"), ("Søren", "soren"),
    ("Chloé", "chloe"), ("Priya", "priya"), ("Hiroshi", "hiroshi"),
)  # fmt: skip
WESTERN_LAST = (
    ("Smith", "smith"), ("Johnson", "johnson"), ("Williams", "williams"),
    ("Brown", "brown"), ("Jones", "jones"), ("Garcia", "garcia"), ("Miller", "miller"),
    ("Davis", "davis"), ("Wilson", "wilson"), ("Taylor", "taylor"), ("Anderson", "anderson"),
    ("Martin", "martin"), ("Lee", "lee"), ("Chan", "chan"), ("Wong", "wong"), ("Tan", "tan"),
    ("O'Brien", "obrien"), ("O'Connor", "oconnor"), ("Müller", "mueller"),
    ("Schmidt", "schmidt"), ("Dubois", "dubois"), ("García", "garcia"), ("Nguyen", "nguyen"),
    ("Kim", "kim"), ("Singh", "singh"), ("Patel", "patel"), ("van der Berg", "vanderberg"),
    ("MacDonald", "macdonald"),
)  # fmt: skip
COMPANY_WORDS = (
    ("华信", "huaxin"), ("恒达", "hengda"), ("鑫源", "xinyuan"), ("宏图", "hongtu"),
    ("金盛", "jinsheng"), ("瑞丰", "ruifeng"), ("中泰", "zhongtai"), ("永安", "yongan"),
    ("东方", "dongfang"), ("天成", "tiancheng"), ("新世纪", "xinshiji"), ("汇通", "huitong"),
)  # fmt: skip
COMPANY_SUFFIXES = (
    "科技有限公司", "贸易有限公司", "实业集团有限公司", "建设工程有限公司",
    "投资控股有限公司", "食品股份有限公司", "物流有限公司", "精密制造有限公司",
)  # fmt: skip
BRANDS = (
    ("Acme", "acme"), ("Pacific", "pacific"), ("Golden Dragon", "goldendragon"),
    ("Orient", "orient"), ("Silverline", "silverline"), ("Harbour", "harbour"),
    ("Jade", "jade"), ("Everbright", "everbright"), ("Summit", "summit"),
    ("Lotus", "lotus"), ("Red River", "redriver"), ("Great Wall", "greatwall"),
)  # fmt: skip
BUSINESSES = (
    "Trading", "Holdings", "Logistics", "Textiles", "Electronics", "Capital", "Foods",
    "Engineering", "Properties", "Shipping",
)  # fmt: skip
OCCUPATIONS = (
    "Engineer", "Teacher", "Doctor", "Civil servant", "Sales manager", "Accountant",
    "Business owner", "Nurse", "Lawyer", "Driver", "Factory worker", "Programmer",
    "Farmer", "Self-employed", "Consultant", "Designer",
)  # fmt: skip
INDUSTRIES = (
    "Manufacturing", "Wholesale trade", "Retail", "Construction", "Real estate",
    "Information technology", "Logistics", "Agriculture", "Energy", "Healthcare",
    "Hospitality", "Financial services",
)  # fmt: skip
PERSON_RATINGS = ("R1", "R2", "R3", "R4", "R5")
COMPANY_RATINGS = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC")
EMAIL_DOMAINS = ("example.com", "example.cn", "example.net", "example.org", "mail.example.com")
MOBILE_PREFIXES = tuple(
    str(p)
    for p in (
        130,
        131,
        132,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        158,
        159,
        166,
        177,
        180,
        182,
        186,
        188,
        199,
    )
)
CURRENCIES = ("CNY", "USD", "HKD", "EUR")
CHANNELS = ("app", "branch", "wechat", "event")
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = tuple("10X98765432")
_USCC_CHARS = tuple("0123456789ABCDEFGHJKLMNPQRTUWXY")


# --------------------------------------------------------------------------- public API


@dataclass
class GenerationSummary:
    """What :func:`generate_bank` wrote.

    Attributes
    ----------
    out_dir : Path
        The folder written to.
    files : dict of str to Path
        The file written for each entity, keyed by the entity's value (``"customers"``).
    rows : dict of str to int
        Rows written for each entity.
    planted_path : Path
        The ``planted.json`` manifest.
    seconds : float
        Wall-clock time taken.
    """

    out_dir: Path
    files: dict[str, Path]
    rows: dict[str, int]
    planted_path: Path
    seconds: float


def generate_bank(
    out_dir: str | Path,
    *,
    customers: int = 10_000,
    seed: int = 0,
    file_format: str = "csv",
    as_of: str = "2026-06-30",
    progress: ProgressCallback | None = None,
) -> GenerationSummary:
    """Write a synthetic bank (the seven contract files and ``planted.json``) to a folder.

    Parameters
    ----------
    out_dir : str or Path
        The folder to write; created if missing. Files of the same names are replaced,
        and contract files of the other format (``customers.parquet`` when writing
        CSV) are removed, so that the folder holds one bank.
    customers : int, default 10_000
        Number of customers (at least :data:`MIN_CUSTOMERS`). The other files scale
        with it: about 4.2 rows in all per customer (2.4 of them accounts).
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same arguments give the same bytes.
    file_format : {"csv", "parquet"}, default "csv"
        CSV files are UTF-8 with a header row; Parquet files have the same columns
        (money as float64, everything else as text).
    as_of : str, default "2026-06-30"
        The extract date (ISO ``YYYY-MM-DD``): every customer joined, and every account
        was opened, before it.
    progress : callable, optional
        Called as ``progress(step_name, done, total)`` after each step (``done`` steps
        of ``total`` finished), and once with ``done=0`` before the first.

    Returns
    -------
    GenerationSummary
        The files written, their row counts and the time taken.

    Raises
    ------
    ValueError
        If ``customers`` is below :data:`MIN_CUSTOMERS`, ``file_format`` is not one of
        :data:`FORMATS`, or ``as_of`` is not an ISO date.

    Examples
    --------
    >>> import tempfile, json
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     summary = generate_bank(tmp, customers=200, seed=1)
    ...     planted = json.loads(summary.planted_path.read_text(encoding="utf-8"))
    >>> summary.rows["customers"], planted["customers"]
    (200, 200)
    >>> sorted(summary.files)  # doctest: +NORMALIZE_WHITESPACE
    ['account_holders', 'accounts', 'customers', 'guarantees', 'households',
     'ownership', 'referrals']

    Notes
    -----
    The 1M-customer bank (about 4.2M rows besides the customers) is the benchmark
    input; it is built with vectorized numpy and pyarrow only, in about half a minute
    on two cores, with a peak of about 1.6 GB.
    """
    started = time.perf_counter()
    if isinstance(customers, bool) or not isinstance(customers, int | np.integer):
        raise ValueError(f"customers must be an integer, got {customers!r}")
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"customers must be at least {MIN_CUSTOMERS}, got {customers}")
    if file_format not in FORMATS:
        raise ValueError(f"file_format must be one of {', '.join(FORMATS)}, got {file_format!r}")
    if not isinstance(as_of, str) or not _ISO_DATE.match(as_of):
        raise ValueError(f"as_of must be an ISO date YYYY-MM-DD, got {as_of!r}")
    try:
        as_of_date = date.fromisoformat(as_of)
    except ValueError as exc:
        raise ValueError(f"as_of must be an ISO date YYYY-MM-DD, got {as_of!r}") from exc

    out = Path(out_dir)
    steps = [
        "customers",
        "households",
        "planted structures",
        "accounts",
        "ownership",
        "guarantees",
        "referrals",
        "shared contacts",
        *(f"write {e.value}" for e in LOAD_ORDER),
        f"write {PLANTED_NAME}",
    ]
    total = len(steps)
    done = 0

    def step_done(name: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(name, done, total)

    if progress is not None:
        progress(steps[0], 0, total)

    bank = _Bank(int(customers), seed=seed, as_of=as_of_date)
    bank.build(step_done)

    out.mkdir(parents=True, exist_ok=True)
    suffix = ".csv" if file_format == "csv" else ".parquet"
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    for entity in LOAD_ORDER:
        frame = bank.frames.pop(entity)
        path = out / f"{entity.value}{suffix}"
        _write_frame(frame, path, file_format)
        files[entity.value] = path
        rows[entity.value] = len(frame)
        del frame
        step_done(f"write {entity.value}")
    for entity in LOAD_ORDER:  # a bank of the other format would make the folder ambiguous
        for other in FORMATS:
            if other != file_format:
                (out / f"{entity.value}.{other}").unlink(missing_ok=True)
    planted_path = out / PLANTED_NAME
    _atomic_write_text(planted_path, json.dumps(bank.planted, ensure_ascii=False, indent=2) + "\n")
    step_done(f"write {PLANTED_NAME}")
    return GenerationSummary(
        out_dir=out,
        files=files,
        rows=rows,
        planted_path=planted_path,
        seconds=time.perf_counter() - started,
    )


# --------------------------------------------------------------------------- writing


def _write_frame(frame: pd.DataFrame, path: Path, file_format: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if file_format == "csv":
            _csv_ready(frame).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with numbers as text: money with two decimals, fractions with up to four.

    pandas formats float columns slowly (about a second per million values) and as
    ``36000.0``; bank extracts carry ``36000.00``.
    """
    out = {}
    for name in frame.columns:
        col = frame[name]
        if col.dtype == np.float64:
            text = _decimal_text(col.to_numpy(), 2 if name in _MONEY_COLUMNS else 4)
            if name not in _MONEY_COLUMNS:
                text = pc.replace_substring_regex(text, pattern=r"0+$", replacement="")
                text = pc.replace_substring_regex(text, pattern=r"\.$", replacement=".0")
            out[name] = pd.Series(text, dtype="str")
        else:
            out[name] = col
    return pd.DataFrame(out)


def _decimal_text(values: np.ndarray, decimals: int) -> pa.Array:
    """Non-negative ``values`` as fixed-point text; NaN becomes missing."""
    missing = np.isnan(values)
    scale = 10**decimals
    scaled = np.round(np.where(missing, 0.0, values) * scale).astype(np.int64)
    text = _cat(_num(scaled // scale), ".", _num(scaled % scale, decimals))
    return _null_where(text, missing)


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- helpers


def _strings(values: Sequence[str]) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def _pick(values: Sequence[str] | pa.Array, idx: np.ndarray) -> pa.Array:
    arr = values if isinstance(values, pa.Array) else _strings(values)
    return arr.take(pa.array(np.asarray(idx, dtype=np.int64)))


def _cat(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _num(values: np.ndarray, width: int = 0) -> pa.Array:
    text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(text, width, padding="0") if width else text


def _dates(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=missing)
    return pc.cast(arr, pa.string())


def _where(mask: np.ndarray, a: pa.Array | pa.Scalar, b: pa.Array | pa.Scalar | None) -> pa.Array:
    """``a`` where ``mask``, else ``b`` (missing when ``b`` is None)."""
    if b is None:
        b = pa.scalar(None, pa.string())
    return pc.if_else(pa.array(mask), a, b)


def _null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    return _where(~mask, arr, None)


def _choice(rng: np.random.Generator, n: int, p: Sequence[float]) -> np.ndarray:
    """Indices 0..len(p)-1 drawn with probabilities ``p`` (normalized)."""
    cdf = np.cumsum(np.asarray(p, dtype=float))
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)


def _affine_codes(rng: np.random.Generator, n: int, modulus: int) -> np.ndarray:
    """``n`` distinct random integers in ``[0, modulus)``.

    A random affine bijection of ``[0, modulus)`` applied to a random permutation of
    ``0..n-1``: distinct by construction, with no pattern between neighbouring customers.
    """
    if n > modulus:
        raise ValueError(f"cannot draw {n} distinct codes below {modulus}")
    a = int(rng.integers(modulus // 3, modulus)) | 1
    while math.gcd(a, modulus) != 1:
        a += 2
    b = int(rng.integers(0, modulus))
    return (rng.permutation(n).astype(np.int64) * a + b) % modulus


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    body = _num(numbers, width)
    return _cat(prefix, body) if prefix else body


def _round(x: np.ndarray, decimals: int = 2) -> np.ndarray:
    return np.round(x, decimals)


class _Pool:
    """Customers drawn one by one in a fixed order, skipping those already reserved.

    ``members`` are shuffled unless ``shuffle=False``; a draw that cannot be completed
    takes nobody.
    """

    def __init__(
        self,
        members: np.ndarray,
        reserved: np.ndarray,
        rng: np.random.Generator,
        *,
        shuffle: bool = True,
    ):
        self.order = rng.permutation(members) if shuffle else np.asarray(members)
        self.reserved = reserved
        self.pos = 0

    def take(self, k: int = 1) -> list[int] | None:
        got: list[int] = []
        pos = self.pos
        while len(got) < k and pos < len(self.order):
            c = int(self.order[pos])
            pos += 1
            if not self.reserved[c]:
                got.append(c)
        if len(got) < k:
            return None
        self.pos = pos
        self.reserved[got] = True
        return got


@dataclass
class _Planned:
    """Rows of the planted structures, by customer index, before ids are assigned."""

    # extra accounts: owner, product, opened_on (days), joint holder (-1 for none)
    acc_owner: list[int] = field(default_factory=list)
    acc_product: list[int] = field(default_factory=list)
    acc_opened: list[int] = field(default_factory=list)
    acc_joint: list[int] = field(default_factory=list)
    # ownership: owner, company, share (nan = none), role
    own: list[tuple[int, int, float, str]] = field(default_factory=list)
    # guarantees: guarantor, borrower, extra account number
    guar: list[tuple[int, int, int]] = field(default_factory=list)
    control_groups: list[list[int]] = field(default_factory=list)
    circles: list[list[int]] = field(default_factory=list)
    companies: set[int] = field(default_factory=set)  # companies with planted ownership

    def account(self, owner: int, product: int, opened: int, joint: int = -1) -> int:
        self.acc_owner.append(owner)
        self.acc_product.append(product)
        self.acc_opened.append(opened)
        self.acc_joint.append(joint)
        return len(self.acc_owner) - 1


# --------------------------------------------------------------------------- the bank


class _Bank:
    """Builds the seven canonical frames and the planted manifest in memory."""

    def __init__(self, n: int, *, seed: int, as_of: date):
        self.n = n
        self.seed = seed
        self.as_of_text = as_of.isoformat()
        self.rng = np.random.default_rng(seed)
        self.as_of = int((np.datetime64(as_of, "D") - _EPOCH).astype(np.int64))
        start = min(date(2020, 1, 1), date(as_of.year - 5, 1, 1))
        end = max(date(2035, 12, 31), date(as_of.year + 5, 12, 31))
        self.window = (
            int((np.datetime64(start, "D") - _EPOCH).astype(np.int64)),
            int((np.datetime64(end, "D") - _EPOCH).astype(np.int64)),
        )
        self.frames: dict[Entity, pd.DataFrame] = {}
        self.planted: dict = {}
        self.reserved = np.zeros(n, dtype=bool)  # in a planted structure

    def build(self, step_done: Callable[[str], None]) -> None:
        self._customers_core()
        step_done("customers")
        self._households()
        self._people()
        step_done("households")
        plan = self._plant()
        step_done("planted structures")
        self._accounts(plan)
        step_done("accounts")
        self._ownership(plan)
        self._account_holders(plan)
        self.frames[Entity.HOUSEHOLDS] = self._households_frame()
        step_done("ownership")
        self._guarantees(plan)
        step_done("guarantees")
        hubs, cascades = self._referrals()
        step_done("referrals")
        shared = self._shared_contacts()
        self._customers_frame()
        step_done("shared contacts")
        cid = self.cid_list
        self.planted = {
            "seed": self.seed,
            "customers": self.n,
            "as_of": self.as_of_text,
            "control_groups": [sorted(cid[i] for i in g) for g in plan.control_groups],
            "guarantee_circles": [sorted(cid[i] for i in c) for c in plan.circles],
            "referral_hubs": hubs,
            "deep_cascades": cascades,
            "shared_contacts": shared,
        }

    # ------------------------------------------------------------------ customers

    def _customers_core(self) -> None:
        rng, n = self.rng, self.n
        n_comp = int(n * 0.15 + 0.5)
        self.is_company = np.zeros(n, dtype=bool)
        self.is_company[rng.permutation(n)[:n_comp]] = True
        self.companies = np.flatnonzero(self.is_company)
        self.persons = np.flatnonzero(~self.is_company)
        numbers = np.cumsum(rng.integers(1, 8, n)) + int(rng.integers(0, 1000))
        self.id_width = max(8, len(str(int(numbers[-1]))))
        self.cid = _ids("", numbers, self.id_width)
        self.cid_list: list[str] = self.cid.to_pylist()
        self.region = _choice(rng, n, _REGION_P)

    def _households(self) -> None:
        """Group 60% of persons into households; ages follow the roles."""
        rng = self.rng
        members = rng.permutation(self.persons)
        m = int(len(members) * 0.6)
        sizes = rng.choice(np.arange(1, 6), size=m // 2 + 10, p=[0.1, 0.36, 0.28, 0.18, 0.08])
        ends = np.cumsum(sizes)
        sizes = sizes[ends <= m]
        total = int(sizes.sum())
        members = members[:total]
        nh = len(sizes)
        hh = np.repeat(np.arange(nh), sizes)
        starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
        pos = np.arange(total) - starts
        size_of = np.repeat(sizes, sizes)
        role = np.full(total, CHILD)
        role[pos == 0] = HEAD
        u = rng.random(total)
        role[(pos == 1) & (u < 0.85)] = SPOUSE
        last = pos == size_of - 1
        role[(pos >= 2) & last & (u < 0.15)] = PARENT
        role[(pos >= 2) & ~last & (u < 0.03)] = OTHER
        self.hh_member, self.hh_of, self.hh_role = members, hh, role
        self.hh_count = nh
        self.household_of = np.full(self.n, -1)
        self.household_of[members] = hh
        # partner: head <-> spouse
        self.partner = np.full(self.n, -1)
        spouse_rows = np.flatnonzero(role == SPOUSE)
        heads = members[spouse_rows - 1]
        self.partner[heads] = members[spouse_rows]
        self.partner[members[spouse_rows]] = heads
        # ages in years
        age = 18 + 67 * rng.beta(2.0, 2.6, self.n)
        has_young = np.zeros(nh, dtype=bool)
        has_young[hh[(role == CHILD) | (role == PARENT)]] = True
        head_age = np.where(has_young, 40 + 38 * rng.beta(2, 2, nh), 24 + 55 * rng.beta(2, 2.2, nh))
        ha = head_age[hh]
        member_age = np.select(
            [role == HEAD, role == SPOUSE, role == CHILD, role == PARENT],
            [
                ha,
                np.clip(ha + rng.normal(0, 3, total), 20, 95),
                np.maximum(ha - rng.uniform(22, 36, total), 0.5),
                np.minimum(ha + rng.uniform(22, 32, total), 99),
            ],
            default=np.clip(ha + rng.normal(0, 15, total), 18, 95),
        )
        age[members] = member_age
        self.age = age

    def _people(self) -> None:
        """Dates, segments, names, contacts of every customer."""
        rng, n, comp = self.rng, self.n, self.is_company
        pers = ~comp
        age = self.age
        born = (self.as_of - age * _YEAR - rng.uniform(0, 365, n)).astype(np.int64)
        self.minor = pers & (age < 18)
        adult_from = born + np.where(self.minor, 30, int(18 * _YEAR))
        earliest = np.maximum(adult_from, self.as_of - int(30 * _YEAR))
        earliest = np.where(comp, self.as_of - int(30 * _YEAR), earliest)
        earliest = np.minimum(earliest, self.as_of - 1)
        span = self.as_of - earliest
        self.joined = earliest + np.floor(rng.random(n) * span).astype(np.int64)
        self.joined = np.minimum(self.joined, self.as_of - 1)
        self.born = born

        seg = np.where(
            comp,
            np.where(rng.random(n) < 0.82, SME, CORPORATE),
            _choice(rng, n, (0.70, 0.23, 0.07)),
        )
        seg[self.minor] = MASS
        self.segment = seg

        aum_mu = np.log(np.array([20e3, 400e3, 8e6, 500e3, 20e6]))[seg]
        aum_sigma = np.array([1.3, 0.6, 0.8, 1.2, 1.3])[seg]
        aum = np.exp(aum_mu + aum_sigma * rng.standard_normal(n))
        aum[(seg == MASS) & (rng.random(n) < 0.06)] = 0.0
        self.aum = _round(aum)
        inc_mu = np.log(np.array([80e3, 300e3, 2e6, 5e6, 300e6]))[seg]
        inc_sigma = np.array([0.5, 0.6, 0.8, 1.0, 1.2])[seg]
        income = np.exp(inc_mu + inc_sigma * rng.standard_normal(n))
        income = np.where(pers & (age >= 65), income * 0.5, income)
        income[self.minor | (rng.random(n) < 0.08)] = np.nan
        self.income = _round(income)

        self._names()
        self._contacts()

    def _names(self) -> None:
        rng, n, comp = self.rng, self.n, self.is_company
        # persons: style (0 Chinese, 1 Western) and surname follow the household head
        western = rng.random(n) < 0.3
        sur = rng.integers(0, len(SURNAMES), n)
        wlast = rng.integers(0, len(WESTERN_LAST), n)
        m, hh, role = self.hh_member, self.hh_of, self.hh_role
        head_of_hh = m[role == HEAD]
        head = head_of_hh[hh]
        western[m] = western[head]
        # children take the head's surname; Western spouses often do, Chinese ones do not
        inherit = (role == CHILD) | ((role == SPOUSE) & western[head] & (rng.random(len(m)) < 0.6))
        sur[m[inherit]] = sur[head[inherit]]
        wlast[m[inherit]] = wlast[head[inherit]]
        given = rng.integers(0, len(GIVEN_NAMES), n)
        wfirst = rng.integers(0, len(WESTERN_FIRST), n)
        self.western = western & ~comp

        zh_name = _cat(
            _pick([s for s, _ in SURNAMES], sur), _pick([g for g, _ in GIVEN_NAMES], given)
        )
        first = _pick([f for f, _ in WESTERN_FIRST], wfirst)
        last = _pick([w for w, _ in WESTERN_LAST], wlast)
        surname_first = rng.random(n) < 0.12  # "Smith, John", as some systems export it
        en_name = _where(surname_first, _cat(last, ", ", first), _cat(first, " ", last))
        person_name = _where(self.western, en_name, zh_name)

        word = rng.integers(0, len(COMPANY_WORDS), n)
        brand = rng.integers(0, len(BRANDS), n)
        brand2 = (brand + rng.integers(1, len(BRANDS), n)) % len(BRANDS)
        biz = _pick(BUSINESSES, rng.integers(0, len(BUSINESSES), n))
        b1 = _pick([b for b, _ in BRANDS], brand)
        b2 = _pick([b for b, _ in BRANDS], brand2)
        city_short = _pick([c.removesuffix("市") for _, c, _, _ in REGIONS], self.region)
        zh_company = _cat(
            city_short,
            _pick([w for w, _ in COMPANY_WORDS], word),
            _pick(COMPANY_SUFFIXES, rng.integers(0, len(COMPANY_SUFFIXES), n)),
        )
        templates = [
            _cat(b1, " ", biz, " Co., Ltd."),
            _cat(b1, ' "', biz, '", Ltd.'),
            _cat(b1, " & ", b2, " ", biz, " Limited"),
            _cat('"', b1, '" ', biz, " Group, Inc."),
        ]
        en_company = pc.choose(pa.array(rng.integers(0, 4, n).astype(np.int8)), *templates)
        self.en_company = comp & (rng.random(n) < 0.55)
        company_name = _where(self.en_company, en_company, zh_company)
        self.name = _where(comp, company_name, person_name)
        # ascii handles for e-mail addresses
        self.handle = _where(
            comp,
            _where(
                self.en_company,
                _pick([a for _, a in BRANDS], brand),
                _pick([a for _, a in COMPANY_WORDS], word),
            ),
            _where(
                self.western,
                _cat(
                    _pick([a for _, a in WESTERN_FIRST], wfirst),
                    ".",
                    _pick([a for _, a in WESTERN_LAST], wlast),
                ),
                _cat(
                    _pick([a for _, a in SURNAMES], sur),
                    ".",
                    _pick([a for _, a in GIVEN_NAMES], given),
                ),
            ),
        )

    def _contacts(self) -> None:
        rng, n, comp = self.rng, self.n, self.is_company
        pers = ~comp
        region = self.region
        # phone: persons mobile +86 1xx xxxx xxxx, companies landline +86 <area> xxxx xxxx;
        # the 8 final digits are distinct across all customers
        q = _affine_codes(rng, n, 10**8)
        tail = _cat(_num(q // 10**4, 4), " ", _num(q % 10**4, 4))
        mobile = _cat(
            "+86 ", _pick(MOBILE_PREFIXES, rng.integers(0, len(MOBILE_PREFIXES), n)), " ", tail
        )
        landline = _cat("+86 ", _pick([a for _, _, _, a in REGIONS], region), " ", tail)
        phone = _where(comp, landline, mobile)
        self.phone = _null_where(phone, pers & (rng.random(n) < 0.04))

        # e-mail: handle + a distinct number
        e = _affine_codes(rng, n, 10 ** max(4, len(str(n)) + 1))
        dept = _pick(("info", "finance", "treasury", "admin"), rng.integers(0, 4, n))
        person_mail = _cat(
            self.handle, _num(e), "@", _pick(EMAIL_DOMAINS, rng.integers(0, len(EMAIL_DOMAINS), n))
        )
        company_mail = _cat(dept, _num(e), "@", self.handle, ".example.com")
        email = _where(comp, company_mail, person_mail)
        no_mail = np.where(comp, rng.random(n) < 0.05, rng.random(n) < 0.12 + 0.2 * (self.age > 70))
        no_mail |= self.minor & (rng.random(n) < 0.7)
        self.email = _null_where(email, no_mail)

        # address: the road, number, building, floor and unit are distinct per customer
        radix = _ADDR_RADIX
        a = _affine_codes(rng, n, int(np.prod(radix)))
        road, a = a % radix[0], a // radix[0]
        number, a = a % radix[1] + 1, a // radix[1]
        building, a = a % radix[2] + 1, a // radix[2]
        floor, unit = a % radix[3] + 1, a // radix[3] + 1
        room = floor * 100 + unit
        district = rng.integers(0, len(DISTRICTS), n)
        zh_addr = _cat(
            _pick([c for _, c, _, _ in REGIONS], region),
            _pick([d for _, d in DISTRICTS], district),
            _pick([r for _, r in ROADS], road),
            _num(number),
            "号",
            _num(building),
            "栋",
            _num(room),
            "室",
        )
        en_addr = _cat(
            "Room ",
            _num(room),
            ", Block ",
            _num(building),
            ", ",
            _num(number),
            " ",
            _pick([r for r, _ in ROADS], road),
            ", ",
            _pick([d for d, _ in DISTRICTS], district),
            " District, ",
            _pick([r for r, _, _, _ in REGIONS], region),
        )
        english = self.western | self.en_company
        self.address = _null_where(_where(english, en_addr, zh_addr), rng.random(n) < 0.03)

        # id number: resident id (persons with Chinese names), passport (others),
        # unified social credit code (companies)
        area = np.array([r[2] for r in REGIONS], dtype=np.int64)[region]
        area = area + rng.integers(0, 12, n)
        ymd = _yyyymmdd(self.born)
        seq = rng.integers(0, 1000, n)
        resident = ~comp & ~self.western
        key = area * 10**11 + ymd * 1000 + seq
        key = _distinct_keys(rng, key, resident)
        digits = (key[:, None] // (10 ** np.arange(16, -1, -1, dtype=np.int64))) % 10
        check = _pick(_ID_CHECK, (digits * _ID_WEIGHTS).sum(axis=1) % 11)
        resident_id = _cat(_num(key), check)
        p = _affine_codes(rng, n, 3 * 10**8)
        passport = _cat(_pick(("E", "G", "K"), p % 3), _num(p // 3, 8))
        uscc_check = _pick(_USCC_CHARS, (p * 7 + area) % len(_USCC_CHARS))
        uscc = _cat("91", _num(area), _num(p, 9), uscc_check)
        idn = _where(comp, uscc, _where(resident, resident_id, passport))
        self.id_number = _null_where(idn, ~comp & (rng.random(n) < 0.02))

    def _customers_frame(self) -> None:
        rng, n, comp = self.rng, self.n, self.is_company
        pers = ~comp
        occ = rng.integers(0, len(OCCUPATIONS), n)
        occupation = _pick(OCCUPATIONS, occ)
        occupation = _where(self.minor, pa.scalar("Student"), occupation)
        retired = pers & (self.age >= 62) & (rng.random(n) < 0.7)
        occupation = _where(retired, pa.scalar("Retired"), occupation)
        occupation = _null_where(occupation, comp | (rng.random(n) < 0.05))
        industry = _null_where(_pick(INDUSTRIES, rng.integers(0, len(INDUSTRIES), n)), pers)
        rating = _where(
            comp,
            _pick(COMPANY_RATINGS, _choice(rng, n, (0.03, 0.1, 0.22, 0.3, 0.2, 0.1, 0.05))),
            _pick(PERSON_RATINGS, _choice(rng, n, (0.15, 0.3, 0.3, 0.17, 0.08))),
        )
        n_rm = max(5, n // 400)
        rm_width = max(4, len(str(n_rm)))
        rm = _ids("RM", rng.integers(1, n_rm + 1, n), rm_width)
        p_rm = np.array([0.3, 0.9, 1.0, 0.8, 1.0])[self.segment]
        rm = _null_where(rm, rng.random(n) >= p_rm)
        table = {
            "customer_id": self.cid,
            "kind": _where(comp, pa.scalar("company"), pa.scalar("person")),
            "name": self.name,
            "segment": _pick(SEGMENTS, self.segment),
            "region": _pick([r for r, _, _, _ in REGIONS], self.region),
            "occupation": occupation,
            "industry": industry,
            "born_on": _dates(self.born, comp),
            "risk_rating": rating,
            "aum": self.aum,
            "annual_income": self.income,
            "joined_on": _dates(self.joined),
            "rm_id": rm,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "id_number": self.id_number,
        }
        self.frames[Entity.CUSTOMERS] = _frame(Entity.CUSTOMERS, table)

    # ------------------------------------------------------------------ planting

    def _plant(self) -> _Planned:
        rng, n = self.rng, self.n
        plan = _Planned()
        start, _ = self.window
        # companies that joined before the planted guarantees start come first
        early = self.is_company & (self.joined <= start - 180)
        late = self.is_company & ~early
        company_pool = _Pool(
            np.concatenate(
                [rng.permutation(np.flatnonzero(early)), rng.permutation(np.flatnonzero(late))]
            ),
            self.reserved,
            rng,
            shuffle=False,
        )
        adults = np.flatnonzero(~self.is_company & ~self.minor)
        couples = adults[
            (self.partner[adults] >= 0) & ~self.minor[np.maximum(self.partner[adults], 0)]
        ]
        person_pool = _Pool(adults, self.reserved, rng)
        couple_pool = _Pool(couples, self.reserved, rng)

        def opened_before(c: int) -> int:
            lo = int(self.joined[c])
            hi = max(lo + 1, min(start - 30, self.as_of))
            return int(rng.integers(lo, hi))

        def credit_for(c: int) -> int:
            product = LINE if rng.random() < 0.3 else LOAN
            return plan.account(c, product, opened_before(c))

        # guarantee circles: a couple of large ones with an inner chord, then triangles
        n_circles = 1 if n < 200 else min(40, 2 + n // 1000)
        for k in range(n_circles):
            if k < 2 and n >= 1000:
                size = int(rng.integers(5, 9))
            elif n < 200:
                size = 3
            else:
                size = 3 if rng.random() < 0.7 else 4
            members = company_pool.take(size)
            if members is None:
                break
            edges = [(members[i], members[(i + 1) % size]) for i in range(size)]
            if size >= 5:
                edges.append((members[0], members[size // 2]))
            for g, b in edges:
                plan.guar.append((g, b, credit_for(b)))
            plan.circles.append(members)

        # control groups: person -> A -> B -> C (-> D), with extras (all in the first)
        n_groups = max(1, min(n // 400, 2500))
        for k in range(n_groups):
            with_spouse = k == 0 or rng.random() < 0.5
            got = (couple_pool if with_spouse else person_pool).take(1)
            if got is None:
                got = person_pool.take(1)
                with_spouse = False
            if got is None:
                break
            boss = got[0]
            depth = int(rng.integers(3, 5))
            chain = company_pool.take(depth) or company_pool.take(3)
            if chain is None:
                self.reserved[boss] = False
                break
            group = [boss, *chain]
            plan.companies.update(chain)
            if rng.random() < 0.3:
                plan.own.append((boss, chain[0], np.nan, "controller"))
                plan.own.append(
                    (boss, chain[0], float(_round(rng.uniform(0.1, 0.45), 4)), "shareholder")
                )
            else:
                plan.own.append(
                    (boss, chain[0], float(_round(rng.uniform(0.51, 1.0), 4)), "shareholder")
                )
            subsidiaries = list(zip(chain[:-1], chain[1:], strict=True))
            if rng.random() < 0.5:
                extra = company_pool.take(1)
                if extra is not None:
                    subsidiaries.append((chain[0], extra[0]))
                    plan.companies.add(extra[0])
                    group.append(extra[0])
            for parent, child in subsidiaries:
                plan.own.append(
                    (parent, child, float(_round(rng.uniform(0.51, 1.0), 4)), "shareholder")
                )
            if k == 0 or rng.random() < 0.5:
                outside = company_pool.take(1)
                if outside is not None:
                    plan.guar.append((outside[0], chain[-1], credit_for(chain[-1])))
                    group.append(outside[0])
            if k == 0 or rng.random() < 0.5:
                plan.guar.append((boss, chain[0], credit_for(chain[0])))
            spouse = int(self.partner[boss])
            if with_spouse and spouse >= 0 and not self.reserved[spouse]:
                self.reserved[spouse] = True
                opened = int(rng.integers(max(self.joined[boss], self.joined[spouse]), self.as_of))
                plan.account(boss, MORTGAGE, opened, joint=spouse)
                group.append(spouse)
            plan.control_groups.append(group)

        # minority shareholders, directors and legal representatives of planted companies
        own_share: dict[int, float] = {}
        for _owner, company, share, _role in plan.own:
            if not np.isnan(share):
                own_share[company] = own_share.get(company, 0.0) + share
        planted_companies = sorted(plan.companies)
        for company in planted_companies:
            left = 1.0 - own_share.get(company, 0.0)
            if left > 0.06 and rng.random() < 0.7:
                holder = int(adults[rng.integers(0, len(adults))])
                share = float(np.floor(rng.uniform(0.05, min(0.49, left)) * 1e4) / 1e4)
                plan.own.append((holder, company, share, "shareholder"))
            rep = int(adults[rng.integers(0, len(adults))])
            plan.own.append((rep, company, np.nan, "legal_representative"))
            for d in rng.integers(0, len(adults), int(rng.integers(1, 4))):
                plan.own.append((int(adults[d]), company, np.nan, "director"))
        return plan

    # ------------------------------------------------------------------ accounts

    def _accounts(self, plan: _Planned) -> None:
        rng, n, comp = self.rng, self.n, self.is_company
        seg = self.segment
        count = np.where(
            comp,
            1 + rng.poisson(1.6, n) + (seg == CORPORATE),
            1 + rng.poisson(1.0, n) + (seg == AFFLUENT) + 2 * (seg == PRIVATE),
        )
        count = np.where(self.minor, 1 + (rng.random(n) < 0.25), count)
        owner = np.repeat(np.arange(n), count)
        first = np.ones(len(owner), dtype=bool)
        first[1:] = owner[1:] != owner[:-1]
        m = len(owner)
        o_comp, o_minor = comp[owner], self.minor[owner]
        product = np.where(
            o_comp,
            np.array([CURRENT, SAVINGS, TERM, WEALTH, LOAN, MORTGAGE, CARD, OVERDRAFT, LINE])[
                _choice(rng, m, (0.28, 0.06, 0.12, 0.06, 0.18, 0.02, 0.05, 0.1, 0.13))
            ],
            np.array([CURRENT, SAVINGS, TERM, WEALTH, LOAN, MORTGAGE, CARD, OVERDRAFT, LINE])[
                _choice(rng, m, (0.24, 0.24, 0.1, 0.08, 0.06, 0.07, 0.17, 0.02, 0.02))
            ],
        )
        product = np.where(o_minor, np.where(rng.random(m) < 0.6, SAVINGS, TERM), product)
        product = np.where(
            first, np.where(o_comp | (rng.random(m) < 0.7), CURRENT, SAVINGS), product
        )
        joined = self.joined[owner]
        opened = joined + np.floor(rng.random(m) * (self.as_of - joined)).astype(np.int64)
        opened = np.where(first, joined, opened)
        closed = rng.random(m) < 0.07
        self.n_bg_accounts = m

        # planted accounts go last, always open
        owner = np.concatenate([owner, np.array(plan.acc_owner, dtype=np.int64)])
        product = np.concatenate([product, np.array(plan.acc_product, dtype=np.int64)])
        opened = np.concatenate([opened, np.array(plan.acc_opened, dtype=np.int64)])
        closed = np.concatenate([closed, np.zeros(len(plan.acc_owner), dtype=bool)])
        m = len(owner)
        o_comp, o_seg = comp[owner], seg[owner]
        is_credit = product >= _N_DEPOSIT

        dep_base = np.where(
            o_comp[:, None],
            np.array([300e3, 500e3, 1e6, 2e6]),
            np.array([6e3, 20e3, 60e3, 150e3]),
        )
        dep_scale = np.array([1.0, 5.0, 30.0, 1.0, 12.0])[o_seg]
        dep_idx = np.minimum(product, _N_DEPOSIT - 1)
        balance = dep_base[np.arange(m), dep_idx] * dep_scale * np.exp(rng.standard_normal(m))
        balance = np.where(closed, 0.0, _round(balance))
        balance[is_credit] = np.nan

        cred_base = np.where(
            o_comp[:, None],
            np.array([3e6, 5e6, 100e3, 500e3, 8e6]),
            np.array([150e3, 1.2e6, 30e3, 20e3, 200e3]),
        )
        cred_scale = np.array([1.0, 2.5, 8.0, 1.0, 10.0])[o_seg]
        cred_idx = np.maximum(product - _N_DEPOSIT, 0)
        limit = (
            cred_base[np.arange(m), cred_idx] * cred_scale * np.exp(0.6 * rng.standard_normal(m))
        )
        limit = np.maximum(np.round(limit, -3), 1000.0)
        frac = np.select(
            [product == LOAN, product == MORTGAGE, product == CARD, product == OVERDRAFT],
            [rng.beta(3, 2, m), rng.beta(3, 2, m), rng.beta(1, 3, m), rng.beta(1, 2.5, m)],
            default=rng.beta(1.2, 1.8, m),
        )
        over = ((product == CARD) | (product == OVERDRAFT)) & (rng.random(m) < 0.02)
        frac = np.where(over, rng.uniform(1.0, 1.06, m), frac)
        outstanding = np.where(closed, 0.0, _round(limit * frac))
        limit[~is_credit] = np.nan
        outstanding[~is_credit] = np.nan
        ccf_value = np.array([0.2, 0.5, 1.0])[rng.integers(0, 3, m)]
        revolving = (product == CARD) | (product == OVERDRAFT) | (product == LINE)
        has_ccf = np.where(revolving, rng.random(m) < 0.25, is_credit & (rng.random(m) < 0.04))
        ccf = np.where(has_ccf, np.where(revolving, ccf_value, 1.0), np.nan)

        currency = np.where(
            o_comp, _choice(rng, m, (0.85, 0.1, 0.02, 0.03)), _choice(rng, m, (0.95, 0.03, 0.02, 0))
        )
        currency[product == MORTGAGE] = 0
        numbers = np.cumsum(rng.integers(1, 4, m)) + int(rng.integers(0, 1000))
        width = max(9, len(str(int(numbers[-1]))))
        self.acc_owner, self.acc_product, self.acc_opened = owner, product, opened
        self.acc_limit = limit
        self.aid = _ids("A", numbers, width)
        self.frames[Entity.ACCOUNTS] = _frame(
            Entity.ACCOUNTS,
            {
                "account_id": self.aid,
                "customer_id": self.cid.take(pa.array(owner)),
                "product": _pick(PRODUCTS, product),
                "balance": balance,
                "credit_limit": limit,
                "outstanding": outstanding,
                "ccf": ccf,
                "currency": _pick(CURRENCIES, currency),
                "opened_on": _dates(opened),
                "status": _pick(("open", "closed"), closed.astype(np.int64)),
            },
        )

    def _account_holders(self, plan: _Planned) -> None:
        rng = self.rng
        m = self.n_bg_accounts
        owner, product = self.acc_owner[:m], self.acc_product[:m]
        partner = self.partner[owner]
        u = rng.random(m)
        p_joint = np.select(
            [product == MORTGAGE, product == LOAN, (product == CURRENT) | (product == SAVINGS)],
            [0.6, 0.25, 0.12],
            default=0.0,
        )
        has_partner = partner >= 0
        joint = has_partner & (u < p_joint)
        supplementary = has_partner & (product == CARD) & (u < 0.15)
        company_current = self.is_company[owner] & (product == CURRENT) & (u < 0.15)
        rep = self.legal_rep[owner]
        authorized_rep = company_current & (rep >= 0)
        planted_joint = np.array(plan.acc_joint, dtype=np.int64)
        parts = [  # (accounts, holders, role: 0 joint, 1 authorized)
            (np.flatnonzero(joint), partner[joint], 0),
            (np.flatnonzero(supplementary), partner[supplementary], 1),
            (np.flatnonzero(authorized_rep), rep[authorized_rep], 1),
            (m + np.flatnonzero(planted_joint >= 0), planted_joint[planted_joint >= 0], 0),
        ]
        acc = np.concatenate([a for a, _, _ in parts])
        holder = np.concatenate([h for _, h, _ in parts])
        role = np.concatenate([np.full(len(a), r, dtype=np.int64) for a, _, r in parts])
        order = np.argsort(acc, kind="stable")
        acc, holder, role = acc[order], holder[order], role[order]
        self.frames[Entity.ACCOUNT_HOLDERS] = _frame(
            Entity.ACCOUNT_HOLDERS,
            {
                "account_id": self.aid.take(pa.array(acc)),
                "customer_id": self.cid.take(pa.array(holder)),
                "role": _pick(("joint", "authorized"), role),
            },
        )

    # ------------------------------------------------------------------ households

    def _households_frame(self) -> pd.DataFrame:
        numbers = np.cumsum(self.rng.integers(1, 5, self.hh_count)) + 1000
        width = max(8, len(str(int(numbers[-1]))))
        hid = _ids("H", numbers, width)
        return _frame(
            Entity.HOUSEHOLDS,
            {
                "household_id": hid.take(pa.array(self.hh_of)),
                "customer_id": self.cid.take(pa.array(self.hh_member)),
                "role": _pick(HOUSEHOLD_ROLES, self.hh_role),
            },
        )

    # ------------------------------------------------------------------ ownership

    def _ownership(self, plan: _Planned) -> None:
        rng, n = self.rng, self.n
        comp = self.is_company
        free_adults = np.flatnonzero(~comp & ~self.minor & ~self.reserved)
        planted = np.array(sorted(plan.companies), dtype=np.int64)
        companies = self.companies[~np.isin(self.companies, planted)]
        k = len(companies)
        kind = _choice(rng, k, (0.68, 0.10, 0.22))  # person control, parent company, dispersed
        # a company's parent has a lower rank: control between companies has no cycles
        rank_order = rng.permutation(companies)
        rank = np.empty(n, dtype=np.int64)
        rank[rank_order] = np.arange(k)
        r = rank[companies]
        kind = np.where((kind == 1) & (r == 0), 2, kind)
        parent = rank_order[np.floor(rng.random(k) * r).astype(np.int64)]
        # serial entrepreneurs control several companies
        n_serial = max(1, int(k * 0.02))
        serial = free_adults[rng.integers(0, len(free_adults), n_serial)]
        controller = np.where(
            rng.random(k) < 0.15,
            serial[rng.integers(0, n_serial, k)],
            free_adults[rng.integers(0, len(free_adults), k)],
        )
        major = _round(rng.uniform(0.51, 1.0, k), 4)
        major = np.where(major > 0.995, 1.0, major)
        rows_owner = [controller[kind == 0], parent[kind == 1]]
        rows_company = [companies[kind == 0], companies[kind == 1]]
        rows_share = [major[kind == 0], major[kind == 1]]
        rows_role = [
            np.zeros(int((kind == 0).sum()), np.int64),
            np.zeros(int((kind == 1).sum()), np.int64),
        ]
        left = np.where(kind == 2, 1.0, 1.0 - major)
        # minority shareholders: 2-4 for dispersed companies, 0-2 otherwise
        n_minor = np.where(
            kind == 2, rng.integers(2, 5, k), np.where(left > 0.06, rng.integers(0, 3, k), 0)
        )
        mc = np.repeat(np.arange(k), n_minor)
        weights = rng.uniform(0.2, 1.0, len(mc))
        sums = np.bincount(mc, weights=weights, minlength=k)
        spend = rng.uniform(0.6, 1.0, k) * left
        share = np.minimum(np.floor(weights / sums[mc] * spend[mc] * 1e4) / 1e4, 0.49)
        minority_owner = np.where(
            rng.random(len(mc)) < 0.8,
            free_adults[rng.integers(0, len(free_adults), len(mc))],
            companies[rng.integers(0, k, len(mc))],
        )
        keep = (minority_owner != companies[mc]) & (share > 0)
        rows_owner.append(minority_owner[keep])
        rows_company.append(companies[mc][keep])
        rows_share.append(share[keep])
        rows_role.append(np.zeros(int(keep.sum()), np.int64))
        # actual controllers by agreement for some dispersed companies
        by_agreement = (kind == 2) & (rng.random(k) < 0.05)
        rows_owner.append(free_adults[rng.integers(0, len(free_adults), int(by_agreement.sum()))])
        rows_company.append(companies[by_agreement])
        rows_share.append(np.full(int(by_agreement.sum()), np.nan))
        rows_role.append(np.full(int(by_agreement.sum()), 3, np.int64))
        # legal representative: usually the controlling person
        rep = np.where(
            (kind == 0) & (rng.random(k) < 0.7),
            controller,
            free_adults[rng.integers(0, len(free_adults), k)],
        )
        rows_owner.append(rep)
        rows_company.append(companies)
        rows_share.append(np.full(k, np.nan))
        rows_role.append(np.full(k, 2, np.int64))
        # directors: 1-3 persons, often including the controller
        n_dir = rng.integers(1, 4, k)
        dc = np.repeat(np.arange(k), n_dir)
        first_dir = np.ones(len(dc), dtype=bool)
        first_dir[1:] = dc[1:] != dc[:-1]
        director = free_adults[rng.integers(0, len(free_adults), len(dc))]
        director = np.where(
            first_dir & (kind[dc] == 0) & (rng.random(len(dc)) < 0.5), controller[dc], director
        )
        rows_owner.append(director)
        rows_company.append(companies[dc])
        rows_share.append(np.full(len(dc), np.nan))
        rows_role.append(np.full(len(dc), 1, np.int64))
        # planted rows
        if plan.own:
            roles = ("shareholder", "director", "legal_representative", "controller")
            rows_owner.append(np.array([o for o, _, _, _ in plan.own], dtype=np.int64))
            rows_company.append(np.array([c for _, c, _, _ in plan.own], dtype=np.int64))
            rows_share.append(np.array([s for _, _, s, _ in plan.own], dtype=float))
            rows_role.append(np.array([roles.index(r) for _, _, _, r in plan.own], dtype=np.int64))
        owner = np.concatenate(rows_owner)
        company = np.concatenate(rows_company)
        share = np.concatenate(rows_share)
        role = np.concatenate(rows_role)
        # one row per (owner, company, role)
        key = (owner * n + company) * 4 + role
        _, first_idx = np.unique(key, return_index=True)
        keep = np.sort(first_idx)
        owner, company, share, role = owner[keep], company[keep], share[keep], role[keep]
        order = np.lexsort((role, owner, company))
        owner, company, share, role = owner[order], company[order], share[order], role[order]

        # who stands behind a company (for owner guarantees and authorized users)
        self.controller_of = np.full(n, -1)
        person_control = (role == 0) & (share > 0.5) & ~comp[owner]
        self.controller_of[company[person_control]] = owner[person_control]
        self.legal_rep = np.full(n, -1)
        lr = role == 2
        self.legal_rep[company[lr]] = owner[lr]
        self.company_rank = rank

        self.frames[Entity.OWNERSHIP] = _frame(
            Entity.OWNERSHIP,
            {
                "owner_id": self.cid.take(pa.array(owner)),
                "company_id": self.cid.take(pa.array(company)),
                "share": share,
                "role": _pick(
                    ("shareholder", "director", "legal_representative", "controller"), role
                ),
            },
        )

    # ------------------------------------------------------------------ guarantees

    def _guarantees(self, plan: _Planned) -> None:
        rng, n = self.rng, self.n
        comp = self.is_company
        m = self.n_bg_accounts
        owner, product = self.acc_owner[:m], self.acc_product[:m]
        ok_owner = ~self.reserved[owner] & ~self.minor[owner]
        company_credit = np.flatnonzero(
            ok_owner
            & comp[owner]
            & ((product == LOAN) | (product == LINE) | (product == OVERDRAFT))
        )
        person_credit = np.flatnonzero(
            ok_owner & ~comp[owner] & ((product == LOAN) | (product == MORTGAGE))
        )
        total = int(round(0.08 * n))
        n_c = min(int(total * 0.65), len(company_credit))
        n_p = min(total - n_c, len(person_credit))
        acc_c = rng.choice(company_credit, n_c, replace=False) if n_c else company_credit[:0]
        acc_p = rng.choice(person_credit, n_p, replace=False) if n_p else person_credit[:0]

        # guarantors come from lower ranks: persons and companies each ordered at random
        rank = np.empty(n, dtype=np.int64)
        rank[rng.permutation(n)] = np.arange(n)
        ok_comp = np.flatnonzero(comp & ~self.reserved)
        ok_comp = ok_comp[np.argsort(rank[ok_comp])]
        ok_pers = np.flatnonzero(~comp & ~self.minor & ~self.reserved)
        ok_pers = ok_pers[np.argsort(rank[ok_pers])]

        def lower(pool: np.ndarray, borrowers: np.ndarray) -> np.ndarray:
            below = np.searchsorted(rank[pool], rank[borrowers])
            pick = np.floor(rng.random(len(borrowers)) * below).astype(np.int64)
            return np.where(below > 0, pool[np.minimum(pick, len(pool) - 1)], -1)

        b_c = owner[acc_c]
        boss = self.controller_of[b_c]
        boss_ok = (boss >= 0) & ~self.reserved[np.maximum(boss, 0)]
        g_c = np.where(boss_ok & (rng.random(n_c) < 0.4), boss, lower(ok_comp, b_c))
        b_p = owner[acc_p]
        g_p = lower(ok_pers, b_p)
        acc = np.concatenate([acc_c, acc_p])
        guarantor = np.concatenate([g_c, g_p])
        borrower = np.concatenate([b_c, b_p])
        keep = guarantor >= 0
        acc, guarantor, borrower = acc[keep], guarantor[keep], borrower[keep]
        k = len(acc)
        opened = self.acc_opened[acc]
        valid_from = opened + np.floor(rng.random(k) * (self.as_of - opened)).astype(np.int64)
        valid_to = valid_from + rng.integers(365, 6 * 365, k)
        amount = np.round(self.acc_limit[acc] * rng.uniform(0.3, 1.0, k), -2)

        # planted guarantees, valid over the whole window
        if plan.guar:
            p_acc = m + np.array([a for _, _, a in plan.guar], dtype=np.int64)
            acc = np.concatenate([acc, p_acc])
            guarantor = np.concatenate([guarantor, [g for g, _, _ in plan.guar]]).astype(np.int64)
            borrower = np.concatenate([borrower, [b for _, b, _ in plan.guar]]).astype(np.int64)
            kp = len(p_acc)
            valid_from = np.concatenate([valid_from, np.full(kp, self.window[0])])
            valid_to = np.concatenate([valid_to, np.full(kp, self.window[1])])
            amount = np.concatenate(
                [amount, np.round(self.acc_limit[p_acc] * rng.uniform(0.5, 1.0, kp), -2)]
            )
        order = np.lexsort((valid_from, borrower, guarantor))
        self.frames[Entity.GUARANTEES] = _frame(
            Entity.GUARANTEES,
            {
                "guarantor_id": self.cid.take(pa.array(guarantor[order])),
                "borrower_id": self.cid.take(pa.array(borrower[order])),
                "amount": amount[order],
                "account_id": self.aid.take(pa.array(acc[order])),
                "valid_from": _dates(valid_from[order]),
                "valid_to": _dates(valid_to[order]),
            },
        )

    # ------------------------------------------------------------------ referrals

    def _referrals(self) -> tuple[list[dict], list[dict]]:
        """A referral forest: every referrer joined on or before its referees."""
        rng, n = self.rng, self.n
        order = np.lexsort((np.arange(n), self.joined))  # customers by joining
        pos = np.empty(n, dtype=np.int64)
        pos[order] = np.arange(n)
        taken = np.zeros(n, dtype=bool)  # already has a referrer
        ref_from: list[np.ndarray] = []
        ref_to: list[np.ndarray] = []
        hubs: list[int] = []
        roots: list[int] = []

        # deep cascades: a chain of 9-13 customers in joining order, with side branches
        n_cascades = 1 if n < 200 else 2 + n // 250_000
        for _ in range(n_cascades):
            length = int(rng.integers(9, 14))
            free = np.flatnonzero(~taken)
            if len(free) < length + 3:
                break
            chain = np.sort(pos[rng.choice(free, length, replace=False)])
            chain = order[chain]
            taken[chain[1:]] = True
            ref_from.append(chain[:-1])
            ref_to.append(chain[1:])
            for node in chain[1:-1:2]:
                later = order[pos[node] + 1 :]
                later = later[~taken[later]]
                if len(later) == 0:
                    continue
                extra = rng.choice(later, min(len(later), int(rng.integers(1, 3))), replace=False)
                taken[extra] = True
                ref_from.append(np.full(len(extra), node))
                ref_to.append(extra)
            roots.append(int(chain[0]))

        # background: about a third of the rest were referred by an earlier customer,
        # a third of those by one of a few active referrers (1% of customers)
        candidates = np.flatnonzero(~taken & (pos > 0) & (rng.random(n) < 0.33))
        p = pos[candidates]
        referrer = order[np.floor(rng.random(len(candidates)) * p).astype(np.int64)]
        active = rng.choice(n, max(2, n // 100), replace=False)
        by_active = active[rng.integers(0, len(active), len(candidates))]
        use_active = (pos[by_active] < p) & (rng.random(len(candidates)) < 0.35)
        referrer = np.where(use_active, by_active, referrer)
        taken[candidates] = True
        ref_from.append(referrer)
        ref_to.append(candidates)

        # hubs: early adult persons with 30-200 direct referees (fewer in small banks),
        # each more than anyone else's
        counts = np.bincount(np.concatenate(ref_from).astype(np.int64), minlength=n)
        beat = int(counts.max()) + 1
        n_hubs = 2 if n < 200 else 3 + n // 200_000
        hi = min(200, max(6, n // 25))
        lo = min(30, hi // 2)
        adult = ~self.is_company & ~self.minor
        head = order[: max(1, n // 5)]
        head = head[adult[head] & ~np.isin(head, np.array(roots, dtype=np.int64))]
        head = rng.permutation(head)
        for hub in head[:n_hubs]:
            later = order[pos[hub] + 1 :]
            later = later[~taken[later]]
            want = max(int(rng.integers(lo, hi + 1)), beat + int(rng.integers(0, 10)))
            want = min(want - int(counts[hub]), len(later))
            if want <= 0 or counts[hub] + want < beat:
                continue  # too few customers left to make a hub
            referees = rng.choice(later, want, replace=False)
            taken[referees] = True
            ref_from.append(np.full(want, hub))
            ref_to.append(referees)
            hubs.append(int(hub))

        frm = np.concatenate(ref_from).astype(np.int64)
        to = np.concatenate(ref_to).astype(np.int64)
        srt = np.lexsort((to, frm))
        frm, to = frm[srt], to[srt]
        k = len(frm)
        channel = _choice(rng, k, (0.45, 0.25, 0.22, 0.08))
        reward = np.array([0.0, 50.0, 100.0, 200.0, 500.0])[
            _choice(rng, k, (0.4, 0.2, 0.2, 0.12, 0.08))
        ]
        reward = np.where(self.segment[to] >= PRIVATE, reward * 10, reward)
        self.frames[Entity.REFERRALS] = _frame(
            Entity.REFERRALS,
            {
                "referrer_id": self.cid.take(pa.array(frm)),
                "referee_id": self.cid.take(pa.array(to)),
                "referred_on": _dates(self.joined[to]),
                "channel": _pick(CHANNELS, channel),
                "reward": reward,
            },
        )

        # measure what was planted, on the rows written
        direct = np.bincount(frm, minlength=n)
        starts = np.searchsorted(frm, np.arange(n + 1))
        hub_rows = [{"customer_id": self.cid_list[h], "direct": int(direct[h])} for h in hubs]
        cascade_rows = []
        for root in roots:
            depth, frontier = 0, np.array([root])
            while True:
                nxt = np.concatenate([to[starts[f] : starts[f + 1]] for f in frontier])
                if len(nxt) == 0:
                    break
                depth += 1
                frontier = nxt
            cascade_rows.append({"customer_id": self.cid_list[root], "depth": depth})
        return hub_rows, cascade_rows

    # ------------------------------------------------------------------ shared contacts

    def _shared_contacts(self) -> list[dict]:
        """Give 2-4 unrelated customers the same phone, email, address or id number."""
        rng, n = self.rng, self.n
        columns = {
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "id_number": self.id_number,
        }
        complete = np.ones(n, dtype=bool)
        for arr in columns.values():
            complete &= ~np.asarray(arr.is_null())
        free = complete & ~self.reserved & (self.household_of < 0) & ~self.minor
        any_pool = _Pool(np.flatnonzero(free), self.reserved, rng)
        person_pool = _Pool(np.flatnonzero(free & ~self.is_company), self.reserved, rng)
        fields = ("phone", "address", "id_number", "email")
        n_groups = max(6, min(n // 500, 2000))
        edits: dict[str, tuple[list[int], list[int]]] = {f: ([], []) for f in fields}
        groups: list[tuple[str, list[int]]] = []
        for k in range(n_groups):
            fld = fields[k % len(fields)]
            size = int(_choice(rng, 1, (0.7, 0.25, 0.05))[0]) + 2
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
        self.phone, self.email = columns["phone"], columns["email"]
        self.address, self.id_number = columns["address"], columns["id_number"]
        return [
            {
                "field": fld,
                "value": columns[fld][members[0]].as_py(),
                "customer_ids": sorted(self.cid_list[c] for c in members),
            }
            for fld, members in groups
        ]


# --------------------------------------------------------------------------- utilities


def _frame(entity: Entity, columns: dict[str, pa.Array | np.ndarray]) -> pd.DataFrame:
    """A frame with the contract's columns in order: text as ``str``, money as float64."""
    names = SPECS[entity].column_names
    assert tuple(columns) == names, (entity, tuple(columns))
    data = {}
    for name in names:
        col = columns[name]
        if isinstance(col, pa.Array | pa.ChunkedArray):
            data[name] = pd.Series(col, dtype="str") if len(col) else pd.Series([], dtype="str")
        else:
            data[name] = np.asarray(col, dtype=np.float64)
    return pd.DataFrame(data)


def _yyyymmdd(days: np.ndarray) -> np.ndarray:
    dt = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    years = dt.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dt.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (dt - dt.astype("datetime64[M]")).astype(np.int64) + 1
    return years * 10000 + months * 100 + day


def _distinct_keys(rng: np.random.Generator, key: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Redraw the last three digits of ``key[mask]`` until no two are equal."""
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
