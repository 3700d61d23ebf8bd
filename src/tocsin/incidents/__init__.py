"""Incidents: the incident state machine (``lifecycle``), its timeline, signed
one-click links, due escalations (``paging``), post-mortems, on-call schedules
and escalation policies.

Layer 4: imports accounts, store, config and lib; never another domain (the
worker and web build notify Messages from it). The logic (who is on call,
which escalation steps are due) is pure and takes the time as a parameter, so
a worker can drive it on a fake clock.
"""
