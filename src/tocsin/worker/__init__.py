"""The long-running loops: run due probes, scan heartbeat deadlines, roll up
results, prune old data, report liveness.

Layer 2 (composition root): may import every domain below it, never web.
"""
