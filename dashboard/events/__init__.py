"""The events in memory and the questions asked of them.

Owns the EventStore and its indexes, the facets (counts per type, region, period), the query
(date range, box, actors, types, text), the view the app and the exports draw, the timeline,
and the one composition of a map (``scene``: a MapSpec turned into the fixed map and its layers,
for the app and for every exported map alike).

May import: model, books, mapping.
"""
