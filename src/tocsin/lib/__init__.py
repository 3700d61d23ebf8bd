"""Framework-free helpers: the clock, durations, signing, outbound timing.

Owns nothing stateful and imports nothing from tocsin: every other package may
use it. Keep each helper a small module named after the one thing it does.
"""
