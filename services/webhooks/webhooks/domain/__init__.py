"""Webhooks and the feed with no I/O: one module per resource, the same names in every layer.

Objects are built from their rows by `servelo_common.sql.FromRow`.
"""
