"""How node kinds and link types look: one table for the canvas and the legend.

Colours are from the Okabe-Ito palette (readable with the common colour-vision
deficiencies) and every link type also differs by line pattern, so a view printed in
black and white still tells a guarantee (dashed) from control (solid) and joint credit
(dotted).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = [
    "FONT_FAMILIES",
    "FONT_STACK",
    "NodeStyle",
    "EdgeStyle",
    "NODE_STYLES",
    "EDGE_STYLES",
    "HIGHLIGHT_COLOR",
    "node_style",
    "edge_style",
]

#: the fonts every page asks for, in order: the desktop's UI font for Latin text, then the
#: Chinese fonts of Windows (Microsoft YaHei, SimHei), macOS (PingFang SC, Hiragino Sans
#: GB, Heiti SC) and Linux (Noto Sans CJK SC, Source Han Sans, WenQuanYi Micro Hei and Zen
#: Hei), then the generic family. The browser takes each character from the first font
#: that has it, so a Chinese name is drawn with a Chinese font wherever one is installed
#: (simplified-Chinese faces are named first: with a Japanese face first, the same code
#: points would take Japanese shapes). Nothing is downloaded: the page's policy forbids
#: web fonts.
FONT_FAMILIES: tuple[str, ...] = (
    "system-ui",
    "-apple-system",
    "Segoe UI",
    "Roboto",
    "Helvetica Neue",
    "Arial",
    "Microsoft YaHei",
    "微软雅黑",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "sans-serif",
)

_GENERIC = {"system-ui", "-apple-system", "sans-serif", "serif", "monospace"}

#: :data:`FONT_FAMILIES` as one CSS ``font-family`` value (also what vis-network's canvas
#: labels use: the canvas takes the same list as CSS)
FONT_STACK: str = ", ".join(f if f in _GENERIC else f'"{f}"' for f in FONT_FAMILIES)

#: border of highlighted nodes and colour of highlighted links (the customer, a cycle)
HIGHLIGHT_COLOR = "#c0001a"


@dataclass(frozen=True)
class NodeStyle:
    """Look of one node kind.

    Attributes
    ----------
    label : str
        Name in the legend.
    color, border : str
        Fill and border colour.
    shape : str
        A vis-network shape whose label sits below it (``dot``, ``square``, ...).
    size : float
        Size when the node has no ``value``.
    """

    label: str
    color: str
    border: str
    shape: str
    size: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class EdgeStyle:
    """Look of one link type.

    Attributes
    ----------
    label : str
        Name in the legend.
    color : str
        Line colour.
    dashes : list of int or None
        Dash pattern in pixels (``None`` for a solid line).
    width : float
        Line width.
    arrows : bool
        Draw an arrow head even if the link is not marked ``directed``.
    """

    label: str
    color: str
    dashes: tuple[int, ...] | None
    width: float
    arrows: bool = False

    def as_dict(self) -> dict:
        d = asdict(self)
        d["dashes"] = list(self.dashes) if self.dashes else False
        return d


NODE_STYLES: dict[str, NodeStyle] = {
    "person": NodeStyle("Person", "#56b4e9", "#0072b2", "dot", 12),
    "company": NodeStyle("Company", "#e69f00", "#a66f00", "square", 12),
    "household": NodeStyle("Household", "#009e73", "#006b4e", "triangle", 11),
    "account": NodeStyle("Account", "#cfcfcf", "#7a7a7a", "diamond", 8),
    # an exposure group drawn as one node (the overview)
    "group": NodeStyle("Exposure group", "#f0e442", "#8a7d00", "hexagon", 16),
    "other": NodeStyle("Other", "#cc79a7", "#8f4f74", "dot", 10),
    # several nodes of different kinds drawn as one (viz.aggregate); never in the data
    "set": NodeStyle("Several kinds", "#dcdcdc", "#555555", "dot", 14),
}

_SOLID = None
_DASHED = (8, 6)
_DOTTED = (2, 5)

EDGE_STYLES: dict[str, EdgeStyle] = {
    # links of a group of connected clients (reasons)
    "control": EdgeStyle("Control", "#0b3d91", _SOLID, 2.5, arrows=True),
    "guarantee": EdgeStyle("Guarantee", "#d55e00", _DASHED, 2.0, arrows=True),
    "joint_credit": EdgeStyle("Joint credit", "#7b3294", _DOTTED, 2.5),
    "economic_dependency": EdgeStyle("Economic dependency", "#117733", _DASHED, 2.0, arrows=True),
    "family_control": EdgeStyle("Family control", "#882255", _DOTTED, 2.5),
    # relationships of the graph
    "OWNS": EdgeStyle("Owns", "#0b3d91", _SOLID, 1.8, arrows=True),
    "GUARANTEES": EdgeStyle("Guarantees", "#d55e00", _DASHED, 1.8, arrows=True),
    "REFERRED": EdgeStyle("Referred", "#1b7837", _SOLID, 1.5, arrows=True),
    "HOLDS": EdgeStyle("Holds account", "#8c8c8c", _SOLID, 1.0),
    "MEMBER_OF": EdgeStyle("Household member", "#009e73", _DOTTED, 1.5),
    "other": EdgeStyle("Other link", "#9a9a9a", _SOLID, 1.0),
}


def node_style(kind: str) -> NodeStyle:
    """The style of a node kind (``other`` for a kind not in :data:`NODE_STYLES`).

    Examples
    --------
    >>> node_style("company").shape, node_style("branch").label
    ('square', 'Other')
    """
    return NODE_STYLES.get(kind, NODE_STYLES["other"])


def edge_style(link_type: str) -> EdgeStyle:
    """The style of a link type (``other`` for a type not in :data:`EDGE_STYLES`).

    Examples
    --------
    >>> edge_style("guarantee").dashes, edge_style("KNOWS").label
    ((8, 6), 'Other link')
    """
    return EDGE_STYLES.get(link_type, EDGE_STYLES["other"])
