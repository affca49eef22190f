"""The files every view inlines, and the helpers that make inlining safe.

Nothing here is fetched: vis-network's JavaScript and CSS are the copies pyvis ships
inside its package (``pyvis/lib/vis-9.1.2``), read with :mod:`importlib.resources`
and inlined into every page. pyvis's own templates would link those files or pull them
from a CDN (its ``cdn_resources`` options), which does not open offline.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from guanxi.errors import ConfigError

__all__ = [
    "VIS_NETWORK_VERSION",
    "CONTENT_SECURITY_POLICY",
    "vis_network_js",
    "vis_network_css",
    "script_json",
    "css_length",
]

#: version of the vis-network bundle pyvis ships (``pyvis/lib/vis-9.1.2``)
VIS_NETWORK_VERSION = "9.1.2"

#: every page guanxi writes carries this policy in a ``<meta>`` tag: scripts and styles
#: only from the page itself, images only as ``data:`` URIs, and no connection, font,
#: frame or form target anywhere. Even a script that tried to fetch something would be
#: refused by the browser, so a view cannot leak a request when it is opened.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; connect-src 'none'; font-src 'none'; frame-src 'none'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'"
)

_SCRIPT_END = re.compile(r"</script|<!--", re.IGNORECASE)


#: pyvis ships vis-network's standalone build inside its package; guanxi inlines that
#: copy (pyvis's own templates would link it, or fetch it from a CDN)
_PYVIS_VIS_DIR = ("lib", "vis-9.1.2")


def _pyvis_file(name: str) -> str:
    try:
        path = resources.files("pyvis").joinpath(*_PYVIS_VIS_DIR, name)
        text = path.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise RuntimeError(
            f"pyvis's bundled vis-network ({'/'.join(_PYVIS_VIS_DIR)}/{name}) is missing: "
            "reinstall guanxi's dependencies (pip install pyvis)"
        ) from exc
    if _SCRIPT_END.search(text) or "</style" in text.lower():
        raise RuntimeError(f"{name} cannot be inlined: it contains '</script', '</style' or '<!--'")
    return text


@cache
def vis_network_js() -> str:
    """vis-network's standalone bundle as shipped inside pyvis, ready to inline in a
    ``<script>`` (about 470 kB).

    Raises
    ------
    RuntimeError
        If pyvis or the file is missing, or the file contains a sequence that would end
        or confuse an inline element.
    """
    return _pyvis_file("vis-network.min.js")


@cache
def vis_network_css() -> str:
    """vis-network's stylesheet as shipped inside pyvis (its images are ``data:`` URIs)."""
    css = _pyvis_file("vis-network.css")
    if re.search(r"url\((?!\s*[\"']?data:)", css):
        raise RuntimeError("vis-network.css refers to a file or URL; it cannot be inlined offline")
    return css


_JSON_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")


def script_json(obj) -> str:
    """JSON text that is safe to place inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` (and the line separators U+2028/U+2029) are written as
    ``\\uXXXX`` escapes, so no value can close the element (``</script>``), open an HTML
    comment or be read as markup; ``JSON.parse`` gives back the original strings.

    Parameters
    ----------
    obj : object
        Anything :func:`json.dumps` accepts. NaN and infinities are refused.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``obj`` holds NaN or an infinity (they are not JSON).

    Examples
    --------
    >>> script_json({"label": "</script><b>&"})
    '{"label":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # These characters can only occur inside JSON strings, where \uXXXX means the same.
    return _JSON_UNSAFE_RE.sub(lambda m: _JSON_UNSAFE[m.group()], text)


_CSS_LENGTH = re.compile(r"^\d+(\.\d+)?(px|vh|vw|%|em|rem)$")


def css_length(value: str | int | float, *, name: str = "height") -> str:
    """A CSS length checked against a small grammar (``800px``, ``90vh``, ``100%``).

    Parameters
    ----------
    value : str, int or float
        A number is taken as pixels.
    name : str
        What to call the value in the error message.

    Returns
    -------
    str

    Raises
    ------
    ConfigError
        If ``value`` is not a plain positive length.

    Examples
    --------
    >>> css_length(600), css_length("85vh")
    ('600px', '85vh')
    """
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a CSS length such as '800px', not {value!r}")
    if isinstance(value, int | float):
        value = f"{value:g}px"
    text = str(value).strip()
    if not _CSS_LENGTH.match(text):
        raise ConfigError(f"{name} must be a CSS length such as '800px' or '90vh', not {value!r}")
    return text
