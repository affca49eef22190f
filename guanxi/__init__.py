"""guanxi (关系): a graph analyzer for banks.

The product layout keeps ``graph/``, ``loaders/``, ``algorithms/``, ``api/`` and ``viz/``
at the top of the repository; they are installed as ``guanxi.graph``, ``guanxi.loaders``
and so on. This package holds what they share: settings, the exception tree and the CLI.
"""

__version__ = "0.1.0"
