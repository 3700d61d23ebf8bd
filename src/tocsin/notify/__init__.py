"""Notifications: a Message delivered to channels, through a durable outbox.

Owns channels (webhook, e-mail, Apprise, Slack, Discord), one transport module
per kind, the deliveries outbox with retries and rate limits, and the log of
attempts. It never learns what a check, issue or incident is: callers hand it
a ``Message``. May import store, config and lib only.
"""
