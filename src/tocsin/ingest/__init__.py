"""Sentry wire intake: what the SDKs send, checked and made durable fast.

Owns authentication of DSN keys on requests, the envelope format, content
decoding with limits applied after decompression, rate limits and quotas, and
the durable spool the digest reads from. Heavy work never happens here: an
envelope is checked, spooled, acknowledged. Imports accounts, store, config, lib.
"""
