"""Shared helpers of the benchmark scripts: the machine, child processes, peak memory.

Every measurement runs in a child process of its own, so its peak resident set size
(``ru_maxrss`` from :func:`os.wait4`, the kernel's high-water mark of that process) is
the step's own and nothing else's. The machine is shared: the load average and the CPU
count are recorded beside every measurement, and CPU time (user + system) is reported
with the wall time because it moves much less than wall time when other work runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"

PACKAGES = (
    "guanxi",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "networkx",
    "igraph",
    "duckdb",
    "neo4j",
    "fastapi",
    "uvicorn",
    "httpx",
    "pyvis",
)


# -- the machine ------------------------------------------------------------------
def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def conditions() -> dict:
    """What else the machine was doing: 1/5/15-minute load average and the CPU count."""
    return {"loadavg": load_average(), "cpus": os.cpu_count()}


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    return None


def _git_commit() -> str | None:
    """The checked-out commit and whether the tree has changes (read-only git calls)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
            text=True, timeout=10, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+changes" if dirty else "")


def machine() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gb": _memory_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": versions,
        "commit": _git_commit(),
        "loadavg": load_average(),
    }


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- child processes --------------------------------------------------------------
def run_child(
    argv: list[str],
    *,
    timeout: float | None = None,
    env: dict | None = None,
    log: Path | None = None,
    cwd: Path | None = None,
) -> dict:
    """Run ``argv`` to the end (or kill it after ``timeout`` s) and measure it.

    Returns wall and CPU seconds, the peak RSS of the process (``ru_maxrss``; a
    process's own children, such as a JVM, are not counted), the exit code, whether it
    was killed for time, and the load average before and after.
    """
    before = load_average()
    started = time.perf_counter()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    try:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
            stdin=subprocess.DEVNULL, env=env, cwd=cwd, start_new_session=True,
        )
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - started > timeout:
                timed_out = True
                # the child leads its own session: end it and whatever it started
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            out.close()
    wall = time.perf_counter() - started
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit_code": proc.returncode,
        "timed_out": timed_out,
        "loadavg_before": before,
        "loadavg_after": load_average(),
        "cpus": os.cpu_count(),
    }


#: when set (``run.py --profile``), each child step runs under pyinstrument and writes
#: its profile here (profiling slows the step: its timings are then not comparable)
PROFILE_DIR: Path | None = None


def python_child(script: str, step: str, params: dict, workdir: Path, **kw) -> dict:
    """Run ``benchmarks/<script> STEP PARAMS OUT`` and merge what the child reported."""
    workdir.mkdir(parents=True, exist_ok=True)
    tag = f"{step}-{os.getpid()}-{time.monotonic_ns()}"
    if PROFILE_DIR is not None:
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
        label = params.get("algorithm") or ""
        params = {**params, "_profile": str(PROFILE_DIR / f"{step}{'-' + label if label else ''}.txt")}
    params_path = workdir / f".{tag}.params.json"
    out_path = workdir / f".{tag}.out.json"
    params_path.write_text(json.dumps(params))
    try:
        measured = run_child(
            [sys.executable, str(HERE / script), step, str(params_path), str(out_path)],
            log=workdir / f"{step}.log",
            **kw,
        )
        reported = json.loads(out_path.read_text()) if out_path.exists() else {}
    finally:
        params_path.unlink(missing_ok=True)
        out_path.unlink(missing_ok=True)
    measured["child"] = reported
    return measured


# -- inside a child: phases with their own peak memory ----------------------------
def _status_kb(field: str) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def _reset_peak() -> bool:
    """Reset this process's RSS high-water mark (Linux ``clear_refs`` 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Phases:
    """Wall time, CPU time and peak RSS of successive phases of one process.

    Each phase's peak is the process's RSS high-water mark *during* that phase (reset
    at the phase's start), so it includes whatever earlier phases still hold; the RSS
    at the phase's start is reported beside it. Resetting the mark also resets what
    the parent later reads as ``ru_maxrss``, so :attr:`peak_mb` keeps the true peak
    of the whole process.
    """

    def __init__(self) -> None:
        self.phases: dict[str, dict] = {}
        self._peak_kb = _status_kb("VmHWM") or 0
        self._current: tuple[str, float, float, int] | None = None

    @staticmethod
    def _cpu() -> float:
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    def start(self, name: str) -> None:
        self.stop()
        self._peak_kb = max(self._peak_kb, _status_kb("VmHWM") or 0)
        rss = _status_kb("VmRSS") or 0
        _reset_peak()
        self._current = (name, time.perf_counter(), self._cpu(), rss)

    def stop(self) -> None:
        if self._current is None:
            return
        name, t0, c0, rss0 = self._current
        hwm = _status_kb("VmHWM") or 0
        self._peak_kb = max(self._peak_kb, hwm)
        self.phases[name] = {
            "wall_s": round(time.perf_counter() - t0, 3),
            "cpu_s": round(self._cpu() - c0, 3),
            "rss_at_start_mb": round(rss0 / 1024, 1),
            "peak_rss_mb": round(hwm / 1024, 1),
            "loadavg_after": load_average(),
        }
        self._current = None

    @contextlib.contextmanager
    def phase(self, name: str):
        self.start(name)
        try:
            yield
        finally:
            self.stop()

    @property
    def peak_mb(self) -> float:
        return round(max(self._peak_kb, _status_kb("VmHWM") or 0) / 1024, 1)


def child_main(steps: dict) -> None:
    """Entry point of a child script: ``script STEP PARAMS_JSON OUT_JSON``."""
    step, params_path, out_path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    params = json.loads(params_path.read_text())
    profile = params.pop("_profile", None)
    if profile:
        from pyinstrument import Profiler  # the `bench` extra

        profiler = Profiler(interval=0.005)
        profiler.start()
        try:
            result = steps[step](params)
        finally:
            profiler.stop()
            Path(profile).write_text(profiler.output_text(unicode=False, color=False))
        result["profiled"] = profile
    else:
        result = steps[step](params)
    result.setdefault("loadavg_end", load_average())
    Path(out_path).write_text(json.dumps(result, default=str))


# -- results ----------------------------------------------------------------------
def write_result(name: str, payload: dict, results_dir: Path = RESULTS) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.json"
    path.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    return path
