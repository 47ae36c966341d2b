"""The user interface: the Streamlit app, its interaction state (one declared value with pure
transitions) and that state in the URL.

``atlas serve`` runs ``streamlit run dashboard/ui/app.py``; Streamlit reads this folder's
.streamlit/config.toml and serves its static/ (the Leaflet files, copied there when the package is
built: setup.py, mapping.assets) at /app/static/.

The only layer that may import streamlit and streamlit_folium. May import: model, books,
mapping, events, ingest, exports. Nothing imports it.
"""
