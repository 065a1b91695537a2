"""Text from the systems or the URL shows as text: Markdown and HTML in it are escaped, not rendered."""

from __future__ import annotations

from markdown_it import MarkdownIt

from dashboard.ui.escape import md, plot

PARSER = MarkdownIt("commonmark").enable(["strikethrough", "table"])
ATTACKS = [
    "[Reset your password](https://evil.example/reset)",
    "![p](https://evil.example/pixel.png)",
    "<img src=x onerror=alert(1)>",
    "**bold** _em_ `code` ~~gone~~",
    ":red[alarm] :material/warning: $x^2$",
    "# Heading\n- item\n1. item",
]


def test_markdown_from_data_renders_as_its_own_characters() -> None:
    for attack in ATTACKS:
        rendered = PARSER.renderInline(md(attack))
        for tag in ("<a ", "<img", "<strong>", "<em>", "<code>", "<s>", "<h1>", "<li>"):
            assert tag not in rendered, (attack, rendered)
        # what a person sees is what the source holds (line breaks become spaces)
        assert rendered.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace(
            "&amp;", "&"
        ) == " ".join(attack.split("\n"))


def test_plot_labels_escape_html() -> None:
    assert (
        plot('Acme <a href="https://evil">click</a>')
        == "Acme &lt;a href=&quot;https://evil&quot;&gt;click&lt;/a&gt;"
    )
    assert plot(None) == "—"
