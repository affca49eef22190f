"""guanxi at bank scale: ``python benchmarks/run.py [--customers N] [--only a,b] ...``.

Benchmarks (``--only`` picks some, in this order; default all):

=============  ======================================================================
generate       ``guanxi generate`` of the bank (and of the smaller banks used below)
load           ``guanxi load`` into the embedded store, end to end, then the same load
               split into read / validate / write with each phase's peak memory
load_bolt      the same split load over Bolt into a real Neo4j (``tests/neo4j_server.py``),
               on a smaller bank (``--bolt-customers``)
analyze        ``guanxi analyze`` end to end, then per analysis step (time, peak RSS)
networkx       the whole-graph steps with guanxi's kernels and with plain networkx on
               the same edge lists, networkx in a child with a time limit, as ratios
api            p50/p99 latency and throughput of two endpoints, 1 and 32 clients
views          HTML views of about 500, 2,000 and 5,000 nodes: build time, file size
=============  ======================================================================

Each benchmark writes ``benchmarks/results/<name>.json`` (the machine, package versions,
load average, measurements); ``RESULTS.md`` is rebuilt from every JSON file present.
Generated banks and stores live in ``--work-dir`` (default ``$TMPDIR/guanxi-bench``) and
are reused by later runs with the same size and seed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import _bench
import report
from _bench import RESULTS, conditions, machine, now, python_child, run_child, write_result

BENCHMARKS = ("generate", "load", "load_bolt", "analyze", "networkx", "api", "views")
NX_ALGORITHMS = ("wcc", "scc", "pagerank", "reach", "louvain")
GUANXI = str(Path(sys.executable).with_name("guanxi"))
#: Tier 1 capital given to ``guanxi analyze`` (the run's cost does not depend on it)
TIER1 = 5e10


def _jvm_peak_mb(pid: int | None) -> float | None:
    """The peak resident memory of a running process (``VmHWM``), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        return None
    return None


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}  (load {_bench.load_average()})", flush=True)


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.work = Path(args.work_dir).resolve()
        self.work.mkdir(parents=True, exist_ok=True)
        self.results = Path(args.results_dir).resolve()
        self.n, self.seed = args.customers, args.seed
        self.machine = machine()

    # -- paths and prerequisites ---------------------------------------------------
    def bank(self, n: int) -> Path:
        return self.work / f"bank-{n}-s{self.seed}"

    def store(self, n: int) -> Path:
        return self.work / f"bank-{n}-s{self.seed}.duckdb"

    def analysis_dir(self, n: int) -> Path:
        return self.work / f"analysis-{n}-s{self.seed}"

    def generated(self, n: int) -> bool:
        return (self.bank(n) / "planted.json").exists()

    def loaded(self, n: int) -> bool:
        return self.store(n).with_suffix(".loaded").exists()

    def analyzed(self, n: int) -> bool:
        return (self.analysis_dir(n) / "summary.json").exists()

    def generate(self, n: int) -> dict:
        out = self.bank(n)
        if out.exists():
            shutil.rmtree(out)
        log(f"generate {n:,} customers")
        m = run_child(
            [GUANXI, "generate", str(out), "--customers", str(n), "--seed", str(self.seed)],
            log=self.work / "generate.log",
        )
        self._check(m, f"guanxi generate {n}")
        rows = 0
        for path in out.glob("*.csv"):
            with open(path, "rb") as f:
                rows += sum(1 for _ in f) - 1
        return {"step": "generate", "customers": n, "rows": rows, **m}

    def ensure_generated(self, n: int) -> None:
        if not self.generated(n):
            self.generate(n)

    def fresh_store(self, path: Path) -> None:
        for p in (path, path.with_name(path.name + ".wal"), path.with_suffix(".loaded")):
            p.unlink(missing_ok=True)

    def cli_load(self, n: int) -> dict:
        self.ensure_generated(n)
        store = self.store(n)
        self.fresh_store(store)
        log(f"guanxi load {n:,} customers into {store.name}")
        m = run_child([GUANXI, "load", str(self.bank(n)), "--store", str(store)],
                      log=self.work / "load.log")
        self._check(m, "guanxi load")
        store.with_suffix(".loaded").touch()
        # a fresh store holds no analysis results: the analysis must run again
        shutil.rmtree(self.analysis_dir(n), ignore_errors=True)
        return m

    def ensure_loaded(self, n: int) -> None:
        if not self.loaded(n):
            self.cli_load(n)

    def cli_analyze(self, n: int) -> dict:
        self.ensure_loaded(n)
        out = self.analysis_dir(n)
        if out.exists():
            shutil.rmtree(out)
        log(f"guanxi analyze {n:,} customers")
        m = run_child(
            [GUANXI, "analyze", "--out", str(out), "--store", str(self.store(n)),
             "--as-of", self.args.as_of, "--tier1-capital", str(TIER1), "--seed", "0"],
            log=self.work / "analyze.log",
        )
        self._check(m, "guanxi analyze")
        return m

    def ensure_analyzed(self, n: int) -> None:
        if not self.analyzed(n):
            self.cli_analyze(n)

    @staticmethod
    def _check(m: dict, what: str) -> None:
        if m["exit_code"] != 0 or m["timed_out"]:
            raise SystemExit(f"{what} failed ({m}); see the logs in the work folder")

    def save(self, name: str, measurements: list[dict], **extra) -> None:
        payload = {
            "benchmark": name,
            "customers": self.n,
            "seed": self.seed,
            "finished_at": now(),
            "machine": self.machine | {"loadavg": _bench.load_average()},
            "note": "shared 2-core machine: wall times move with the load average recorded "
            "beside each measurement; CPU time (user+system) moves much less",
            **extra,
            "measurements": measurements,
        }
        path = write_result(name, payload, self.results)
        log(f"wrote {path}")

    # -- the benchmarks ------------------------------------------------------------
    def bench_generate(self) -> None:
        sizes = sorted({self.n, self.args.bolt_customers, *self.args.nx_sizes})
        self.save("generate", [self.generate(n) for n in sizes])

    def repeated(self, run) -> dict:
        """``run()`` ``--repeat`` times: the median run by wall time, with every run's
        wall time, CPU time, peak RSS and load average beside it."""
        runs = [run() for _ in range(self.args.repeat)]
        median = sorted(runs, key=lambda m: m["wall_s"])[(len(runs) - 1) // 2]
        if len(runs) == 1:
            return median
        keys = ("wall_s", "cpu_s", "peak_rss_mb", "loadavg_before")
        return {**median, "repeat": len(runs), "median_of": [
            {k: m[k] for k in keys} for m in runs]}

    def bench_load(self) -> None:
        n = self.n
        e2e = self.repeated(lambda: self.cli_load(n))
        split_store = self.work / f"split-{n}.duckdb"
        self.fresh_store(split_store)
        log("load split into read / validate / write")
        split = python_child(
            "child.py", "load_split", {"data_dir": str(self.bank(n)), "store": str(split_store)},
            self.work,
        )
        self.fresh_store(split_store)
        child = split["child"]
        rows = child.get("total_rows", 0)
        measurements = [
            {
                "step": "guanxi load (end to end)",
                "customers": n,
                "rows": rows,
                "rows_per_s": round(rows / e2e["wall_s"]) if rows else None,
                **e2e,
            },
            {
                "step": "load, split",
                "customers": n,
                "rows": rows,
                "rows_per_s": round(rows / split["wall_s"]) if rows else None,
                "write_rows_per_s": round(rows / child["phases"]["write"]["wall_s"])
                if rows else None,
                **split,
            },
        ]
        self.save("load", measurements, target={"rows_per_s_end_to_end": 200_000})

    def bench_load_bolt(self) -> None:
        n = self.args.bolt_customers
        self.ensure_generated(n)
        sys.path.insert(0, str(_bench.REPO / "tests"))
        try:
            from neo4j_server import Neo4jServer, Neo4jServerError
        except ImportError as exc:
            self.save("load_bolt", [{"step": "load over Bolt", "available": False,
                                     "reason": f"tests/neo4j_server.py: {exc}"}])
            return
        root = self.work / "neo4j" / "home"
        if root.parent.exists():
            shutil.rmtree(root.parent)
        # the full JIT (the tests start Neo4j with C1 only, for a quick start)
        server = Neo4jServer(root, heap=self.args.bolt_heap, quick_jit=False)
        log(f"starting Neo4j {server.version} (Bolt) for a {n:,}-customer load")
        try:
            server.start()
        except Neo4jServerError as exc:
            self.save("load_bolt", [{"step": "load over Bolt", "available": False,
                                     "reason": str(exc)}])
            return
        try:
            settings = {
                "neo4j_user": server.user,
                "neo4j_password": server.password,
                "neo4j_database": server.database,
            }
            split = python_child(
                "child.py", "load_split",
                {"data_dir": str(self.bank(n)), "store": server.uri, "settings": settings},
                self.work, timeout=self.args.bolt_timeout,
            )
            engines = self.engines_on(server, n)
        finally:
            server.stop()
        child = split["child"]
        rows = child.get("total_rows", 0)
        write = child.get("phases", {}).get("write", {})
        self.save("load_bolt", [{
            "step": "load over Bolt into Neo4j (split)",
            "server": f"Neo4j {server.version} Community with GDS {server.gds_version} (Maven Central)",
            "customers": n,
            "rows": rows,
            "rows_per_s": round(rows / split["wall_s"]) if rows else None,
            "write_rows_per_s": round(rows / write["wall_s"]) if rows and write else None,
            "note": "peak RSS is the Python loader's; the JVM server is another process",
            **split,
        }, *engines])

    def engines_on(self, server, n: int) -> list[dict]:
        """``guanxi analyze`` of the bank loaded in ``server`` with each engine, side
        by side (the guanxi process measured from outside; the JVM's peak RSS beside)."""
        env = dict(os.environ, GUANXI_NEO4J_USER=server.user,
                   GUANXI_NEO4J_PASSWORD=server.password,
                   GUANXI_NEO4J_DATABASE=server.database)  # fmt: skip
        rows = []
        for engine in ("python", "gds"):
            out = self.work / f"analysis-{engine}-{n}"
            shutil.rmtree(out, ignore_errors=True)
            log(f"guanxi analyze --engine {engine} of {n:,} customers in Neo4j")
            m = run_child(
                [GUANXI, "analyze", "--out", str(out), "--store", server.uri,
                 "--as-of", self.args.as_of, "--tier1-capital", str(TIER1), "--seed", "0",
                 "--engine", engine],
                env=env, log=self.work / f"analyze-{engine}.log",
                timeout=self.args.bolt_timeout,
            )  # fmt: skip
            rows.append({
                "step": f"guanxi analyze --engine {engine} (Neo4j store)",
                "customers": n,
                "server_peak_rss_mb": _jvm_peak_mb(server.pid),
                **m,
            })
            shutil.rmtree(out, ignore_errors=True)
        return rows

    def bench_analyze(self) -> None:
        n = self.n
        e2e = self.repeated(lambda: self.cli_analyze(n))
        log("analysis split into steps")
        split = python_child(
            "child.py", "analyze_split",
            {"store": str(self.store(n)), "out_dir": str(self.work / f"analysis-split-{n}"),
             "as_of": self.args.as_of, "tier1_capital": TIER1, "seed": 0},
            self.work,
        )
        shutil.rmtree(self.work / f"analysis-split-{n}", ignore_errors=True)
        self.save("analyze", [
            {"step": "guanxi analyze (end to end)", "customers": n, **e2e},
            {"step": "analysis, per step", "customers": n, **split},
        ], target={"peak_rss_mb": 2048})

    def bench_networkx(self) -> None:
        measurements = []
        for n in sorted(set(self.args.nx_sizes)):
            self.ensure_loaded(n)
            edges = self.work / f"edges-{n}-s{self.seed}"
            ours_dir = self.work / f"ours-{n}-s{self.seed}"
            ours_dir.mkdir(parents=True, exist_ok=True)
            log(f"edge lists, {n:,} customers")
            e = python_child("child.py", "edges", {"store": str(self.store(n)),
                             "out_dir": str(edges), "as_of": self.args.as_of}, self.work)
            log(f"guanxi kernels, {n:,} customers")
            ours = python_child("child.py", "ours", {"edges_dir": str(edges),
                                "out_dir": str(ours_dir)}, self.work)
            size = {"customers": n, "edges": e["child"].get("rows"), "guanxi": ours, "networkx": {}}
            for algo in self.args.nx_algorithms:
                log(f"networkx {algo}, {n:,} customers (limit {self.args.nx_timeout:.0f} s)")
                size["networkx"][algo] = python_child(
                    "child.py", "networkx",
                    {"edges_dir": str(edges), "ours_dir": str(ours_dir), "algorithm": algo},
                    self.work, timeout=self.args.nx_timeout,
                )
            measurements.append(size)
            self.save("networkx", measurements, timeout_s=self.args.nx_timeout,
                      ratios=report.nx_ratios(measurements, self._analysis_steps()))

    def _analysis_steps(self) -> dict | None:
        path = self.results / "analyze.json"
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        for m in data["measurements"]:
            if m.get("child", {}).get("timings") and data.get("customers"):
                return {"customers": data["customers"], "phases": m["child"]["phases"]}
        return None

    def bench_api(self) -> None:
        if not (_has_module("guanxi.api.app") and _has_module("guanxi.service")):
            self.save("api", [{"step": "api", "available": False,
                               "reason": "not available yet (guanxi.api.app / guanxi.service)"}])
            return
        n = self.n
        self.ensure_analyzed(n)
        ids = _group_member_sample(self.analysis_dir(n), self.args.api_ids, self.seed)
        tmp = Path(tempfile.mkdtemp(prefix="api-", dir=self.work))
        ids_file = tmp / "ids.json"
        ids_file.write_text(json.dumps(ids))
        port = _free_port()
        params = {"store": str(self.store(n)), "keys_file": str(tmp / "keys.json"),
                  "audit_log": str(tmp / "audit.jsonl"), "key_out": str(tmp / "key"),
                  "port": port}
        (tmp / "server.json").write_text(json.dumps(params))
        log(f"starting the API on 127.0.0.1:{port}")
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, str(_bench.HERE / "child.py"), "api_server",
             str(tmp / "server.json"), str(tmp / "server.out.json")],
            stdout=open(self.work / "api_server.log", "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            ready = _wait_http(f"http://127.0.0.1:{port}/api/v1/health", server, 900)
            startup = time.perf_counter() - started
            if not ready:
                self.save("api", [{"step": "api", "available": False,
                                   "reason": "the server did not answer /api/v1/health; "
                                   "see api_server.log in the work folder"}])
                return
            log("API load")
            client = python_child(
                "child.py", "api_client",
                {"base": f"http://127.0.0.1:{port}", "key_file": str(tmp / "key"),
                 "ids_file": str(ids_file), "clients": [1, 32],
                 "max_requests": self.args.api_requests, "max_seconds": self.args.api_seconds,
                 "server_pid": server.pid},
                self.work, timeout=1800,
            )
        finally:
            server_rss = _stop(server)
            shutil.rmtree(tmp, ignore_errors=True)
        self.save("api", [{
            "step": "api", "available": True, "customers": n,
            "server_startup_s": round(startup, 1), "server_peak_rss_mb": server_rss,
            "client_and_server": "both on this machine's 2 cores (loopback); the client is "
            + client["child"].get("client", "one Python asyncio process"),
            **client,
        }], target={"group_p99_ms_at_32_clients": 20})

    def bench_views(self) -> None:
        if not (_has_module("guanxi.viz") and _has_module("guanxi.service")):
            self.save("views", [{"step": "views", "available": False,
                                 "reason": "not available yet (guanxi.viz / guanxi.service)"}])
            return
        n = self.n
        self.ensure_analyzed(n)
        log("HTML views")
        m = python_child("child.py", "views",
                         {"store": str(self.store(n)), "analysis_dir": str(self.analysis_dir(n)),
                          "sizes": [500, 2000, 5000]}, self.work, timeout=1800)
        self.save("views", [{"step": "views", "customers": n, **m}],
                  target={"build_s_2000_nodes": 2.0})


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


def _group_member_sample(analysis_dir: Path, k: int, seed: int) -> list[str]:
    import pandas as pd

    members = pd.read_csv(analysis_dir / "group_members.csv", dtype={"customer_id": str},
                          usecols=["customer_id"])
    return members["customer_id"].sample(n=min(k, len(members)), random_state=seed).tolist()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as r:
            if r.status == 200:
                return True
        time.sleep(1)
    return False


def _stop(proc: subprocess.Popen, grace: float = 30) -> float | None:
    """Stop a server we started (SIGTERM, then SIGKILL) and return its peak RSS in MB."""
    proc.terminate()
    deadline = time.monotonic() + grace
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return round(usage.ru_maxrss / 1024, 1)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=1_000_000, help="bank size (1,000,000)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (1)")
    ap.add_argument("--only", default=",".join(BENCHMARKS),
                    help=f"comma-separated benchmarks to run, of: {', '.join(BENCHMARKS)}")
    ap.add_argument("--work-dir", default=os.environ.get(
        "GUANXI_BENCH_DIR", str(Path(tempfile.gettempdir()) / "guanxi-bench")))
    ap.add_argument("--results-dir", default=str(RESULTS))
    ap.add_argument("--as-of", default="2026-06-30", help="analysis date (fixed: reproducible)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of `guanxi load` and `guanxi analyze` end to end; the median "
                    "is reported, every run kept (3)")
    ap.add_argument("--bolt-customers", type=int, default=100_000)
    ap.add_argument("--bolt-heap", default="2g", help="Neo4j JVM heap")
    ap.add_argument("--bolt-timeout", type=float, default=3600)
    ap.add_argument("--nx-sizes", default=None,
                    help="bank sizes for the networkx comparison (default 100000 and --customers)")
    ap.add_argument("--nx-algorithms", default=",".join(NX_ALGORITHMS))
    ap.add_argument("--nx-timeout", type=float, default=600, help="seconds per networkx step")
    ap.add_argument("--api-requests", type=int, default=2000,
                    help="requests per endpoint with 1 client (x4 with 32 clients)")
    ap.add_argument("--api-seconds", type=float, default=30, help="time bound per run")
    ap.add_argument("--api-ids", type=int, default=5000, help="distinct customers looked up")
    ap.add_argument("--profile", action="store_true",
                    help="run each child step under pyinstrument (the `bench` extra); profiles "
                    "go to WORK_DIR/profiles/ and the timings are not comparable")
    args = ap.parse_args(argv)
    args.only = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = set(args.only) - set(BENCHMARKS)
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    sizes = args.nx_sizes or f"{min(100_000, args.customers)},{args.customers}"
    args.nx_sizes = sorted({int(s) for s in sizes.split(",") if s.strip()})
    args.nx_algorithms = [a.strip() for a in args.nx_algorithms.split(",") if a.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bench = Bench(args)
    if args.profile:
        _bench.PROFILE_DIR = bench.work / "profiles"
    log(f"guanxi benchmarks {', '.join(args.only)} on {args.customers:,} customers "
        f"(seed {args.seed}); work folder {bench.work}; {conditions()}")
    for name in BENCHMARKS:
        if name in args.only:
            getattr(bench, f"bench_{name}")()
            report.write_markdown(bench.results)
    log(f"results in {bench.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
