"""The user interface: the Streamlit app, its interaction state (one declared value with pure
transitions) and that state in the URL.

``python -m dashboard serve`` runs ``streamlit run dashboard/ui/app.py``; Streamlit serves this
folder's static/ (the Leaflet files, copied there by mapping.assets) at /app/static/.

The only layer that may import streamlit and streamlit_folium. May import: model, books,
mapping, events, ingest, exports. Nothing imports it.
"""
