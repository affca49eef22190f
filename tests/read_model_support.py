"""Helpers of the read-model tests (``test_service``, ``test_read_indexes``,
``test_architecture`` and ``api/``): a generated bank loaded as a dated snapshot and
analyzed, and runs written with figures of the test's own, so that a test can tell a
figure read from the stored run from one computed from the data."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from guanxi.analysis import AnalysisOptions, AnalysisRun, run_analysis, run_record, stored_results
from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.graph.store import GraphStore, Result, RunRecord
from guanxi.loaders.load import load_folder
from guanxi.loaders.synthetic import generate_bank

__all__ = [
    "AS_OF",
    "OPTIONS",
    "FX_RATES",
    "ensure_fx_rates",
    "make_bank",
    "analyzed_store",
    "with_figures",
    "write_run",
]

AS_OF = "2026-06-30"
OPTIONS = dict(as_of=AS_OF, tier1_capital="50000000", seeds_k=3, seeds_simulations=100)
#: rates for the currencies the generated bank uses (units of CNY per unit)
FX_RATES = (
    "currency,rate,as_of\nUSD,7.1235,2026-06-30\nHKD,0.9125,2026-06-30\nEUR,7.7312,2026-06-30\n"
)


def ensure_fx_rates(folder: Path) -> None:
    """Give a generated bank the rates of its currencies, when the generator wrote none."""
    path = Path(folder) / "fx_rates.csv"
    if not path.exists():
        path.write_text(FX_RATES, encoding="utf-8")


def make_bank(folder: Path, *, customers: int, seed: int) -> Path:
    """A generated bank with its rates, in ``folder``."""
    generate_bank(folder, customers=customers, seed=seed)
    ensure_fx_rates(folder)
    return folder


def analyzed_store(
    path: Path, bank: Path, *, analyze: bool = True, **options
) -> tuple[Path, AnalysisRun | None]:
    """An embedded store at ``path`` holding ``bank`` (one snapshot of :data:`AS_OF`),
    analyzed with :data:`OPTIONS` (and ``options``) unless ``analyze`` is False."""
    run = None
    with DuckDBStore(path) as store:
        load_folder(bank, store, as_of=AS_OF)
        if analyze:
            run = run_analysis(store, None, AnalysisOptions(**{**OPTIONS, **options}))
    return path, run


def with_figures(
    results: dict[Result, pd.DataFrame], result: Result, where: dict[str, str], **columns: str
) -> dict[Result, pd.DataFrame]:
    """``results`` with the row of ``result`` matching ``where`` (column: value) given
    ``columns`` (text; money columns as exact decimals): figures no computation from
    the data would give."""
    frame = results[result].copy()
    row = pd.Series(True, index=frame.index)
    for column, value in where.items():
        row &= frame[column].astype("str") == value
    assert int(row.sum()) == 1, (result, where)
    for column, text in columns.items():
        dtype = frame[column].dtype
        values = frame[column].astype(object).tolist()
        for i in row.to_numpy().nonzero()[0]:
            values[i] = Decimal(text) if isinstance(dtype, pd.ArrowDtype) else text
        frame[column] = pd.Series(values, index=frame.index, dtype=dtype)
    return {**results, result: frame}


def write_run(
    store: GraphStore,
    run: AnalysisRun,
    results: dict[Result, pd.DataFrame] | None = None,
    *,
    run_id: str,
    publish: bool = True,
    kind: str = "official",
) -> RunRecord:
    """Store ``run``'s record under ``run_id`` with ``results`` (default: the run's
    own result sets)."""
    record = run_record(run)
    record = RunRecord(
        run_id=run_id,
        snapshot_id=record.snapshot_id,
        as_of=record.as_of,
        created_at=run_id,
        kind=kind,
        options=record.options,
        summary=record.summary,
    )
    store.write_run(record, results or stored_results(run), publish=publish)
    return record
