"""Exports: what users take away.

Owns the downloads (CSV, GeoJSON), the standalone HTML map and its PNG (headless Chromium), and
the ``snapshot`` command.

May import: model, books, mapping, events, ingest.
"""
