"""Self-contained HTML views and the analysis report.

Every page guanxi writes is one file that opens with no network at all: vis-network
(vendored in ``viz/static/``), the page's own script and style, and the data are inlined,
and a Content-Security-Policy forbids any request.
"""

from .report import render_report, write_report
from .views import (
    DEFAULT_MAX_NODES,
    DEFAULT_PHYSICS_SECONDS,
    VIEW_KINDS,
    render_view,
    view_filename,
    write_view,
)

__all__ = [
    "VIEW_KINDS",
    "DEFAULT_MAX_NODES",
    "DEFAULT_PHYSICS_SECONDS",
    "render_view",
    "write_view",
    "view_filename",
    "render_report",
    "write_report",
]
