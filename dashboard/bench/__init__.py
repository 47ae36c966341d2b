"""The scaling benchmark: synthetic exports from 1k to 1M events, ours against folium's plain way.

Run ``python -m dashboard.bench --help``. Modules: cli (the run and its table), worker (one
measured step per process), payload (st_folium's payload, captured), browser (redraws in Debian's
chromium), sessions (many sessions on the real app), apprun (the served app and its map's
iframe, also the browser tests' runner), table (Markdown output).

Layer rule: may import any layer but ui and the command line; nothing imports it. synth makes the
synthetic exports.
"""
