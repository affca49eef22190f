"""The large-exposure return as one printable page (``large_exposures.html``).

Self-contained and offline, like the report (:mod:`guanxi.viz.report`): its stylesheet
inlined, no script, no request, A4 when printed. The tables are those of
:class:`guanxi.exposure_return.ExposureReturn` (passed in; this module reads its
``tables``, ``run``, ``preset``, ``tier1_capital``, ``currency``, ``bank_is_gsib`` and
``headline()``); amounts are printed exactly, every digit of the minor unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from guanxi.presets import LINK_REASON_CLAUSES

from ._assets import CONTENT_SECURITY_POLICY
from ._templates import environment, static_text
from .styles import FONT_STACK

__all__ = ["COLUMNS", "render_exposure_return"]

#: what each section shows: (column, heading, numeric)
COLUMNS: Mapping[str, tuple[tuple[str, str, bool], ...]] = {
    "single_clients": (
        ("customer_id", "Client", False),
        ("name", "Name", False),
        ("group_id", "Group", False),
        ("exposure", "Exposure", True),
        ("pct_tier1", "% Tier 1", True),
        ("status", "Status", False),
        ("limit_pct", "Limit %", True),
        ("headroom_large", "To large line", True),
        ("headroom_breach", "To limit", True),
    ),
    "groups": (
        ("group_id", "Group", False),
        ("head", "Head", False),
        ("name", "Head's name", False),
        ("size", "Members", True),
        ("exposure", "Exposure", True),
        ("pct_tier1", "% Tier 1", True),
        ("status", "Status", False),
        ("limit_pct", "Limit %", True),
        ("headroom_large", "To large line", True),
        ("headroom_breach", "To limit", True),
        ("reasons", "Linked by", False),
    ),
    "economic_dependency": (
        ("group_id", "Group", False),
        ("name", "Head's name", False),
        ("exposure", "Exposure", True),
        ("pct_tier1", "% Tier 1", True),
        ("status", "Status", False),
        ("headroom_breach", "To limit", True),
        ("dependencies", "Dependency links (from > to, kind)", False),
    ),
    "dependency_review": (
        ("customer_id", "Client", False),
        ("name", "Name", False),
        ("single_name_exposure", "Exposure", True),
        ("pct_tier1", "% Tier 1", True),
        ("direction", "Direction", False),
        ("counterparty_id", "Counterparty", False),
        ("counterparty_name", "Counterparty name", False),
        ("kind", "Kind", False),
        ("share", "Share", True),
        ("links", "Links", False),
    ),
    "interbank": (
        ("level", "Level", False),
        ("id", "Client or group", False),
        ("name", "Name", False),
        ("counterparty", "Class", False),
        ("exposure", "Exposure", True),
        ("pct_tier1", "% Tier 1", True),
        ("status", "Status", False),
        ("limit_pct", "Limit %", True),
        ("headroom_large", "To large line", True),
        ("headroom_breach", "To limit", True),
    ),
}

_LEDES = {
    "single_clients": "Every non-bank client at or above the large-exposure line, by its own "
    "single-name exposure, whether or not it is in a group.",
    "groups": "Groups of connected non-bank clients at or above the large-exposure line, "
    "named by their head (the top of the control tree, or the largest member).",
    "economic_dependency": "Groups joined, at least in part, by economic dependency (50 % or "
    "more of gross receipts or expenditures), whatever their status.",
    "dependency_review": "Every recorded dependency of a client whose exposure is at or above "
    "the review line: the counterparties whose interdependence must be assessed.",
    "interbank": "Every interbank counterparty, against the interbank limits (and the G-SIB "
    "line where it applies).",
}


def _text(value: Any) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _section(key: str, title: str, frame: pd.DataFrame) -> dict:
    columns = [c for c in COLUMNS[key] if c[0] in frame.columns]
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for column, _, num in columns:
            value = record.get(column)
            cell = {"text": _text(value), "num": num, "status": None}
            if column == "status" and cell["text"]:
                cell["status"] = cell["text"]
            cells.append(cell)
        rows.append({"cells": cells, "breach": record.get("status") == "breach"})
    return {
        "key": key,
        "title": title,
        "lede": _LEDES.get(key, ""),
        "headers": [{"label": label, "num": num} for _, label, num in columns],
        "rows": rows,
    }


def render_exposure_return(ret: Any, sections: Mapping[str, str]) -> str:
    """The page's HTML.

    Parameters
    ----------
    ret : guanxi.exposure_return.ExposureReturn
    sections : mapping of str to str
        Section key -> title, in order.
    """
    preset = ret.preset
    gsib_note = (
        f"G-SIB counterparties are held to {preset.gsib_breach_pct} % (the line between "
        "G-SIBs; this bank is taken to be a G-SIB)."
        if preset.gsib_breach_pct is not None and ret.bank_is_gsib
        else "No G-SIB line applies."
    )
    notes = [
        f"{preset.description}.",
        f"Interbank: large at {preset.interbank_large_pct} %, limit {preset.interbank_breach_pct} "
        f"% of Tier 1. {gsib_note}",
        f"Economic dependencies are reviewed from {preset.dependency_review_pct} % of Tier 1.",
    ]
    if preset.family_control:
        notes.append("Companies controlled by one family form one group (family control).")
    notes.extend(
        f"{reason}: {clause}"
        for reason, clause in LINK_REASON_CLAUSES.items()
        if preset.family_control or reason != "family_control"
    )
    cards = [
        {"label": label, "value": f"{value:,}" if isinstance(value, int) else value,
         "alert": label == "Breaches" and bool(value)}
        for label, value in ret.headline().items()
    ]  # fmt: skip
    return (
        environment()
        .get_template("exposures.html.j2")
        .render(
            csp=CONTENT_SECURITY_POLICY,
            font_stack=FONT_STACK,
            css=static_text("report.css"),
            title="Large exposures",
            as_of=str(ret.run.get("as_of") or ""),
            rules=preset.name,
            capital=f"{ret.tier1_capital:,}",
            currency=ret.currency,
            run_id=str(ret.run.get("run_id")),
            generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            cards=cards,
            notes=notes,
            sections=[_section(k, t, ret.tables[k]) for k, t in sections.items()],
        )
    )
