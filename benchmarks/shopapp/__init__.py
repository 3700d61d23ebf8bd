"""A small fake shop whose code paths fail in 20 distinct ways, for the error-ingest benchmark.

The modules read like a real web shop's domain code (catalog, cart, pricing,
inventory, checkout, payments, emails) so that the real ``sentry-sdk`` builds
realistic events from them: stack traces through several in-app frames with
local variables, chained exceptions, and ``logging.error`` messages with
parameters. ``views`` maps each failure to one request handler and ``web``
wraps a handler the way a framework integration does (request context, user,
tags, breadcrumbs). ``generate`` runs it under ``sentry_sdk.init`` and keeps
the envelopes. Standard library only, apart from ``sentry_sdk`` in ``web`` and
``generate``.
"""
