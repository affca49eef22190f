"""Commands that serve and draw: view, serve, bench."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from guanxi.console import (
    StoreOption,
    app,
    err,
    errors_to_exit,
    open_target,
    out,
)
from guanxi.errors import ConfigError
from guanxi.settings import get_settings


# -- view ----------------------------------------------------------------------------
class ViewKind(StrEnum):
    customer = "customer"
    group = "group"
    circle = "circle"
    cascade = "cascade"
    community = "community"
    overview = "overview"


@app.command()
def view(
    kind: Annotated[ViewKind, typer.Argument(help="What to draw.")],
    key: Annotated[
        str | None,
        typer.Argument(
            help="Customer id (customer, cascade), group, circle or community id; none for "
            "overview.",
            show_default=False,
        ),
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="The HTML file (default: KIND-ID.html here).")
    ] = None,
    store: StoreOption = None,
    hops: Annotated[
        int, typer.Option(help="Customer view: hops around the customer.", min=1, max=3)
    ] = 2,
    max_nodes: Annotated[
        int, typer.Option(help="Above this many nodes the view is cut, with a note.", min=10)
    ] = 2000,
) -> None:
    """Write an interactive HTML view that opens offline (no network needed).

    Group, circle, cascade and overview views draw the published analysis run as stored
    (guanxi analyze); before any run they exit with code 8.
    """
    from guanxi.limits import MAX_NODES
    from guanxi.service import GraphService
    from guanxi.viz import view_filename, write_view

    with errors_to_exit():
        if kind != ViewKind.overview and not key:
            raise ConfigError(f"guanxi view {kind.value} needs an id")
        with open_target(store) as target, GraphService.from_store(target) as service:
            service.refresh()
            builders = {
                ViewKind.customer: lambda: service.network(key, hops=hops, limit=max_nodes),
                ViewKind.group: lambda: service.group_view(key),
                ViewKind.circle: lambda: service.circle_view(key),
                ViewKind.cascade: lambda: service.cascade_view(key, max_nodes=max_nodes),
                ViewKind.community: lambda: service.community_view(
                    key, limit=min(max_nodes, MAX_NODES)
                ),
                ViewKind.overview: lambda: service.overview_view(limit=max_nodes),
            }
            built = builders[kind]()
            for note in service.snapshot.notes:  # data loaded since the run read it
                err.print(f"note: {note}", highlight=False, soft_wrap=True)
        render_kind = "network" if kind in (ViewKind.customer, ViewKind.community) else kind.value
        path = out_file or Path(view_filename(kind.value, key or "influencers"))
        write_view(built, path, kind=render_kind, max_nodes=max_nodes)
        out.print(
            f"{built.title}: {len(built.nodes):,} nodes, {len(built.edges):,} links"
            + (f" ({built.omitted_nodes:,} not shown)" if built.omitted_nodes else "")
            + f" -> {path}",
            highlight=False,
        )


# -- serve ---------------------------------------------------------------------------
@app.command()
def serve(
    store: StoreOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="Local development: start even with no API key configured (a throw-away "
            "admin key is printed). Loopback only.",
        ),
    ] = False,
    create_key: Annotated[
        str | None,
        typer.Option(
            "--create-key",
            metavar="NAME",
            help="Create an API key for NAME with --role, print it once, and exit.",
        ),
    ] = None,
    role: Annotated[
        str,
        typer.Option(help="Role of the key made by --create-key: risk, marketing, analyst, admin."),
    ] = "analyst",
    keys_file: Annotated[
        Path | None,
        typer.Option(
            "--keys-file",
            help="API keys file (or GUANXI_API_KEYS_FILE; default: beside the embedded "
            "store, guanxi.keys.json).",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API for risk officers, marketers and analysts (docs at /docs).

    Every request needs an API key (Authorization: Bearer KEY); make one with
    --create-key NAME --role ROLE. Reads are served from a snapshot of the store, so
    `guanxi load` can run beside the server (POST /api/v1/analyses/refresh to re-read).
    """
    from guanxi.errors import ConfigError

    with errors_to_exit():
        update: dict = {}
        if store:
            update["store"] = store
        if keys_file is not None:
            update["api_keys_file"] = keys_file
        if dev:
            update["api_dev"] = True
        settings = get_settings().model_copy(update=update)
        if create_key is not None:
            from guanxi.api.security import create_api_key

            path = settings.api_keys_path()
            key = create_api_key(create_key, role, path)
            err.print(
                f"API key for {create_key} (role {role}) added to {path}. "
                "It is shown only now; keep it secret:",
                highlight=False,
            )
            out.print(key, highlight=False, soft_wrap=True)
            return
        if settings.api_dev and host not in ("127.0.0.1", "localhost", "::1"):
            raise ConfigError(
                "--dev starts without configured API keys and is for this machine only: "
                "use --host 127.0.0.1"
            )
        import uvicorn

        from guanxi.api.app import create_app
        from guanxi.api.security import ApiKeys

        keys = ApiKeys.from_settings(settings)
        if not len(keys) and settings.api_dev:
            dev_key = keys.add_ephemeral("dev", "admin")
            err.print(
                f"[yellow]development mode:[/] no API key in {settings.api_keys_path()}; "
                f"throw-away admin key for this run:\n  {dev_key}",
                highlight=False,
            )
        application = create_app(settings, keys=keys)
        err.print(
            f"Serving {settings.store} on http://{host}:{port}/api/v1 (docs: /docs); "
            f"audit log {settings.audit_log_path()}",
            highlight=False,
        )
        uvicorn.run(application, host=host, port=port, log_level="info")


# -- bench ---------------------------------------------------------------------------
@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(
    ctx: typer.Context,
    customers: Annotated[
        int, typer.Option(help="Size of the benchmark bank.", min=1000)
    ] = 1_000_000,
    only: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated benchmarks: generate, load, load_bolt, analyze, networkx, "
            "api, views (default: all).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generated bank.")] = 1,
    work_dir: Annotated[
        Path | None,
        typer.Option(
            "--work-dir",
            help="Where generated banks and stores are kept (default $TMPDIR/guanxi-bench).",
        ),
    ] = None,
) -> None:
    """Benchmark guanxi at bank scale; write benchmarks/results/*.json and RESULTS.md.

    Runs benchmarks/run.py of a source checkout. Other options (--nx-timeout, --bolt-customers, --results-dir, ...) are passed on to it: python benchmarks/run.py --help.
    """
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
    with errors_to_exit():
        if not script.is_file():
            raise ConfigError(
                f"guanxi bench runs benchmarks/run.py of a source checkout, and {script} "
                "is not there: run it from a clone of the guanxi repository"
            )
        argv = [sys.executable, str(script), "--customers", str(customers), "--seed", str(seed)]
        if only:
            argv += ["--only", only]
        if work_dir is not None:
            argv += ["--work-dir", str(work_dir)]
        code = subprocess.call([*argv, *ctx.args])
        if code:
            raise typer.Exit(code)
