"""Users, roles, projects, API tokens and the first-start set-up link.

Layer 5: imports store, config and lib. Secrets (passwords, tokens) are never
stored in clear: passwords with argon2, tokens as SHA-256 of a random value
(they carry 256 bits of entropy, so a slow hash buys nothing).
"""
