"""The events in memory and the questions asked of them.

Owns the EventStore and its indexes, the facets (counts per type, region, period), the query
(date range, box, actors, types, text), the view the app and the exports draw, and the timeline.

May import: model, books, mapping (popup's date label, for the event list).
"""
