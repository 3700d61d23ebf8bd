"""Tocsin: self-hosted monitoring and alerting for small web teams.

Layers (a package imports only from layers below it; see docs/architecture.md):
cli > web, worker > alerting, statuspage > checks, ingest, issues, incidents,
notify > accounts > store > config > lib.
"""

__version__ = "0.1.0"
