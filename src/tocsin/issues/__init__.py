"""Digest of spooled Sentry data into what people read: events, issues, releases.

Owns normalisation and scrubbing of events, Sentry-compatible grouping, the
issue state machine (resolve, ignore, regression, merge), releases and
environments, sessions (crash-free rates), performance (transactions and
spans), client reports, search and event retention. Announces new issues,
regressions and event counts as signals. Imports accounts, store, config, lib.
"""
