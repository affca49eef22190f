"""``guanxi bench``: the benchmark scripts run and write their results (no timing is
asserted anywhere: speed targets live in benchmarks/, never in tests)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from guanxi.cli import app

runner = CliRunner()


def test_bench_help():
    result = runner.invoke(app, ["bench", "--help"])
    assert result.exit_code == 0
    assert "benchmarks/run.py" in result.output


@pytest.mark.slow
def test_bench_writes_json_and_markdown(tmp_path):
    results = tmp_path / "results"
    result = runner.invoke(
        app,
        [
            "bench",
            "--customers",
            "1000",
            "--only",
            "generate,load",
            "--work-dir",
            str(tmp_path / "work"),
            # passed on to benchmarks/run.py
            "--results-dir",
            str(results),
            "--bolt-customers",
            "1000",
            "--nx-sizes",
            "1000",
            "--repeat",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    load = json.loads((results / "load.json").read_text())
    assert load["machine"]["cpus"] >= 1
    assert len(load["machine"]["loadavg"]) == 3
    end_to_end = load["measurements"][0]
    assert end_to_end["exit_code"] == 0
    assert end_to_end["rows"] > 1000
    assert {"wall_s", "cpu_s", "peak_rss_mb", "loadavg_before"} <= set(end_to_end)
    assert len(end_to_end["median_of"]) == 2  # every run kept beside the median
    phases = load["measurements"][1]["child"]["phases"]
    assert list(phases) == ["open store", "read", "validate", "write"]
    markdown = (results / "RESULTS.md").read_text()
    assert "| generate |" in markdown and "load avg" in markdown


def test_bench_fails_cleanly_on_a_bad_option(tmp_path):
    result = runner.invoke(app, ["bench", "--only", "nonsense", "--work-dir", str(tmp_path)])
    assert result.exit_code != 0
