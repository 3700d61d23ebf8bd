"""Persistence: engines (SQLite default, PostgreSQL), schema and migrations,
the batched writer (group commit), the signals outbox and leases.

Layer 6: imports config and lib only. Knows tables, not domain rules: the
domains above decide what to write; the store makes it durable and shared.
"""
