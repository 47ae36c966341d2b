"""Free text from exports made readable: HTML entities decoded, summaries cut to a sentence.

Both run over a million notes, so the common case is done with pyarrow's vectorised string
kernels and only the odd rows (rare entities, very long first sentences) go through Python.
Only entities are decoded: tags such as <script> stay as text and are escaped wherever shown.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.ingest.formats.vector import arrow_text, as_series
from dashboard.ingest.readcsv import STR

SUMMARY_LIMIT = 300
SENTENCE_MIN = 20  # a "sentence" shorter than this is an abbreviation ("Approx. 20 men")
# Decoded in this order; &amp; last so that "&amp;lt;" becomes "&lt;", as html.unescape does.
COMMON_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"),
                   ("&#039;", "'"), ("&apos;", "'"), ("&#34;", '"'), ("&nbsp;", " "),
                   ("&amp;", "&"))
ENTITY = r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);"
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def readable(values: pd.Series) -> pd.Series:
    """``values`` with HTML entities (&amp; &#39; &eacute;) turned into the text they stand for.

    Only rows holding "&" are touched; the common entities are replaced in bulk and rows with
    any other entity go through html.unescape.
    """
    text = arrow_text(values)
    has = pc.match_substring(text, "&")
    if not pc.any(has).as_py():
        return values.astype(STR)
    text, has = text.combine_chunks(), has.combine_chunks()  # replace_with_mask needs arrays
    subset = pc.filter(text, has)
    common_only = subset
    decoded = subset
    for entity, character in COMMON_ENTITIES:
        common_only = pc.replace_substring(common_only, entity, "")
        decoded = pc.replace_substring(decoded, entity, character)
    rare = pc.match_substring_regex(common_only, ENTITY)
    if pc.any(rare).as_py():
        fixed = [html.unescape(t) for t in pc.filter(subset, rare).to_pylist()]
        decoded = pc.replace_with_mask(decoded, rare, pa.array(fixed, pa.large_string()))
    return as_series(pc.replace_with_mask(text, has, decoded))


def first_sentence(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """The first sentence, or the first ``limit`` characters cut at a word, for a summary."""
    text = " ".join(text.split())
    match = _SENTENCE_END.search(text, SENTENCE_MIN)
    if match and match.end() <= limit:
        return text[: match.end()]
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def summaries(values: pd.Series, limit: int = SUMMARY_LIMIT) -> pd.Series:
    """:func:`first_sentence` of every value: split at the first ". " in bulk, and redo in
    Python the rows where that is not enough (no split, a split too early or too late)."""
    text = pc.utf8_trim_whitespace(arrow_text(values))
    head = pc.list_element(pc.split_pattern(text, ". ", max_splits=1), 0)
    split = pc.not_equal(pc.utf8_length(head), pc.utf8_length(text))
    dot, nothing = pa.scalar(".", head.type), pa.scalar("", head.type)
    head = pc.if_else(split, pc.binary_join_element_wise(head, dot, nothing), head)
    size = pc.utf8_length(head).to_numpy(zero_copy_only=False)
    odd = (size > limit) | ((size < SENTENCE_MIN) & split.to_numpy(zero_copy_only=False))
    odd |= pc.match_substring_regex(head, r"[\n\r\t]|  |[!?]\s").to_numpy(zero_copy_only=False)
    result = as_series(head)
    rows = np.flatnonzero(odd)
    if len(rows):
        result.iloc[rows] = [first_sentence(t, limit) for t in values.iloc[rows]]
    return result
