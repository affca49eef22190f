"""The ``guanxi`` commands, one module per kind of work (registered on
:data:`guanxi.console.app` when imported by :mod:`guanxi.cli`)."""
