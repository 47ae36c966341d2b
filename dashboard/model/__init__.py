"""The model: small pure types and helpers every layer shares.

Owns the event schema (columns, event types, precisions), problems (file:line: field: reason),
dates and their precision, text folding and escaping, places, and atomic file writes.

May import: nothing of the package but ``dashboard`` itself (its paths). Every layer may import it.
"""
