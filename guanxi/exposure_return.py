"""The large-exposure return: the figures a regulator's large-exposure report asks for,
read from the published run's stored results (nothing is recomputed).

``guanxi report exposures`` writes them as CSV files and one printable HTML page
(:func:`guanxi.viz.exposures.render_exposure_return`). The sections, each row with
its exposure, % of Tier 1 capital (the capital base of all three rule sets), status,
the limit that applies and the headroom to the large line and to the limit:

=======================  ===============================================================
single_clients           non-bank single clients (in a group or not) at or above the
                         large-exposure line, by their own single-name exposure
groups                   groups of connected non-bank clients at or above the line,
                         with their head
economic_dependency      groups joined (at least in part) by economic dependency, with
                         the dependency links (any status: each is a finding)
dependency_review        the dependencies of every client at or above 5 % of Tier 1,
                         for the interdependence assessment (Basel LEX10.13)
interbank                every interbank counterparty (a bank, a G-SIB, or a group of
                         banks), any status
=======================  ===============================================================

The statuses and the groups depend on the rule set (the China preset adds family
control), so the return is written under the preset the run was analyzed with; asking
for another is refused with the command that makes such a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from guanxi.errors import ConfigError, NotAnalyzed
from guanxi.graph.store import GraphStore, Result
from guanxi.presets import LimitPreset, get_preset
from guanxi.tables import write_csv

__all__ = ["SECTIONS", "ExposureReturn", "exposure_return", "write_exposure_return"]

#: the sections of the return, in order, with their titles
SECTIONS: dict[str, str] = {
    "single_clients": "Non-bank single clients",
    "groups": "Groups of connected clients",
    "economic_dependency": "Economic-dependency clients",
    "dependency_review": "Dependencies to assess (clients at or above the review line)",
    "interbank": "Interbank counterparties",
}
_REPORTED = ("large", "breach")
#: columns a run must have stored for the return (runs of guanxi before issue 16 lack them)
_NEEDED = {
    Result.EXPOSURE_GROUPS: ("counterparty", "headroom_large", "headroom_breach", "head"),
    Result.GROUP_MEMBERS: ("counterparty", "status", "headroom_large", "name"),
    Result.SINGLE_NAMES: ("counterparty", "headroom_large", "name"),
}


@dataclass
class ExposureReturn:
    """The return's tables and what they were read from.

    Attributes
    ----------
    run : dict
        The published run (:meth:`GraphStore.published_run`).
    preset : LimitPreset
    tier1_capital : Decimal
    currency : str
    bank_is_gsib : bool
    tables : dict of str to pandas.DataFrame
        One per :data:`SECTIONS` key.
    """

    run: dict[str, Any]
    preset: LimitPreset
    tier1_capital: Decimal
    currency: str
    bank_is_gsib: bool
    tables: dict[str, pd.DataFrame]

    def headline(self) -> dict[str, object]:
        """Counts for the page's cards."""
        t = self.tables
        breaches = sum(
            int((t[k]["status"] == "breach").sum())
            for k in ("single_clients", "groups", "interbank")
        )
        return {
            "Single clients reported": len(t["single_clients"]),
            "Groups reported": len(t["groups"]),
            "Economic-dependency groups": len(t["economic_dependency"]),
            "Interbank counterparties": len(t["interbank"]),
            "Breaches": breaches,
        }


def _limits(
    frame: pd.DataFrame, preset: LimitPreset, *, is_group: bool, gsib: bool
) -> pd.DataFrame:
    """The large line and the limit (breach line) that applied to each row, in % of
    Tier 1 (from the preset's table, by the stored counterparty class)."""
    pairs = {
        c: preset.thresholds(is_group=is_group, counterparty=c, bank_is_gsib=gsib)
        for c in ("non_bank", "bank", "gsib")
    }
    kinds = frame["counterparty"].astype(str)
    out = frame.copy()
    out["large_line_pct"] = [str(pairs.get(k, pairs["non_bank"])[0]) for k in kinds]
    out["limit_pct"] = [str(pairs.get(k, pairs["non_bank"])[1]) for k in kinds]
    return out


def _by_exposure(frame: pd.DataFrame, column: str, key: str) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    order = sorted(
        range(len(frame)), key=lambda i: (-frame[column].iloc[i], str(frame[key].iloc[i]))
    )
    return frame.take(order).reset_index(drop=True)


def exposure_return(store: GraphStore, *, preset: str | None = None) -> ExposureReturn:
    """The return's tables from the store's published run.

    Parameters
    ----------
    store : GraphStore
    preset : str, optional
        The rule set asked for; it must be the run's (default: the run's).

    Raises
    ------
    NotAnalyzed
        No published run, or one made by a guanxi without these columns.
    ConfigError
        An unknown preset, another preset than the run's, or a run without Tier 1
        capital.
    """
    run = store.published_run()
    if run is None:
        raise NotAnalyzed("no published run yet: guanxi analyze --out DIR --tier1-capital ...")
    options = run.get("options", {})
    used = get_preset(options.get("preset") or "basel")
    if preset is not None and get_preset(preset).name != used.name:
        raise ConfigError(
            f"the published run {run['run_id']} was analyzed under the {used.name} rules; the "
            f"groups and statuses of a {get_preset(preset).name} return differ (the China "
            f"rules add family control and other limits): run guanxi analyze --preset "
            f"{get_preset(preset).name} --tier1-capital ... first, then report"
        )
    if options.get("tier1_capital") in (None, ""):
        raise ConfigError(
            f"the published run {run['run_id']} has no Tier 1 capital, so no % of capital, "
            "status or headroom: run guanxi analyze --tier1-capital AMOUNT first"
        )
    frames = {
        r: store.fetch_results(r) for r in (*_NEEDED, Result.GROUP_LINKS, Result.DEPENDENCY_REVIEW)
    }
    for result, columns in _NEEDED.items():
        missing = [c for c in columns if c not in frames[result].columns]
        if missing and len(frames[result].columns):
            raise NotAnalyzed(
                f"the published run {run['run_id']} was made before guanxi stored "
                f"{', '.join(missing)} in {result.value}: run guanxi analyze again"
            )
    gsib = bool(options.get("bank_is_gsib", True))
    groups = frames[Result.EXPOSURE_GROUPS]
    members = frames[Result.GROUP_MEMBERS]
    singles = frames[Result.SINGLE_NAMES]
    client_columns = [
        "customer_id",
        "name",
        "group_id",
        "counterparty",
        "exposure",
        "pct_tier1",
        "status",
        "headroom_large",
        "headroom_breach",
    ]
    clients = pd.concat(
        [
            members.rename(columns={"single_name_exposure": "exposure"}),
            singles.rename(columns={"single_name_exposure": "exposure"}).assign(group_id=None),
        ],
        ignore_index=True,
    ).reindex(columns=client_columns)
    banks = clients["counterparty"].isin(["bank", "gsib"]).to_numpy(dtype=bool)
    reported = clients["status"].isin(_REPORTED).to_numpy(dtype=bool)
    single_clients = _limits(clients.loc[~banks & reported], used, is_group=False, gsib=gsib)

    group_columns = [
        "group_id",
        "head",
        "name",
        "size",
        "counterparty",
        "exposure",
        "pct_tier1",
        "status",
        "headroom_large",
        "headroom_breach",
        "reasons",
    ]
    g = groups.reindex(columns=group_columns)
    g_banks = g["counterparty"].isin(["bank", "gsib"]).to_numpy(dtype=bool)
    g_reported = g["status"].isin(_REPORTED).to_numpy(dtype=bool)
    group_table = _limits(g.loc[~g_banks & g_reported], used, is_group=True, gsib=gsib)

    links = frames[Result.GROUP_LINKS]
    dep = (
        links.loc[(links["reason"] == "economic_dependency").to_numpy(dtype=bool)]
        if len(links)
        else links
    )
    spelled = (
        dep.assign(
            text=dep["a"].astype(str)
            + " > "
            + dep["b"].astype(str)
            + " ("
            + dep["source_key"].astype(str).str.rsplit("|", n=1).str[-1]
            + ")"
        )
        .groupby("group_id")["text"]
        .agg("; ".join)
        if len(dep)
        else pd.Series(dtype=str)
    )
    with_dep = g.loc[g["group_id"].isin(spelled.index).to_numpy(dtype=bool)].copy()
    with_dep["dependencies"] = with_dep["group_id"].map(spelled).astype("str")
    economic = _limits(with_dep, used, is_group=True, gsib=gsib)

    interbank = pd.concat(
        [
            clients.loc[banks].assign(level="client").rename(columns={"customer_id": "id"}),
            g.loc[g_banks].assign(level="group").rename(columns={"group_id": "id"}),
        ],
        ignore_index=True,
    ).reindex(
        columns=[
            "level",
            "id",
            "name",
            "counterparty",
            "exposure",
            "pct_tier1",
            "status",
            "headroom_large",
            "headroom_breach",
        ]
    )
    interbank_rows = []
    for level, is_group in (("client", False), ("group", True)):
        part = interbank.loc[(interbank["level"] == level).to_numpy(dtype=bool)]
        interbank_rows.append(_limits(part, used, is_group=is_group, gsib=gsib))
    interbank = pd.concat(interbank_rows, ignore_index=True)

    tables = {
        "single_clients": _by_exposure(single_clients, "exposure", "customer_id"),
        "groups": _by_exposure(group_table, "exposure", "group_id"),
        "economic_dependency": _by_exposure(economic, "exposure", "group_id"),
        "dependency_review": frames[Result.DEPENDENCY_REVIEW].reset_index(drop=True),
        "interbank": _by_exposure(interbank, "exposure", "id"),
    }
    summary = run.get("summary", {})
    return ExposureReturn(
        run=run,
        preset=used,
        tier1_capital=Decimal(str(options["tier1_capital"])),
        currency=str(summary.get("reporting_currency") or options.get("reporting_currency") or ""),
        bank_is_gsib=gsib,
        tables=tables,
    )


def write_exposure_return(ret: ExposureReturn, out_dir: Path) -> dict[str, Path]:
    """Write ``large_exposures_<section>.csv`` for every section and
    ``large_exposures.html`` (printable, self-contained) into ``out_dir``.

    Returns
    -------
    dict of str to Path
        The files written, by section name (``html`` for the page).
    """
    from guanxi.viz.exposures import render_exposure_return

    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot write to {out_dir}: {exc}") from exc
    written: dict[str, Path] = {}
    for name, frame in ret.tables.items():
        path = out_dir / f"large_exposures_{name}.csv"
        write_csv(frame, path)
        written[name] = path
    page = out_dir / "large_exposures.html"
    page.write_text(render_exposure_return(ret, SECTIONS), encoding="utf-8")
    written["html"] = page
    return written
