"""The steps the benchmark runs, each in a child process of its own.

``python benchmarks/child.py STEP PARAMS.json OUT.json`` runs one step and writes what
it measured inside itself (phase timings and per-phase peak memory) to OUT.json; the
parent (``run.py``) measures the process from outside (wall, CPU, ``ru_maxrss``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _bench import Phases, child_main

# -- loading ----------------------------------------------------------------------


def step_load_split(p: dict) -> dict:
    """``load_folder`` taken apart: read, validate, write, each with its peak memory.

    The same calls in the same order as :func:`guanxi.loaders.load.load_folder`.
    """
    from guanxi.graph.open import open_store
    from guanxi.graph.schema import Entity
    from guanxi.graph.store import LoadMode
    from guanxi.loaders.load import read_folder
    from guanxi.loaders.validate import validate
    from guanxi.settings import Settings

    ph = Phases()
    with ph.phase("open store"):
        settings = Settings(**p.get("settings", {}))
        store = open_store(p["store"], create=True, settings=settings)
    try:
        with ph.phase("read"):
            sources = read_folder(p["data_dir"])
        with ph.phase("validate"):
            store.ensure_schema()
            if Entity.CUSTOMERS not in sources:
                raise SystemExit("no customers file")
            result = validate(sources, store=store, replaced=set(sources))
            if not result.ok:
                raise SystemExit(f"{len(result.problems)} problems: {result.problems.head()}")
        with ph.phase("write"):
            stats = store.load(result.frames, mode=LoadMode.FULL)
        counts = store.counts()
    finally:
        store.close()
    ph.stop()
    rows = {e.value: n for e, n in stats.rows.items()}
    return {
        "phases": ph.phases,
        "peak_rss_mb": ph.peak_mb,
        "rows": rows,
        "total_rows": stats.total_rows,
        "store_write_s": round(stats.seconds, 3),
        "counts": counts,
    }


# -- analysis ---------------------------------------------------------------------


def step_analyze_split(p: dict) -> dict:
    """``run_analysis`` with each step's time and RSS high-water mark."""
    from guanxi.analysis import AnalysisOptions, run_analysis
    from guanxi.graph.open import open_store
    from guanxi.report import HtmlReport

    ph = Phases()
    with ph.phase("open store"):
        store = open_store(p["store"])

    def progress(name: str, done: int, total: int) -> None:
        if done < total:
            ph.start(name)
        else:
            ph.stop()

    try:
        options = AnalysisOptions(
            as_of=p["as_of"], tier1_capital=p.get("tier1_capital"), seed=p.get("seed", 0)
        )
        run = run_analysis(store, p["out_dir"], options, progress=progress, report=HtmlReport())
    finally:
        ph.stop()
        store.close()
    summary = run.summary()
    return {
        "phases": ph.phases,
        "timings": {k: round(v, 3) for k, v in run.timings.items()},
        "peak_rss_mb": ph.peak_mb,
        "counts": {
            k: summary[k]
            for k in ("groups", "customers_in_groups", "circles", "referrers", "communities",
                      "households", "suspected_links", "pagerank_iterations")
        },
        "pagerank_converged": summary["pagerank_converged"],
        "modularity": summary["modularity"],
    }


# -- edge lists for the networkx comparison ---------------------------------------


def step_edges(p: dict) -> dict:
    """Write the edge lists every whole-graph step starts from, as Parquet files."""
    from guanxi.algorithms import communities as communities_mod
    from guanxi.algorithms import groups as groups_mod
    from guanxi.graph.open import open_store
    from guanxi.graph.schema import LOAD_ORDER, Entity

    out = Path(p["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    with open_store(p["store"]) as store:
        data = {e: store.fetch(e) for e in LOAD_ORDER}
    c, a, h = data[Entity.CUSTOMERS], data[Entity.ACCOUNTS], data[Entity.ACCOUNT_HOLDERS]
    g, o, r = data[Entity.GUARANTEES], data[Entity.OWNERSHIP], data[Entity.REFERRALS]
    links = groups_mod.connected_client_links(c, a, h, g, o, as_of=p["as_of"])
    valid = groups_mod.valid_guarantees(g, as_of=p["as_of"])
    social = communities_mod.social_edges(r, data[Entity.HOUSEHOLDS], a, h)
    frames = {
        "links": links[["a", "b"]],
        "guarantees": valid[["guarantor_id", "borrower_id"]],
        "referrals": r[["referrer_id", "referee_id", "referred_on"]],
        "customers": c[["customer_id", "aum", "joined_on"]],
        "social": social[["a", "b", "weight"]],
    }
    for name, frame in frames.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    return {"rows": {k: len(v) for k, v in frames.items()}}


def _edges(d: str, name: str) -> pd.DataFrame:
    return pd.read_parquet(Path(d) / f"{name}.parquet")


def _canonical(ids: np.ndarray, labels: np.ndarray, min_size: int) -> dict[str, str]:
    """node id -> smallest id of its component, for components of ``min_size`` or more."""
    frame = pd.DataFrame({"id": ids, "label": labels})
    rep = frame.groupby("label")["id"].transform("min")
    size = frame.groupby("label")["id"].transform("size")
    keep = size >= min_size
    return dict(zip(frame["id"][keep], rep[keep], strict=True))


def step_ours(p: dict) -> dict:
    """guanxi's kernels on the edge lists (the same inputs networkx gets)."""
    from guanxi.algorithms import communities as communities_mod
    from guanxi.algorithms import referrals as referrals_mod
    from guanxi.algorithms.influence import customer_value
    from guanxi.algorithms.pagerank import pagerank
    from guanxi.algorithms.sparse import (
        csr_from_edges,
        index_ids,
        strongly_connected_labels,
        weakly_connected_labels,
    )

    d, out = p["edges_dir"], Path(p["out_dir"])
    links, guar = _edges(d, "links"), _edges(d, "guarantees")
    refs, customers, social = _edges(d, "referrals"), _edges(d, "customers"), _edges(d, "social")
    ph = Phases()
    with ph.phase("wcc"):
        ids, (a, b) = index_ids(links["a"], links["b"])
        wcc = weakly_connected_labels(csr_from_edges(a, b, len(ids)))
    n_wcc = int((np.bincount(wcc) >= 2).sum())
    pd.DataFrame(_canonical(np.asarray(ids), wcc, 2).items(), columns=["id", "rep"]).to_parquet(
        out / "wcc.parquet")
    with ph.phase("scc"):
        ids, (a, b) = index_ids(guar["guarantor_id"], guar["borrower_id"])
        scc = strongly_connected_labels(csr_from_edges(a, b, len(ids)))
    n_scc = int((np.bincount(scc) >= 2).sum())
    pd.DataFrame(_canonical(np.asarray(ids), scc, 2).items(), columns=["id", "rep"]).to_parquet(
        out / "scc.parquet")
    with ph.phase("pagerank"):
        ids, (cust, src, dst) = index_ids(
            customers["customer_id"], refs["referee_id"], refs["referrer_id"]
        )
        aum = np.full(len(ids), np.nan)
        aum[cust] = customers["aum"].to_numpy(dtype=float, na_value=np.nan)
        value = customer_value(aum)
        pr = pagerank(csr_from_edges(src, dst, len(ids)), personalization=value, tol=1e-10)
    pd.DataFrame({"id": np.asarray(ids), "score": pr.scores}).to_parquet(out / "pagerank.parquet")
    with ph.phase("reach"):
        reach = referrals_mod.referral_reach(customers, refs)
    reach[["customer_id", "direct", "cascade", "depth"]].to_parquet(out / "reach.parquet")
    with ph.phase("communities"):
        found = communities_mod.communities(social, seed=p.get("seed", 0))
    ph.stop()
    return {
        "phases": ph.phases,
        "peak_rss_mb": ph.peak_mb,
        "results": {
            "wcc_components": n_wcc,
            "scc_components": n_scc,
            "pagerank_iterations": pr.iterations,
            "pagerank_converged": pr.converged,
            "referrers": len(reach),
            "communities": int(found.summary.shape[0]),
            "modularity": round(float(found.modularity), 6),
        },
    }


# -- the same steps with plain networkx ---------------------------------------------


def _modularity(a, b, w, community_of: dict, nodes) -> float:
    """Newman modularity (resolution 1) of a partition of an undirected weighted graph."""
    from guanxi.algorithms.sparse import index_ids

    ids, (ia, ib) = index_ids(a, b)
    label = pd.Series(community_of).reindex(pd.Index(ids, dtype=object)).to_numpy()
    codes, _ = pd.factorize(label)
    keep = ia != ib
    ia, ib, w = ia[keep], ib[keep], np.asarray(w, dtype=float)[keep]
    m = w.sum()
    deg = np.bincount(ia, weights=w, minlength=len(ids)) + np.bincount(ib, weights=w,
                                                                     minlength=len(ids))
    inside = codes[ia] == codes[ib]
    internal = np.bincount(codes[ia][inside], weights=w[inside], minlength=codes.max() + 1)
    tot = np.bincount(codes, weights=deg, minlength=codes.max() + 1)
    return float((internal / m).sum() - ((tot / (2 * m)) ** 2).sum())


def step_networkx(p: dict) -> dict:
    """One whole-graph step with plain networkx: build the graph, run, check."""
    import networkx as nx

    d, ours, which = p["edges_dir"], Path(p["ours_dir"]), p["algorithm"]
    ph = Phases()
    check: dict = {}
    if which == "wcc":
        links = _edges(d, "links")
        with ph.phase("build graph"):
            g = nx.Graph()
            g.add_edges_from(zip(links["a"].to_numpy(object), links["b"].to_numpy(object),
                                 strict=True))
        with ph.phase("algorithm"):
            comps = [c for c in nx.connected_components(g) if len(c) >= 2]
        ph.stop()
        mine = pd.read_parquet(ours / "wcc.parquet").set_index("id")["rep"]
        theirs = {n: min(c) for c in comps for n in c}
        check = {"components": len(comps),
                 "same_partition": bool(mine.to_dict() == theirs)}
    elif which == "scc":
        guar = _edges(d, "guarantees")
        with ph.phase("build graph"):
            g = nx.DiGraph()
            g.add_edges_from(zip(guar["guarantor_id"].to_numpy(object),
                                 guar["borrower_id"].to_numpy(object), strict=True))
        with ph.phase("algorithm"):
            comps = [c for c in nx.strongly_connected_components(g) if len(c) >= 2]
        ph.stop()
        mine = pd.read_parquet(ours / "scc.parquet").set_index("id")["rep"]
        theirs = {n: min(c) for c in comps for n in c}
        check = {"components": len(comps),
                 "same_partition": bool(mine.to_dict() == theirs)}
    elif which == "pagerank":
        from guanxi.algorithms.influence import customer_value

        refs, customers = _edges(d, "referrals"), _edges(d, "customers")
        with ph.phase("build graph"):
            g = nx.DiGraph()
            g.add_nodes_from(customers["customer_id"].to_numpy(object))
            g.add_edges_from(zip(refs["referee_id"].to_numpy(object),
                                 refs["referrer_id"].to_numpy(object), strict=True))
            aum = dict(zip(customers["customer_id"].to_numpy(object),
                           customers["aum"].to_numpy(float, na_value=np.nan), strict=True))
            nodes = list(g)
            value = customer_value(np.array([aum.get(x, np.nan) for x in nodes]))
            personalization = dict(zip(nodes, value.tolist(), strict=True))
        n = g.number_of_nodes()
        # networkx stops when the L1 change is below tol * N: divide by N for the same
        # absolute 1e-10 guanxi uses
        with ph.phase("algorithm"):
            scores = nx.pagerank(g, alpha=0.85, personalization=personalization,
                                 tol=1e-10 / n, max_iter=1000)
        with ph.phase("algorithm (networkx default tol)"):
            default = nx.pagerank(g, alpha=0.85, personalization=personalization)
        ph.stop()
        mine = pd.read_parquet(ours / "pagerank.parquet").set_index("id")["score"]
        theirs = pd.Series(scores).reindex(mine.index).to_numpy()
        loose = pd.Series(default).reindex(mine.index).to_numpy()
        top = mine.sort_values(ascending=False).index[:100]
        top_loose = pd.Series(default).sort_values(ascending=False).index[:100]
        check = {
            "l1_vs_guanxi": float(np.abs(theirs - mine.to_numpy()).sum()),
            "default_tol_l1_vs_guanxi": float(np.abs(loose - mine.to_numpy()).sum()),
            "default_tol_top100_overlap": int(len(set(top) & set(top_loose))),
            "tol_used": 1e-10 / n,
        }
    elif which == "reach":
        refs, customers = _edges(d, "referrals"), _edges(d, "customers")
        with ph.phase("build graph"):
            g = nx.DiGraph()
            g.add_edges_from(zip(refs["referrer_id"].to_numpy(object),
                                 refs["referee_id"].to_numpy(object), strict=True))
            aum = dict(zip(customers["customer_id"].to_numpy(object),
                           customers["aum"].to_numpy(float, na_value=np.nan), strict=True))
        with ph.phase("algorithm"):
            rows = []
            for r in g:
                direct = g.out_degree(r)
                if not direct:
                    continue
                # the descendants with their generation, one breadth-first search
                gen = nx.single_source_shortest_path_length(g, r)
                down = float(np.nansum([aum.get(x, np.nan) for x in gen if x != r]))
                rows.append((r, direct, len(gen) - 1, max(gen.values()), down))
        ph.stop()
        theirs = pd.DataFrame(rows, columns=["customer_id", "direct", "cascade", "depth", "down"])
        mine = pd.read_parquet(ours / "reach.parquet")
        merged = mine.merge(theirs, on="customer_id", how="outer", suffixes=("", "_nx"))
        check = {
            "referrers": len(theirs),
            "same": bool(
                len(merged) == len(mine) == len(theirs)
                and (merged["direct"] == merged["direct_nx"]).all()
                and (merged["cascade"] == merged["cascade_nx"]).all()
                and (merged["depth"] == merged["depth_nx"]).all()
            ),
        }
    elif which == "louvain":
        social = _edges(d, "social")
        with ph.phase("build graph"):
            g = nx.Graph()
            g.add_weighted_edges_from(zip(social["a"].to_numpy(object),
                                          social["b"].to_numpy(object),
                                          social["weight"].to_numpy(float), strict=True))
        with ph.phase("algorithm"):
            comms = nx.community.louvain_communities(g, weight="weight", seed=p.get("seed", 0))
        ph.stop()
        of = {n: i for i, c in enumerate(comms) for n in c}
        check = {
            "communities": len(comms),
            "modularity": round(_modularity(social["a"], social["b"], social["weight"], of,
                                            None), 6),
        }
    else:
        raise SystemExit(f"unknown algorithm {which}")
    return {"phases": ph.phases, "peak_rss_mb": ph.peak_mb, "check": check}


# -- HTML views -------------------------------------------------------------------


def step_views(p: dict) -> dict:
    """Network views of about 500, 2,000 and 5,000 nodes: service view + HTML page."""
    try:
        from guanxi.service import MAX_NODES, GraphService
        from guanxi.viz import render_view
    except ImportError as exc:
        return {"available": False, "reason": f"not available yet: {exc}"}

    ph = Phases()
    with ph.phase("snapshot"):
        service = GraphService.from_path(p["store"])
        service.refresh()
    influencers = pd.read_csv(Path(p["analysis_dir"]) / "influencers.csv", dtype={"customer_id": str})
    candidates = influencers["customer_id"].head(50).tolist()
    views = []
    for size in p["sizes"]:
        limit = min(size, MAX_NODES)
        t0 = time.perf_counter()
        parts, seen = [], set()
        # the service caps one view at MAX_NODES; a bigger picture is the union of the
        # neighbourhoods of several hubs, as an analyst would assemble it
        for cid in candidates:
            v = service.network(cid, hops=3, limit=limit)
            new = v.nodes[~v.nodes["id"].isin(seen)]
            if len(new) < 50:
                continue
            parts.append(v)
            seen.update(new["id"])
            if len(seen) >= size:
                break
        nodes = pd.concat([v.nodes for v in parts]).drop_duplicates("id").head(size)
        keep = set(nodes["id"])
        edges = pd.concat([v.edges for v in parts]).drop_duplicates(["source", "target", "type"])
        edges = edges[edges["source"].isin(keep) & edges["target"].isin(keep)]
        view = parts[0]
        if len(parts) > 1 or len(view.nodes) != len(nodes):
            view = type(view)(**{**view.__dict__, "nodes": nodes.reset_index(drop=True),
                                 "edges": edges.reset_index(drop=True)})
        t1 = time.perf_counter()
        html = render_view(view, kind="network", max_nodes=max(size, 1))
        t2 = time.perf_counter()
        views.append({
            "nodes_requested": size,
            "nodes": int(len(view.nodes)),
            "edges": int(len(view.edges)),
            "service_views": len(parts),
            "service_s": round(t1 - t0, 3),
            "render_s": round(t2 - t1, 3),
            "build_s": round(t2 - t0, 3),
            "html_mb": round(len(html.encode("utf-8")) / 1024**2, 2),
        })
    ph.stop()
    return {"available": True, "phases": ph.phases, "views": views, "max_nodes": MAX_NODES,
            "peak_rss_mb": ph.peak_mb}


# -- the HTTP API -----------------------------------------------------------------


def step_api_server(p: dict) -> dict:  # pragma: no cover - runs until killed
    """Serve the API on loopback (the parent kills this process when done)."""
    import uvicorn

    from guanxi.api.app import create_app
    from guanxi.api.security import ApiKeys
    from guanxi.settings import Settings

    settings = Settings(store=p["store"], api_keys_file=p["keys_file"], audit_log=p["audit_log"])
    keys = ApiKeys.from_settings(settings)
    key = keys.add_ephemeral("bench", "admin")
    Path(p["key_out"]).write_text(key)
    app = create_app(settings, keys=keys)
    uvicorn.run(app, host="127.0.0.1", port=p["port"], log_level="warning", access_log=False)
    return {}


#: what the load generator is, for the results
API_CLIENT = ("one Python asyncio process: a minimal HTTP/1.1 client on asyncio streams, one "
              "keep-alive connection per simulated client, closed loop (a client sends its "
              "next request when the previous answer has been read)")


def proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds used so far by process ``pid`` (all its threads)."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # after the command name: state is field 3, utime field 14, stime field 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> dict:
    """Current and peak resident set size of process ``pid``, in MB."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


class HttpConnection:
    """One keep-alive HTTP/1.1 connection that sends GETs and reads each answer whole.

    Deliberately minimal (a few microseconds of client CPU per request, where httpx
    costs about a millisecond) so that the client, sharing the machine's cores with
    the server, takes as little CPU from it as possible. Answers must carry a
    Content-Length (chunked transfer encoding is refused)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]):
        self.host, self.port = host, port
        lines = [f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        self._tail = (" HTTP/1.1\r\n" + "\r\n".join(lines)).encode("latin-1")
        self.reader = self.writer = None
        self.reconnects = 0

    async def open(self) -> None:
        import asyncio

        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()
            self.reader = self.writer = None

    async def get(self, path: str) -> tuple[int, bytes]:
        """Send ``GET path``; return the status code and the body.

        A connection the server closed while it was idle (keep-alive timeout) is opened
        again and the request sent once more, as HTTP clients do; ``reconnects`` counts
        those."""
        import asyncio

        fresh = self.writer is None
        if fresh:
            await self.open()
        self.writer.write(b"GET " + path.encode("ascii") + self._tail)
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            if fresh or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            self.reconnects += 1
            await self.close()
            return await self.get(path)
        status = int(head[9:12])
        length, close = None, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                raise RuntimeError(f"GET {path}: chunked answers are not supported")
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if length is None:
            raise RuntimeError(f"GET {path}: the answer has no Content-Length")
        body = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, body


def step_api_client(p: dict) -> dict:
    """Bounded closed-loop load on two endpoints, 1 and 32 concurrent clients.

    Each simulated client has one keep-alive connection and sends its next request as
    soon as the previous answer has been read. Connections are opened and each makes
    one request, then 10 more requests are made, before the clock starts (warm-up, not
    counted). When the server's pid is given, its CPU seconds over the measured
    requests come from /proc, so the result says what a request costs the server."""
    import asyncio
    from urllib.parse import urlsplit

    url = urlsplit(p["base"])
    key = Path(p["key_file"]).read_text().strip()
    ids = json.loads(Path(p["ids_file"]).read_text())
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    server_pid = p.get("server_pid")
    try:  # the lighter loop when it is installed (uvicorn[standard] brings it)
        import uvloop

        run_loop, loop_name = uvloop.run, "uvloop"
    except ImportError:
        run_loop, loop_name = asyncio.run, "asyncio"

    async def run(path_of, clients: int, max_requests: int, max_seconds: float) -> dict:
        lat: list[float] = []
        status: dict[int, int] = {}
        sizes: list[int] = []
        conns = [HttpConnection(url.hostname, url.port, headers) for _ in range(clients)]
        await asyncio.gather(*(c.open() for c in conns))
        for i, c in enumerate(conns):  # warm-up, not counted
            code, body = await c.get(path_of(i))
            if code == 200:
                json.loads(body)  # a whole JSON document came back
        for i in range(10):
            await conns[0].get(path_of(i))
        counter = iter(range(max_requests))

        async def worker(conn: HttpConnection) -> None:
            for i in counter:
                if time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                code, body = await conn.get(path_of(i))
                lat.append(time.perf_counter() - t0)
                status[code] = status.get(code, 0) + 1
                sizes.append(len(body))

        server0 = proc_cpu_s(server_pid) if server_pid else None
        reconnects0 = sum(c.reconnects for c in conns)
        own0 = time.process_time()
        t0 = time.perf_counter()
        deadline = t0 + max_seconds
        await asyncio.gather(*(worker(c) for c in conns))
        elapsed = time.perf_counter() - t0
        own = time.process_time() - own0
        server = proc_cpu_s(server_pid) - server0 if server0 is not None else None
        for c in conns:
            await c.close()
        ms = np.asarray(lat) * 1000
        n = int(ms.size)

        def pct(q: float) -> float | None:
            return round(float(np.percentile(ms, q)), 2) if n else None

        return {
            "clients": clients,
            "requests": n,
            "seconds": round(elapsed, 2),
            "throughput_rps": round(n / elapsed, 1) if elapsed else None,
            "p50_ms": pct(50),
            "p90_ms": pct(90),
            "p99_ms": pct(99),
            "max_ms": round(float(ms.max()), 2) if n else None,
            "status": {str(k): v for k, v in sorted(status.items())},
            "mean_answer_bytes": round(sum(sizes) / n) if n else None,
            "server_cpu_s": round(server, 2) if server is not None else None,
            "server_cpu_ms_per_request": round(server * 1000 / n, 3)
            if server is not None and n else None,
            "server_cpu_share": round(server / elapsed, 2)
            if server is not None and elapsed else None,
            "client_cpu_ms_per_request": round(own * 1000 / n, 3) if n else None,
            "reconnects": sum(c.reconnects for c in conns) - reconnects0,
        }

    endpoints = {
        "GET /api/v1/customers/{id}/group": lambda i: f"/api/v1/customers/{ids[i % len(ids)]}/group",
        "GET /api/v1/influencers": lambda i: "/api/v1/influencers",
    }
    out = []
    for name, path_of in endpoints.items():
        if p.get("endpoints") and name not in p["endpoints"]:
            continue
        for clients in p["clients"]:
            res = run_loop(run(path_of, clients, p["max_requests"] * max(1, clients // 8),
                               p["max_seconds"]))
            res["endpoint"] = name
            out.append(res)
    return {"runs": out, "client": f"{API_CLIENT}; event loop: {loop_name}",
            "server_rss_mb_end": proc_rss_mb(server_pid) if server_pid else None}


STEPS = {
    "load_split": step_load_split,
    "analyze_split": step_analyze_split,
    "edges": step_edges,
    "ours": step_ours,
    "networkx": step_networkx,
    "views": step_views,
    "api_server": step_api_server,
    "api_client": step_api_client,
}

if __name__ == "__main__":
    child_main(STEPS)
