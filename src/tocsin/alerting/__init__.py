"""Alerting: rules over every signal, alerts (pending → firing → resolved),
grouping and its timers, silences, maintenance windows and dependencies.

Claims signals from ``store.signals`` and hands ``notify`` plain Messages. May
import checks, issues, incidents, notify, accounts, store, config and lib.
"""
