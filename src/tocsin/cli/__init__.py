"""The ``tocsin`` command: serve, web, worker, migrate, check-config, apply,
export, createuser. Layer 1: may import anything; nothing imports it.
"""
