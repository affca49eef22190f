"""The read model shared by the HTTP API, the HTML views and the CLI.

A :class:`GraphService` reads everything it serves **once** from a
:class:`~guanxi.graph.store.GraphStore` into an in-memory
:class:`~guanxi.service.snapshot.Snapshot`, then lets the store go: the embedded DuckDB
file allows one writing process at a time, so the API must not hold it while
``guanxi load`` runs. :meth:`GraphService.refresh` builds a new snapshot and swaps one
reference, so reads keep being served from the old one while a refresh, an analysis or
a load is under way. For Neo4j the store (one driver per process) is kept for refreshes
and analyses.

The answers themselves are in the mixins this class is made of, one module per
resource: :mod:`~guanxi.service.customers`, :mod:`~guanxi.service.risk`,
:mod:`~guanxi.service.marketing`, :mod:`~guanxi.service.campaigns`,
:mod:`~guanxi.service.views`,
:mod:`~guanxi.service.history` and :mod:`~guanxi.service.jobs`.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from pathlib import Path
from typing import Any

from guanxi.errors import GuanxiError, StoreError, StoreUnavailable
from guanxi.graph.store import GraphStore
from guanxi.service.access import EmbeddedAccess, HeldAccess, SnapshotAccess, StoreAccess
from guanxi.service.campaigns import CampaignAnswers
from guanxi.service.customers import CustomerAnswers
from guanxi.service.history import HistoryAnswers
from guanxi.service.jobs import AnalysisJob, AnalysisJobs
from guanxi.service.marketing import MarketingAnswers
from guanxi.service.risk import RiskAnswers
from guanxi.service.risk_depth import RiskDepthAnswers
from guanxi.service.snapshot import Snapshot, read_store
from guanxi.service.views import ViewAnswers

__all__ = ["GraphService"]

log = logging.getLogger("guanxi.service")


def _release_unused_memory() -> None:
    """Give back to the system what Arrow's allocator keeps of the memory freed while a
    snapshot was built (about 250 MB at a million customers)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


class GraphService(
    CustomerAnswers,
    RiskAnswers,
    RiskDepthAnswers,
    MarketingAnswers,
    CampaignAnswers,
    ViewAnswers,
    HistoryAnswers,
    AnalysisJobs,
):
    """The read model: a snapshot of the store, answers per role, views.

    Build one with :meth:`from_settings` (what ``guanxi serve`` does),
    :meth:`from_path` (an embedded store file) or :meth:`from_store` (a store you
    keep, e.g. a Neo4j store on a shared driver; it is not closed unless asked).

    Every read method takes the caller's ``role`` (keyword, default admin for local
    use by the CLI and the views) and returns plain JSON-ready dicts, or a
    :class:`~guanxi.view_model.NetworkView`, already masked for that role. Unknown ids raise
    :class:`~guanxi.errors.NotFound`; reads a role may not make raise
    :class:`~guanxi.errors.Forbidden` before anything is looked up; results that need
    an analysis raise :class:`~guanxi.errors.NotAnalyzed` until one has run; a store
    that cannot be read raises :class:`~guanxi.errors.StoreUnavailable`.
    """

    #: seconds between two attempts to read a store that failed
    RETRY_SECONDS = 2.0

    def __init__(self, access: StoreAccess, *, settings=None):
        from guanxi.settings import get_settings

        self._access = access
        self.settings = settings or get_settings()
        self._snapshot: Snapshot | None = None
        self._refresh_lock = threading.Lock()
        self._analysis_lock = threading.Lock()
        self._job = AnalysisJob()
        self._last_error: GuanxiError | None = None
        self._last_attempt = 0.0
        #: set by a server (``guanxi serve``): a new snapshot's request-time indexes are
        #: built before it is swapped in, so no request waits for them; and the objects
        #: that live as long as the snapshot (it, the modules) are then frozen out of the
        #: garbage collector's full passes (:func:`gc.freeze`; about 60 ms each, every
        #: few thousand requests otherwise). A one-shot reader leaves it off.
        self.serving = False

    # -- construction ----------------------------------------------------------------
    @classmethod
    def from_settings(cls, settings=None) -> GraphService:
        from guanxi.graph.open import open_store
        from guanxi.settings import get_settings

        settings = settings or get_settings()
        if settings.store_is_bolt():
            return cls(
                HeldAccess(open_store(settings.store, settings=settings), close_store=True),
                settings=settings,
            )
        return cls(EmbeddedAccess(settings.embedded_path()), settings=settings)

    @classmethod
    def from_path(cls, path: str | Path, *, settings=None) -> GraphService:
        return cls(EmbeddedAccess(path), settings=settings)

    @classmethod
    def from_store(
        cls, store: GraphStore, *, close_store: bool = False, settings=None
    ) -> GraphService:
        kind = "embedded" if type(store).__name__ == "DuckDBStore" else "neo4j"
        return cls(HeldAccess(store, close_store=close_store, kind=kind), settings=settings)

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, *, settings=None) -> GraphService:
        """A service that answers from ``snapshot`` alone and never reads a store (the
        analyze report's views); :meth:`refresh` raises
        :class:`~guanxi.errors.StoreUnavailable`."""
        service = cls(SnapshotAccess(snapshot.source), settings=settings)
        service._snapshot = snapshot
        return service

    def close(self) -> None:
        """Release the store if the service holds one. The snapshot stays readable."""
        if self.serving:
            gc.unfreeze()  # let the interpreter collect everything at exit
        self._access.close()

    def __enter__(self) -> GraphService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the snapshot ----------------------------------------------------------------
    @property
    def store_kind(self) -> str:
        return self._access.kind

    @property
    def description(self) -> str:
        return self._access.description

    def refresh(self) -> Snapshot:
        """Read the store again and swap the snapshot in one step.

        Reads are served from the previous snapshot until the new one is complete;
        on failure the previous snapshot stays and the error is raised."""
        with self._refresh_lock:
            self._last_attempt = time.monotonic()
            try:
                with self._access.reading() as store:
                    raw = read_store(store)
            except StoreError as exc:
                self._last_error = exc
                raise
            snap = Snapshot.build(raw)
            if self.serving:
                snap.prepare()
                gc.unfreeze()  # what the old snapshot leaves behind must be collectable
            self._snapshot = snap
            if self.serving:
                gc.collect()
                gc.freeze()
                _release_unused_memory()
            self._last_error = None
            log.info(
                "snapshot of the %s taken: %d customers, analysis %s",
                snap.source,
                len(snap.customers),
                (snap.run or {}).get("run_id", "none"),
            )
            return snap

    def try_refresh(self) -> bool:
        """:meth:`refresh`, logging instead of raising a store error."""
        try:
            self.refresh()
            return True
        except StoreError as exc:
            log.warning("cannot read the %s: %s", self.description, exc)
            return False

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot; one is read on first use (and retried, at most every
        :attr:`RETRY_SECONDS`, while the store cannot be read)."""
        snap = self._snapshot
        if snap is not None:
            return snap
        if (
            self._last_error is not None
            and time.monotonic() - self._last_attempt < self.RETRY_SECONDS
        ):
            raise StoreUnavailable(f"the graph store cannot be read: {self._last_error}")
        try:
            return self.refresh()
        except StoreUnavailable:
            raise
        except StoreError as exc:
            raise StoreUnavailable(f"the graph store cannot be read: {exc}") from exc

    @property
    def has_snapshot(self) -> bool:
        return self._snapshot is not None

    @property
    def ready(self) -> bool:
        """A snapshot is in memory with its request-time indexes: a group or an
        influencer answer is then a matter of microseconds, with no store to read and
        nothing to build."""
        snap = self._snapshot
        return snap is not None and snap.prepared

    def health(self) -> dict[str, Any]:
        """Whether the store answers now, and what the service is serving.

        Raises :class:`~guanxi.errors.StoreUnavailable` when the store does not answer
        (while this service runs an analysis, the store counts as busy, not down)."""
        if self._analysis_lock.locked():
            state = "busy"
        else:
            self._access.ping()
            state = "reachable"
        snap = self.snapshot
        return {
            "status": "ok",
            "store": state,
            "store_kind": self.store_kind,
            "snapshot_taken_at": snap.taken_at,
            "analysis_run_id": (snap.run or {}).get("run_id"),
        }
