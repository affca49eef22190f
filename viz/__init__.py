"""Self-contained HTML views and the analysis report.

Every page guanxi writes is one file that opens with no network at all: vis-network
(vendored in ``viz/static/``), the page's own script and style, and the data are inlined,
and a Content-Security-Policy forbids any request. Labels and text use the desktop's own
fonts, Chinese ones included (:data:`guanxi.viz.styles.FONT_STACK`); cascades and the
overview are laid out before the page opens (:mod:`guanxi.viz.layout`), and big views
start with sets of nodes collapsed into one (:mod:`guanxi.viz.aggregate`).
"""

from .report import render_report, write_report
from .views import (
    DEFAULT_AGGREGATE_ABOVE,
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
    "DEFAULT_AGGREGATE_ABOVE",
    "render_view",
    "write_view",
    "view_filename",
    "render_report",
    "write_report",
]
