"""The view model: what a picture of part of the graph is made of, defined once.

The read model (:mod:`guanxi.service`) builds :class:`NetworkView` objects, the API
serves them as JSON and :mod:`guanxi.viz` draws them; the column names, the node kinds,
the edge types and the defaults of missing values are the ones of this module, so the
three agree.

Tooltips (``title``) are plain text, one ``key: value`` line per value
(:func:`tooltip`), never HTML.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from guanxi.graph.schema import RelType
from guanxi.values import plain_records, present

__all__ = [
    "NODE_KINDS",
    "EDGE_TYPES",
    "LINK_REASONS",
    "NODE_COLUMNS",
    "EDGE_COLUMNS",
    "NODE_DEFAULTS",
    "EDGE_DEFAULTS",
    "EDGE_DIRECTED",
    "NetworkView",
    "format_value",
    "tooltip",
]

#: the kinds of node a view draws
NODE_KINDS = ("person", "company", "account", "household")
#: the relationship types a neighbourhood follows
EDGE_TYPES = (
    RelType.REFERRED.value,
    RelType.GUARANTEES.value,
    RelType.OWNS.value,
    RelType.HOLDS.value,
    RelType.MEMBER_OF.value,
)
#: why two customers are in one exposure group (the edge types of a group view)
LINK_REASONS = (
    "control",
    "guarantee",
    "joint_credit",
    "economic_dependency",
    "family_control",
)
NODE_COLUMNS = ("id", "kind", "label", "title", "value", "level", "highlight", "cluster")
EDGE_COLUMNS = ("source", "target", "type", "label", "title", "directed", "highlight")
#: the value of an optional node column a producer left out (``id`` is required)
NODE_DEFAULTS: Mapping[str, Any] = {
    "kind": "other",
    "label": "",
    "title": "",
    "value": math.nan,
    "level": pd.NA,
    "highlight": False,
    "cluster": "",
}
#: the value of an optional edge column a producer left out (``source`` and ``target``
#: are required); an edge is drawn without an arrow unless it says it is directed
EDGE_DEFAULTS: Mapping[str, Any] = {
    "type": "other",
    "label": "",
    "title": "",
    "directed": False,
    "highlight": False,
}
#: whether an edge of each relationship type is drawn with an arrow
EDGE_DIRECTED: Mapping[str, bool] = {
    RelType.REFERRED.value: True,
    RelType.GUARANTEES.value: True,
    RelType.OWNS.value: True,
    RelType.HOLDS.value: False,
    RelType.MEMBER_OF.value: False,
}


def _nodes_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    d = NODE_DEFAULTS
    return pd.DataFrame(
        {
            "id": pd.Series([r["id"] for r in rows], dtype="str"),
            "kind": pd.Series([r.get("kind", d["kind"]) for r in rows], dtype="str"),
            "label": pd.Series([r.get("label") or d["label"] for r in rows], dtype="str"),
            "title": pd.Series([r.get("title") or d["title"] for r in rows], dtype="str"),
            "value": pd.Series(
                [d["value"] if r.get("value") is None else float(r["value"]) for r in rows],
                dtype="float64",
            ),
            "level": pd.Series([r.get("level") for r in rows], dtype="Int64"),
            "highlight": pd.Series(
                [bool(r.get("highlight", d["highlight"])) for r in rows], dtype="bool"
            ),
            "cluster": pd.Series([r.get("cluster") or d["cluster"] for r in rows], dtype="str"),
        }
    )


def _edges_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    d = EDGE_DEFAULTS
    return pd.DataFrame(
        {
            "source": pd.Series([r["source"] for r in rows], dtype="str"),
            "target": pd.Series([r["target"] for r in rows], dtype="str"),
            "type": pd.Series([r.get("type", d["type"]) for r in rows], dtype="str"),
            "label": pd.Series([r.get("label") or d["label"] for r in rows], dtype="str"),
            "title": pd.Series([r.get("title") or d["title"] for r in rows], dtype="str"),
            "directed": pd.Series(
                [bool(r.get("directed", d["directed"])) for r in rows], dtype="bool"
            ),
            "highlight": pd.Series(
                [bool(r.get("highlight", d["highlight"])) for r in rows], dtype="bool"
            ),
        }
    )


@dataclass
class NetworkView:
    """A bounded picture of part of the graph, already masked for one role.

    The HTML renderers (:mod:`guanxi.viz`) and the API's network answers are built
    from exactly this.

    Attributes
    ----------
    nodes : pandas.DataFrame
        ``id`` (str, unique: ``c:<customer_id>``, ``a:<account_id>``,
        ``h:<household_id>``; ``g:<group_id>`` in the overview), ``kind``
        (``person``, ``company``, ``account``, ``household``; ``group`` in the
        overview), ``label`` (str), ``title`` (plain-text tooltip, ``key: value``
        lines; not HTML), ``value`` (float64 size, NaN allowed), ``level`` (Int64, the
        generation in a cascade or the hop in a neighbourhood; NA when meaningless),
        ``highlight`` (bool), ``cluster`` (str: nodes sharing a non-empty key are drawn
        as one node that opens on click, named by the node whose id is the key; ``""``
        for none).
    edges : pandas.DataFrame
        ``source``, ``target`` (node ids), ``type`` (``REFERRED``, ``GUARANTEES``,
        ``OWNS``, ``HOLDS``, ``MEMBER_OF``, or a group-link reason ``control``,
        ``guarantee``, ``joint_credit``), ``label``, ``title``, ``directed``,
        ``highlight``.
    title, subtitle, as_of, source : str
        Heading, a one-line description, the analysis date, and where the data came
        from.
    truncated : bool
        A limit left nodes out; ``omitted_nodes`` says how many were found and not
        shown (a lower bound: nothing beyond the cut was explored), ``notes`` says
        what was left out and why.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    title: str
    subtitle: str = ""
    as_of: str = ""
    source: str = ""
    truncated: bool = False
    omitted_nodes: int = 0
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_rows(
        cls,
        nodes: Sequence[Mapping[str, Any]],
        edges: Sequence[Mapping[str, Any]],
        **kwargs: Any,
    ) -> NetworkView:
        """Build a view from node and edge dicts (missing optional columns take
        :data:`NODE_DEFAULTS` and :data:`EDGE_DEFAULTS`).

        Examples
        --------
        >>> view = NetworkView.from_rows(
        ...     [{"id": "c:1", "kind": "person"}, {"id": "a:9", "kind": "account"}],
        ...     [{"source": "c:1", "target": "a:9", "type": "HOLDS"}],
        ...     title="Customer 1",
        ... )
        >>> view.edges[["source", "target", "directed"]].to_dict("records")
        [{'source': 'c:1', 'target': 'a:9', 'directed': False}]
        >>> view.customer_ids()
        ['1']
        """
        return cls(_nodes_frame(nodes), _edges_frame(edges), **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: records with NaN and NA as ``None``."""
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "as_of": self.as_of,
            "source": self.source,
            "truncated": bool(self.truncated),
            "omitted_nodes": int(self.omitted_nodes),
            "notes": list(self.notes),
            "nodes": plain_records(self.nodes),
            "edges": plain_records(self.edges),
        }

    def customer_ids(self) -> list[str]:
        """The customers shown (for the audit trail)."""
        ids = self.nodes["id"]
        return ids[ids.str.startswith("c:")].str.slice(2).tolist()


def format_value(value: Any) -> str:
    """One value as a tooltip or a label shows it: thousands separators, two decimals
    above 1, four significant digits below, ``yes``/``no``, text on one line. An exact
    decimal (money) keeps its digits: the places it has, down to two when the places
    beyond two are zeros (``1,569,631,729.91``; an amount of four places that is a
    whole number of cents shows two).

    Examples
    --------
    >>> format_value(1234567.0), format_value(3.14159), format_value(0.012345)
    ('1,234,567', '3.14', '0.01235')
    >>> format_value(Decimal("1569631729.91")), format_value(Decimal("1000.0000"))
    ('1,569,631,729.91', '1,000.00')
    >>> format_value(Decimal("0.1250")), format_value(Decimal("1234"))
    ('0.125', '1,234')
    >>> format_value(True), format_value("two\\nlines")
    ('yes', 'two lines')
    """
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, Decimal):
        return _exact(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        if v.is_integer() and abs(v) >= 1:
            return f"{v:,.0f}"
        if abs(v) >= 1:
            return f"{v:,.2f}"
        return f"{v:.4g}"
    # one line per value: a newline inside a value would break the key: value format
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def _exact(value: Decimal) -> str:
    if not value.is_finite():
        return str(value)
    places = -int(value.as_tuple().exponent)
    if places < 0:  # 1E+3: written out
        value = value.quantize(Decimal(1))
    elif places > 2:
        needed = -int(value.normalize().as_tuple().exponent)
        value = value.quantize(Decimal(1).scaleb(-max(2, needed)))
    return f"{value:,}"


def tooltip(record: Mapping[str, Any]) -> str:
    """Plain-text tooltip: one ``key: value`` line per present value.

    Examples
    --------
    >>> print(tooltip({"customer_id": "C1", "aum": 1500.0, "segment": None}))
    customer_id: C1
    aum: 1,500
    """
    return "\n".join(f"{k}: {format_value(v)}" for k, v in record.items() if present(v))
