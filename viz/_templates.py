"""The jinja2 environment and the package files the pages inline."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import jinja2

__all__ = ["environment", "static_text"]

_SCRIPT_END = re.compile(r"</script|</style|<!--", re.IGNORECASE)


def _package_text(*parts: str) -> str:
    return (resources.files(__package__).joinpath(*parts)).read_text(encoding="utf-8")


@cache
def static_text(name: str) -> str:
    """A file of ``viz/static/`` (our own script or stylesheet) to inline in a page.

    Raises
    ------
    RuntimeError
        If the text could end its ``<script>``/``<style>`` element early.
    """
    text = _package_text("static", name)
    if _SCRIPT_END.search(text):
        raise RuntimeError(f"viz/static/{name} cannot be inlined: it contains '</' or '<!--'")
    return text


def _load(name: str) -> str:
    try:
        return _package_text("templates", name)
    except FileNotFoundError:
        raise jinja2.TemplateNotFound(name) from None


@cache
def environment() -> jinja2.Environment:
    """The one jinja2 environment: HTML autoescaping on, undefined names are errors."""
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(_load),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
