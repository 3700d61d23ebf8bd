"""Incidents: on-call schedules and escalation policies (the incident state
machine, timeline and post-mortems join them here later).

Layer 4: imports accounts, store, config and lib; never another domain. The
logic (who is on call, which escalation steps are due) is pure and takes the
time as a parameter, so a worker can drive it on a fake clock.
"""
