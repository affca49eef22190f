"""Writing a synthetic bank to a folder: :func:`generate_bank` and its summary."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from guanxi.graph.schema import LOAD_ORDER, Entity
from guanxi.loaders.synthetic.build import BUILD_STEPS, build_bank
from guanxi.loaders.synthetic.monthly import is_month_end, month_ends, one_month_overview
from guanxi.loaders.synthetic.writing import FORMATS, atomic_write_text, write_extract

__all__ = [
    "FORMATS",
    "MAX_MONTHS",
    "MIN_CUSTOMERS",
    "MIN_MONTHLY_CUSTOMERS",
    "PLANTED_NAME",
    "GenerationSummary",
    "ProgressCallback",
    "generate_bank",
]

#: the smallest bank :func:`generate_bank` builds (the planted structures need room)
MIN_CUSTOMERS = 50
#: the manifest of planted structures, written beside the contract files
PLANTED_NAME = "planted.json"
#: the most month-ends :func:`generate_bank` writes (ten years)
MAX_MONTHS = 120
#: the smallest bank written over two month-ends or more (the changes need room)
MIN_MONTHLY_CUSTOMERS = 100

#: ``progress(step_name, done, total)``
ProgressCallback = Callable[[str, int, int], None]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
        The ``planted.json`` manifest (with months, the series' one, in ``out_dir``).
    seconds : float
        Wall-clock time taken.
    months : dict of str to Path
        With months: the folder of each month-end, keyed by its date (ISO), in order;
        ``files`` and ``rows`` are then the last month's. Empty otherwise.
    """

    out_dir: Path
    files: dict[str, Path]
    rows: dict[str, int]
    planted_path: Path
    seconds: float
    months: dict[str, Path] = field(default_factory=dict)


def generate_bank(
    out_dir: str | Path,
    *,
    customers: int = 10_000,
    seed: int = 0,
    file_format: str = "csv",
    as_of: str = "2026-06-30",
    months: int | None = None,
    progress: ProgressCallback | None = None,
) -> GenerationSummary:
    """Write a synthetic bank (the contract files and ``planted.json``) to a folder.

    Parameters
    ----------
    out_dir : str or Path
        The folder to write; created if missing. Files of the same names are replaced,
        and contract files of the other format (``customers.parquet`` when writing
        CSV) are removed, so that the folder holds one bank.
    customers : int, default 10_000
        Number of customers (at least :data:`MIN_CUSTOMERS`, and
        :data:`MIN_MONTHLY_CUSTOMERS` over two months or more; with months, of the
        first month: new customers join later). The other files scale with it: about
        4.2 rows in all per customer (2.4 of them accounts).
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same arguments give the same bytes.
    file_format : {"csv", "parquet"}, default "csv"
        CSV files are UTF-8 with a header row; Parquet files have the same columns
        (money as float64, everything else as text).
    as_of : str, default "2026-06-30"
        The extract date (ISO ``YYYY-MM-DD``): every customer joined, and every account
        was opened, before it. With ``months``, the last month-end (it must be one).
    months : int, optional
        Write that many consecutive month-ends, the last one ``as_of``, each a complete
        extract in its own folder ``out_dir/YYYY-MM-DD/`` (with that month's
        ``planted.json``), and in ``out_dir`` a ``planted.json`` of the series: the
        changes planted between the months (see
        :mod:`~guanxi.loaders.synthetic.monthly`) and the Tier 1 capital to use for
        every month; contract files left in ``out_dir`` itself are removed. Without
        it, one extract is written in ``out_dir`` itself.
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
        :data:`FORMATS`, ``as_of`` is not an ISO date, or ``months`` is not a whole
        number from 1 to :data:`MAX_MONTHS` (or ``as_of`` then not a month-end, or
        ``customers`` below :data:`MIN_MONTHLY_CUSTOMERS` with two months or more).
        Nothing is written.

    Examples
    --------
    >>> import tempfile, json
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     summary = generate_bank(tmp, customers=200, seed=1)
    ...     planted = json.loads(summary.planted_path.read_text(encoding="utf-8"))
    >>> summary.rows["customers"], planted["customers"]
    (200, 200)
    >>> sorted(summary.files)  # doctest: +NORMALIZE_WHITESPACE
    ['account_holders', 'accounts', 'customers', 'dependencies', 'fx_rates',
     'guarantees', 'households', 'ownership', 'referrals']

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
    if months is not None:
        if isinstance(months, bool) or not isinstance(months, int | np.integer):
            raise ValueError(f"months must be a whole number, got {months!r}")
        if not 1 <= months <= MAX_MONTHS:
            raise ValueError(f"months must be from 1 to {MAX_MONTHS}, got {months}")
        if months > 1 and customers < MIN_MONTHLY_CUSTOMERS:
            raise ValueError(
                f"customers must be at least {MIN_MONTHLY_CUSTOMERS} with two months or "
                f"more, got {customers}"
            )
        if not is_month_end(as_of_date):
            raise ValueError(
                f"with months, as_of must be a month-end (the last extract), got {as_of}"
            )
        return _generate_months(
            Path(out_dir),
            customers=int(customers),
            seed=seed,
            file_format=file_format,
            ends=month_ends(as_of_date, int(months)),
            progress=progress,
            started=started,
        )

    out = Path(out_dir)
    steps = [
        *BUILD_STEPS,
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

    def written(entity: Entity) -> None:
        step_done(f"write {entity.value}")

    if progress is not None:
        progress(steps[0], 0, total)

    bank = build_bank(int(customers), seed=seed, as_of=as_of_date, step_done=step_done)

    out.mkdir(parents=True, exist_ok=True)
    files, rows = write_extract(out, bank.frames, file_format, on_written=written)
    planted_path = out / PLANTED_NAME
    atomic_write_text(planted_path, json.dumps(bank.planted, ensure_ascii=False, indent=2) + "\n")
    step_done(f"write {PLANTED_NAME}")
    return GenerationSummary(
        out_dir=out,
        files=files,
        rows=rows,
        planted_path=planted_path,
        seconds=time.perf_counter() - started,
    )


def _generate_months(
    out: Path,
    *,
    customers: int,
    seed: int,
    file_format: str,
    ends: list[date],
    progress: ProgressCallback | None,
    started: float,
) -> GenerationSummary:
    """:func:`generate_bank` with months: one folder per month-end."""
    steps = [*BUILD_STEPS, *(f"write {end.isoformat()}" for end in ends), f"write {PLANTED_NAME}"]
    total = len(steps)
    done = 0

    def step_done(name: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(name, done, total)

    if progress is not None:
        progress(steps[0], 0, total)
    bank = build_bank(customers, seed=seed, as_of=ends[0], step_done=step_done, later=ends[1:])
    out.mkdir(parents=True, exist_ok=True)
    for entity in LOAD_ORDER:  # a single extract left in out_dir would read as a bank
        for other in FORMATS:
            (out / f"{entity.value}.{other}").unlink(missing_ok=True)
    folders: dict[str, Path] = {}
    counts: list[int] = []
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    for t, end in enumerate(ends):
        folder = out / end.isoformat()
        folder.mkdir(exist_ok=True)
        if bank.monthly is None:  # one month: the bank itself
            frames, planted = dict(bank.frames), bank.planted
        else:
            frames = bank.monthly.frames(bank.frames, t)
            planted = bank.monthly.manifest(t, frames)
        counts.append(len(frames[Entity.CUSTOMERS]))
        files, rows = write_extract(folder, frames, file_format)
        atomic_write_text(
            folder / PLANTED_NAME, json.dumps(planted, ensure_ascii=False, indent=2) + "\n"
        )
        folders[end.isoformat()] = folder
        step_done(f"write {end.isoformat()}")
    if bank.monthly is None:
        overview = one_month_overview(bank.planted, ends[0], counts[0])
    else:
        overview = bank.monthly.overview(seed, counts)
    planted_path = out / PLANTED_NAME
    atomic_write_text(planted_path, json.dumps(overview, ensure_ascii=False, indent=2) + "\n")
    step_done(f"write {PLANTED_NAME}")
    return GenerationSummary(
        out_dir=out,
        files=files,
        rows=rows,
        planted_path=planted_path,
        seconds=time.perf_counter() - started,
        months=folders,
    )
