"""The review report: one self-contained HTML file (or the same content in Markdown).

The content is written once, in Markdown (verdict, SPOFs, cut sets, illusory
redundancy, complexity, and "what if" for the components with the largest blast
radius); the HTML page is that Markdown rendered by markdown-it with raw HTML
disabled, so inventory text can only ever be text, plus inline CSS and the
diagram as inline SVG.  Nothing is fetched from the network.

>>> page = html({"inventory": "x<y>", "markdown": "# Report\\n\\n<img src=x onerror=alert(1)>\\n", "svg": None})
>>> "<img" in page, "&lt;img src=x onerror=alert(1)&gt;" in page
(False, True)
"""

from __future__ import annotations

import html as htmlmod
import re
from typing import Any

from markdown_it import MarkdownIt

from graphanalyzer.render import markdown

#: Rows of each table a report shows (all of them are in --format json).
MOST = 40

_CSS = """
body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1c2833;
       max-width: 1100px; margin: 2em auto; padding: 0 1.5em; }
h1 { border-bottom: 3px solid #2e86c1; padding-bottom: .3em; }
h2 { margin-top: 2em; border-bottom: 1px solid #d5dbdb; padding-bottom: .2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 14px; }
th, td { border: 1px solid #d5dbdb; padding: .3em .7em; text-align: left; vertical-align: top; }
th { background: #eaf2f8; }
tr:nth-child(even) td { background: #fbfcfc; }
td:nth-child(n+2) { font-variant-numeric: tabular-nums; }
code { background: #f4f6f7; padding: .1em .3em; border-radius: 3px; }
ul ul { margin: 0; }
figure { margin: 1em 0; overflow: auto; border: 1px solid #d5dbdb; border-radius: 6px; padding: .5em; }
figure svg { max-width: 100%; height: auto; }
.verdict { font-size: 1.15em; background: #fef9e7; border-left: 5px solid #f5b041; padding: .6em 1em; }
footer { margin-top: 3em; color: #7f8c8d; font-size: 13px; }
"""


def markdown_report(data: dict[str, Any]) -> str:
    """The report in Markdown, for a pull-request comment."""
    parts = [f"# Design review: `{markdown.cell(data['inventory'])}`", ""]
    parts.append(f"> {markdown.cell(data['complexity']['verdict'])}")
    parts.append("")
    parts.append(markdown.spof(data["spof"], most=MOST))
    parts.append(markdown.complexity(data["complexity"], most=MOST))
    if data["what_if"]:
        parts.extend(["## What if", "", "The components with the largest blast radius, unplugged one at a time.", ""])
        for result in data["what_if"]:
            parts.append(markdown.unplug(result).replace("\n## ", "\n### ", 1).replace("## ", "### ", 1))
    if data.get("diagram_note"):
        parts.extend(["", f"*Diagram: {markdown.cell(data['diagram_note'])}*", ""])
    return "\n".join(parts)


def html(data: dict[str, Any]) -> str:
    """A self-contained HTML page: the Markdown report rendered safely, the diagram inlined."""
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    body = renderer.render(data["markdown"])
    body = body.replace("<blockquote>", '<blockquote class="verdict">', 1)
    figure = ""
    if data.get("svg"):
        figure = f"<h2>Diagram</h2>\n<figure>{_inline(data['svg'])}</figure>\n"
    elif data.get("diagram_note"):
        figure = f"<h2>Diagram</h2>\n<p>{htmlmod.escape(data['diagram_note'])}</p>\n"
    title = htmlmod.escape(f"graphanalyzer: {data['inventory']}")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"{_first_section(body, figure)}"
        "<footer>Made by graphanalyzer. Failure semantics: a component is down if it is unplugged or a requirement "
        "is down; a group needs at least k of its members.</footer>\n</body>\n</html>\n"
    )


def _first_section(body: str, figure: str) -> str:
    """The diagram goes after the verdict, before the tables."""
    marker = "</blockquote>"
    if figure and marker in body:
        head, tail = body.split(marker, 1)
        return head + marker + "\n" + figure + tail
    return body + figure


def _inline(svg: str) -> str:
    """Graphviz's SVG without its XML prolog, doctype and comments, ready to sit in HTML."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg)
    return re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL).strip()
