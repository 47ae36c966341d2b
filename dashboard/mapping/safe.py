"""The only ways text from a user, a file or a URL reaches a page: as text, as data, never as code.

A summary, an actor name, a file name or a URL parameter is the user's text. It reaches a page in
exactly three ways, and this module (with the ui's plain-text widgets) owns them:

1. **As text content**: HTML-escaped by :func:`esc` into HTML that no template engine renders
   afterwards (Leaflet tooltips and popups, the record panel, an export's header), or set as a
   DOM node's ``textContent`` by a script of ours.
2. **As JSON data that the page's own script reads**: :func:`script_json`, inside a script that
   an element of ours writes. The data is never spliced into JavaScript source or a template
   literal: folium's ``Popup`` puts its HTML into a JS template literal (``${...}`` runs), so it is
   not used.
3. **As a plain-text widget** in the Streamlit app (``dashboard.ui.plain``), never Markdown.

What must never see user text: Jinja (branca renders every ``Element`` and every macro's output
as a template: ``{{7*7}}`` became 49 and ``{{ cycler.__init__... }}`` ran on the server),
Markdown (images fetch, links phish), unescaped ``st.html`` and JavaScript source.
:class:`RawHtml` and :class:`DataScript` are branca elements that put their text on the page
without any template pass, so that data inside them stays data.
"""

from __future__ import annotations

import html
import json
from typing import Any

from branca.element import Element, Figure, MacroElement


def esc(value: object) -> str:
    """HTML-escape anything that came from data; None and NaN become an empty string."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)


def script_json(value: object) -> str:
    """JSON to place inside a ``<script>`` as a value the script reads.

    "</" and "<!--" cannot end or bend the script element; U+2028/9 are escaped for old parsers;
    the result is still valid JSON.
    streamlit-folium rewrites the scripts it sends, turning ``{{'name'}}`` into ``name`` and
    renaming ``_<hex id>`` words: "{" and "_" are escaped as \\u007b and \\u005f so that no text
    in the data can look like either (JSON decodes them back to the same characters).
    """
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), allow_nan=False)
    return (text.replace("</", "<\\/").replace("<!--", "\\u003c!--").replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029").replace("{{", "{\\u007b").replace("_", "\\u005f"))


class RawHtml(Element):
    """HTML (already escaped where it holds data) added to a page as it is, with no template pass.

    branca's ``Element(text)`` compiles ``text`` as a Jinja template when rendered."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHtml"
        self.text = text

    def render(self, **kwargs: object) -> str:
        """The text itself: nothing in it is evaluated."""
        return self.text


def figure_of(element: Element) -> Figure:
    """The page ``element`` is drawn in: its header, html and script sections (branca types
    ``get_root()`` as a bare Element; an element outside a Figure cannot be rendered at all)."""
    root = element.get_root()
    if not isinstance(root, Figure):
        raise TypeError(f"{type(element).__name__} is not in a page (its root is {type(root).__name__})")
    return root


class DataScript(MacroElement):
    """A macro element whose script is added to the page as plain text.

    branca's ``MacroElement.render`` wraps the script its macro wrote in a new Jinja template,
    which parses the data inside it as template code. Subclasses write their data with
    :func:`script_json` inside a ``script`` macro, as usual; this render adds the macro's output
    unparsed. (streamlit-folium calls the macro directly, which never parsed it twice.)
    """

    def render(self, **kwargs: Any) -> str:
        """Adds the script to the page and renders the children; the element itself is no text
        (as with branca's MacroElement)."""
        script = self._template.module.__dict__["script"](self, kwargs)
        figure_of(self).script.add_child(RawHtml(script), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)
        return ""
