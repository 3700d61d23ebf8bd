"""Monitors: probes (one module per kind), heartbeats, scheduling, state, rollups.

Owns the monitor, result, state-change, heartbeat and ping tables' behaviour.
May import accounts, store, config and lib; never another domain. Announces
every state change by appending a signal to the store's outbox.
"""
