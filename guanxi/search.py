"""Find customers by name, id number or unified social credit code: a prefix search.

The text is compared with the start of each customer's ``name``, ``id_number`` (a
resident identity card or passport number for persons, the unified social credit code,
统一社会信用代码, for companies) and ``customer_id``, after the same normalisation on
both sides: Unicode NFKC (full-width letters and digits typed in a Chinese input method
become their ASCII forms), surrounding spaces removed, case folded. So ``91110`` finds
a company whose code is ``91110108...``, ``wang`` finds ``Wang Wei`` and ``王`` finds
``王伟``.

A pure function over the customers frame (:func:`search_customers`), and an index
built once over it (:class:`CustomerSearch`) that answers each query by binary search
on sorted keys, for the read model. The answer carries personal data (names and id
numbers): callers show it to the bank's own risk staff, or mask it for other roles.

Choices
-------
- A customer matching on several fields is listed once, under the first field it
  matches in the order ``customer_id``, ``id_number``, ``name``.
- Answers are ordered by that field, then by the matched text, then by customer_id, and
  cut at ``limit``; ``truncated`` says whether more matched.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from guanxi.errors import ConfigError
from guanxi.graph.schema import Entity, empty_frame
from guanxi.limits import MAX_PAGE_SIZE, bounded

__all__ = [
    "SEARCH_FIELDS",
    "SEARCH_COLUMNS",
    "normalise",
    "SearchAnswer",
    "CustomerSearch",
    "search_customers",
]

#: the customer columns searched, in the order a match is attributed
SEARCH_FIELDS: tuple[str, ...] = ("customer_id", "id_number", "name")
#: the columns of an answer
SEARCH_COLUMNS: tuple[str, ...] = ("customer_id", "kind", "name", "id_number", "matched")
#: sorts after every character a key can hold
_AFTER = "\U0010ffff"


def normalise(text: str) -> str:
    """``text`` as the search compares it: NFKC, stripped, case folded.

    Examples
    --------
    >>> normalise(" ９１１１０ＡＢ "), normalise("Wang WEI")
    ('91110ab', 'wang wei')
    """
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def _keys(values: pd.Series) -> pd.Series:
    s = values.astype("str")
    return s.str.normalize("NFKC").str.strip().str.casefold()


@dataclass(frozen=True)
class SearchAnswer:
    """The customers found: :data:`SEARCH_COLUMNS`, and whether more matched than the
    limit let through."""

    customers: pd.DataFrame
    truncated: bool


class CustomerSearch:
    """A prefix index over a customers frame (built once; each query is a binary search
    per field).

    Parameters
    ----------
    customers : pandas.DataFrame or None
        Canonical ``customers`` frame (``customer_id``, ``kind``, ``name``,
        ``id_number``).
    """

    def __init__(self, customers: pd.DataFrame | None):
        c = empty_frame(Entity.CUSTOMERS) if customers is None else customers
        for column in ("customer_id", "kind", "name", "id_number"):
            if column not in c.columns:
                c = c.assign(**{column: pd.Series([None] * len(c), dtype="str")})
        self.frame = c[["customer_id", "kind", "name", "id_number"]].reset_index(drop=True)
        self.fields: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for field in SEARCH_FIELDS:
            keys = _keys(self.frame[field])
            present = np.flatnonzero(
                keys.notna().to_numpy(dtype=bool) & (keys != "").fillna(False).to_numpy(dtype=bool)
            )
            values = keys.iloc[present].to_numpy(dtype=object)
            order = np.lexsort((present, values.astype(str))) if len(values) else present
            self.fields[field] = (values[order].astype(str), present[order])

    def find(self, text: str, *, limit: int = 50) -> SearchAnswer:
        """The customers whose id, id number or name starts with ``text``.

        Parameters
        ----------
        text : str
            At least one character besides spaces.
        limit : int, default 50
            Most customers returned (1 .. :data:`guanxi.limits.MAX_PAGE_SIZE`).

        Returns
        -------
        SearchAnswer

        Raises
        ------
        ConfigError
            An empty text or a limit out of bounds.
        """
        limit = bounded(limit, 1, MAX_PAGE_SIZE, "limit")
        query = normalise(text)
        if not query:
            raise ConfigError("give the start of a name, an id number or a customer id")
        seen: set[int] = set()
        rows: list[int] = []
        matched: list[str] = []
        truncated = False
        for field in SEARCH_FIELDS:
            keys, positions = self.fields[field]
            lo = int(np.searchsorted(keys, query, side="left"))
            hi = int(np.searchsorted(keys, query + _AFTER, side="left"))
            for row in positions[lo:hi].tolist():
                if row in seen:
                    continue
                if len(rows) == limit:
                    truncated = True
                    break
                seen.add(row)
                rows.append(row)
                matched.append(field)
            if truncated:
                break
        out = self.frame.take(rows).reset_index(drop=True)
        out["matched"] = pd.Series(matched, dtype="str")
        return SearchAnswer(out[list(SEARCH_COLUMNS)].astype("str"), truncated)


def search_customers(customers: pd.DataFrame | None, text: str, *, limit: int = 50) -> SearchAnswer:
    """Customers whose ``customer_id``, ``id_number`` (or unified social credit code) or
    ``name`` starts with ``text``, case-insensitive (see the module notes).

    Raises
    ------
    ConfigError
        An empty text or a limit out of bounds.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "kind": ["company", "person", "person"],
    ...                   "name": ["北京华信科技有限公司", "Wang Wei", "王伟"],
    ...                   "id_number": ["91110108MA01ABCD2X", "E12345678", "110101199001011234"]})
    >>> search_customers(c, "９１１１０").customers["customer_id"].tolist()
    ['C1']
    >>> search_customers(c, "WANG").customers[["customer_id", "matched"]].values.tolist()
    [['C2', 'name']]
    >>> search_customers(c, "王").customers["name"].tolist()
    ['王伟']
    """
    return CustomerSearch(customers).find(text, limit=limit)
