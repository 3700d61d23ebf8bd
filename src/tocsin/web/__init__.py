"""HTTP: the REST API, ping URLs, health and metrics endpoints, the set-up,
sign-in and project settings pages, and the one-click incident links (/act).

Layer 2 (composition root): may import every domain below it, never the worker.
Routes translate HTTP into domain calls and back; no domain rule lives here.
"""
