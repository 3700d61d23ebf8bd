"""Probe kinds, one module each; ``registry.py`` maps a kind name to its module."""
