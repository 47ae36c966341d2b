"""Ingest: files in, an EventStore out.

Owns reading raw bytes (encodings, BOMs), CSV reading and its checks, the formats (ours, ACLED,
UCDP GED) adapted to our columns, the loader (normalise, resolve places and actors, validate)
and its columnar on-disk cache.

May import: model, books, events.
"""
