"""Analyses started from the read model: one at a time, with their progress visible
while they run, then a refresh; and which published run the answers come from."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from guanxi import defaults
from guanxi.errors import Conflict, Forbidden, GuanxiError, NotFound, StoreError
from guanxi.graph.schema import LOAD_ORDER
from guanxi.roles import Capability, Role, require
from guanxi.service.access import StoreAccess
from guanxi.service.snapshot import Snapshot, exact_number, reporting_of

__all__ = ["AnalysisJob", "AnalysisJobs"]


@dataclass
class AnalysisJob:
    """The state of the analysis a service runs (one at a time), as the API shows it."""

    state: str = "idle"  # idle, running, succeeded, failed
    step: str = ""
    done: int = 0
    total: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    run_id: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "step": self.step,
            "done": self.done,
            "total": self.total,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "run_id": self.run_id,
            "error": self.error,
            "warnings": list(self.warnings),
        }


def _now() -> str:
    """The time now, UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AnalysisJobs:
    """Running analyses and reading the latest, for :class:`~guanxi.service.GraphService`
    (a mixin: it uses the service's snapshot, store access, settings and analysis lock,
    declared below, and its ``refresh`` and ``try_refresh``).

    :mod:`guanxi.analysis` is imported when an analysis starts, not with the service:
    it loads every algorithm."""

    snapshot: Snapshot
    settings: Any
    _snapshot: Snapshot | None
    _access: StoreAccess
    _analysis_lock: threading.Lock
    _job: AnalysisJob

    def latest_analysis(self) -> dict[str, Any]:
        """The published run the answers come from (its id, kind, date, the snapshot of
        the data it read and that snapshot's date, options, summary, reporting currency
        and rates), what the service read from the store (the newest snapshot loaded,
        counts), and the state of an analysis started here."""
        snap = self.snapshot
        run = snap.run
        newest = snap.store_snapshot or {}
        answer: dict[str, Any] = {
            "analyzed": run is not None,
            "run": None,
            "snapshot": {
                "taken_at": snap.taken_at,
                "source": snap.source,
                "read_seconds": round(snap.read_seconds, 3),
                "counts": {e.value: len(snap.frames[e]) for e in LOAD_ORDER},
                "snapshot_id": newest.get("snapshot_id"),
                "snapshot_as_of": newest.get("as_of"),
                "notes": list(snap.notes),
            },
            "job": self._job.as_dict(),
        }
        if run is not None:
            summary = dict(run.get("summary") or {})
            currency, rates = reporting_of(run)
            answer["run"] = {
                "run_id": run.get("run_id"),
                "kind": run.get("kind"),
                "published": True,
                "computed_at": summary.get("computed_at", run.get("created_at")),
                "as_of": run.get("as_of"),
                "snapshot_id": run.get("snapshot_id"),
                "snapshot_as_of": (snap.run_snapshot or {}).get("as_of"),
                "preset": snap.options.get("preset"),
                "tier1_capital": snap.options.get("tier1_capital"),
                "reporting_currency": currency,
                "rates": rates,
                "groups": summary.get("groups"),
                "circles": summary.get("circles"),
                "referrers": summary.get("referrers"),
                "large_groups": summary.get("large_groups"),
                "breach_groups": summary.get("breach_groups"),
                "communities": summary.get("communities"),
                "households": summary.get("households"),
                "suspected_links": summary.get("suspected_links"),
                "alerts": summary.get("alerts"),
                "compared_with": summary.get("compared_with"),
                "pagerank_converged": summary.get("pagerank_converged"),
                "timings_seconds": summary.get("timings_seconds") or {},
                "warnings": summary.get("warnings") or [],
                "options": dict(run.get("options") or {}),
                "summary": summary,
                "notes": list(snap.notes),
            }
        return answer

    def analyze(self, options=None, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """Run every analysis on the store, write the results back, then refresh.

        One at a time: a second call while one runs raises
        :class:`~guanxi.errors.Conflict`. Progress is visible in
        :meth:`latest_analysis` meanwhile."""
        from guanxi.analysis import AnalysisOptions, run_analysis

        require(role, Capability.ADMIN, "run analyses")
        options = options or AnalysisOptions(tier1_capital=self.settings.tier1_capital)
        if self._snapshot is None:
            # serve reads from a snapshot while the analysis holds the store
            self.try_refresh()
        if not self._analysis_lock.acquire(blocking=False):
            raise Conflict(f"an analysis is already running (started {self._job.started_at})")
        try:
            self._job = AnalysisJob(state="running", started_at=_now())

            def progress(step: str, done: int, total: int) -> None:
                self._job.step, self._job.done, self._job.total = step, done, total

            try:
                with self._access.writing() as store:
                    run = run_analysis(
                        store,
                        None,
                        options,
                        progress=progress,
                        write_back=True,
                        keep_runs=int(self.settings.keep_runs),
                    )
            except (StoreError, Conflict, Forbidden, NotFound) as exc:
                self._job.state, self._job.error, self._job.finished_at = "failed", str(exc), _now()
                raise
            except GuanxiError as exc:
                self._job.state, self._job.error, self._job.finished_at = "failed", str(exc), _now()
                # e.g. "the store holds no customers": a state problem, not a server fault
                raise Conflict(str(exc)) from exc
            self._job.run_id = run.run_id
            self._job.warnings = list(run.warnings)
            self.refresh()
            self._job.state, self._job.finished_at = "succeeded", _now()
            return self.latest_analysis()
        finally:
            self._analysis_lock.release()

    def default_options(self, **given: Any):
        """Analysis options for a re-run: what is given, else the published run's
        options (preset, Tier 1 capital, seeds, and the others it records), else the
        settings; ``as_of`` defaults to the date of the newest load (the analysis
        decides)."""
        from guanxi.analysis import AnalysisOptions

        snap = self._snapshot
        previous = snap.options if snap is not None and snap.run is not None else {}
        recorded = dict((snap.run or {}).get("options") or {}) if snap is not None else {}
        known = {f.name for f in fields(AnalysisOptions)}
        opts: dict[str, Any] = {
            k: v
            for k, v in recorded.items()
            if k in known and k not in ("as_of", "tier1_capital") and v is not None
        }
        if given.get("as_of") is not None:
            opts["as_of"] = str(given["as_of"])
        capital = given.get("tier1_capital")
        if capital is None:
            capital = previous.get("tier1_capital")
        if capital is None:
            capital = self.settings.tier1_capital
        opts["tier1_capital"] = exact_number(capital)
        opts["preset"] = given.get("preset") or previous.get("preset") or defaults.PRESET
        for key in ("seeds_k", "seed"):
            if given.get(key) is not None:
                opts[key] = int(given[key])
            elif recorded.get(key) is not None:
                opts[key] = int(recorded[key])
        return AnalysisOptions(**opts)
