"""Text from the CRM, the ERP or the URL, made safe to show: it reads as the words it is, never as markup.

Streamlit renders Markdown (links, images, emphasis, `:red[...]` colours, `:material/...:` icons, `$...$`
math) in markdown, captions, alerts, metric labels, expander labels and dialog texts; Plotly renders HTML
tags in chart labels and hover text. A company named `[Reset your password](https://evil)` must show as
those characters, not as a link. So every such value goes through `md` (or `plot` for charts) where it is
put into a string the page renders; our own formatting around it stays Markdown.
"""

from __future__ import annotations

import html
import re

from dashboard.format import text

# CommonMark lets a backslash escape any ASCII punctuation; these are the ones that start markup here,
# ":" included (emoji and icon shortcodes, colour directives) and "$" (math).
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'])")
_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029]+")


def md(value: object) -> str:
    """`value` as text that Markdown shows literally, on one line (an em dash when empty)."""
    return _MARKUP.sub(r"\\\1", _LINE_BREAKS.sub(" ", text(value)))


def plot(value: object) -> str:
    """`value` as text a Plotly label or hover shows literally (HTML escaped, on one line)."""
    return html.escape(_LINE_BREAKS.sub(" ", text(value)), quote=True)
