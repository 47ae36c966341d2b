"""The books: reference data read from dashboard/data/.

Owns the actors (aliases, parents, coalitions), the sources (articles and their text), the
gazetteer (places.geojson), the regions (the basemap's governorates) and the place names drawn
on the map.

May import: model.
"""
