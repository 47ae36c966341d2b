"""The map: folium maps and layers drawn from frames of events it is handed.

Owns where a map looks (``framing``: the fit, zoom and camera rules), the basemap, the event
layers (markers, clusters, heat, governorate shading, places), the point layer, labels, grid
aggregation, popups and tooltips, colours (the colour modes) and legends, and the local Leaflet
assets (served to the app, inlined into exports). It never queries: the events come in.

May import: model, books.
"""
