"""The app's plain-text widgets: text from a user, a file or a URL shown as text, never Markdown.

Streamlit renders the body of ``st.markdown``, ``st.warning``, ``st.error``, ``st.info``,
``st.caption``, an expander's label and a progress bar's text as Markdown: ``![t](http://...)``
in a URL parameter made the browser fetch an image and ``[log in](http://...)`` put a live link in
the header. Anything that may hold the user's text goes through these helpers, which escape it
into HTML (:func:`dashboard.mapping.safe.esc`) that no template or Markdown pass reads afterwards. Labels
of Streamlit's Markdown widgets are kept to our own words.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.mapping.safe import esc

Tone = Literal["note", "info", "warning", "error"]

CSS = """
.atlas-msg{padding:.45rem .8rem;border-radius:.4rem;margin:.15rem 0 .35rem;font-size:.95rem;
 line-height:1.45;overflow-wrap:anywhere;white-space:pre-wrap}
.atlas-msg.note{padding:.1rem 0;margin:0}
.atlas-msg.info{background:rgba(28,131,225,.1);color:#004280}
.atlas-msg.warning{background:rgba(255,193,7,.16);color:#6b4e00}
.atlas-msg.error{background:rgba(255,43,43,.09);color:#7d0000}
.atlas-msg b{font-weight:600}
"""


def plain(text: str, *, tone: Tone = "note", strong: str = "", where: DeltaGenerator | None = None) -> None:
    """``strong`` (bold) then ``text``, as text content in a box of the given tone (``where``: a
    placeholder to fill instead of the page's next slot)."""
    head = f"<b>{esc(strong)}</b>" if strong else ""
    (where or st).html(f'<div class="atlas-msg {tone}">{head}{esc(text)}</div>')
