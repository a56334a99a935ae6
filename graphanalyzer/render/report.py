"""The review report: an ordered list of sections, rendered as one self-contained HTML page or as Markdown.

Each section is made by one function from the review's data (see
:mod:`graphanalyzer.analysis.review`) and holds Markdown blocks, parts folded
away (``<details>``) and at most one figure; both renderers read the same
sections, so the page and the pull-request comment never disagree.  The order is
what a review board reads: findings (to fix, by design, accepted), what each
service keeps when it loses a failure domain, the diagram, what if, the details,
and the cut sets as an appendix; then a footer with the tool's version, the date
and the input's digest.  A caller puts its own sections first with
:meth:`Report.first`.

The HTML is the Markdown rendered by markdown-it with raw HTML disabled, so
inventory text can only ever be text, plus inline CSS and the diagram as inline
SVG; nothing is fetched from the network.  Content is never dropped silently:
Markdown nested beyond markdown-it's limit is refused with an error.

>>> report = Report("Design review: x<y>", (Section("Findings", ("Nothing <img src=x onerror=alert(1)>.",)),), "x")
>>> page = report_html(report)
>>> "<img" in page, "&lt;img src=x onerror=alert(1)&gt;" in page, report_markdown(report).startswith("# Design review")
(False, True, True)
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from typing import Any

from markdown_it import MarkdownIt

from graphanalyzer.errors import GraphanalyzerError
from graphanalyzer.render.markdown import cell, explanation
from graphanalyzer.render.text import audit_releases, audit_services, downtime_text, listing, percent_text

#: Rows of each table a report shows (all of them are in --format json).
MOST = 40
#: Findings of a kind shown before the rest are folded away.
SHOWN = 8


@dataclass(frozen=True)
class Fold:
    """Markdown shown folded, under a one-line summary."""

    summary: str
    markdown: str


@dataclass(frozen=True)
class Figure:
    """A picture (SVG, for the HTML page) and its caption (for both)."""

    svg: str | None
    caption: str


Block = str | Fold | Figure


@dataclass(frozen=True)
class Section:
    """One part of the report: a heading and its blocks, in order."""

    title: str
    blocks: tuple[Block, ...]
    states: bool = False  #: table cells that start with up, degraded or down are coloured in HTML


@dataclass(frozen=True)
class Report:
    """A report: its title, its sections in reading order, and the footer line."""

    title: str
    sections: tuple[Section, ...]
    footer: str

    def first(self, *sections: Section) -> Report:
        """The same report with ``sections`` put before the others (a verdict, say)."""
        return replace(self, sections=(*sections, *self.sections))


def build_report(data: dict[str, Any]) -> Report:
    """The report of a review (``analysis.review.review``, with ``diagram``: a Figure)."""
    sections = (
        verdict_section(data["audit"]) if data.get("audit") else None,
        findings_section(data),
        domains_section(data),
        diagram_section(data),
        what_if_section(data),
        details_section(data),
        cut_sets_section(data),
    )
    return Report(f"Design review: {cell(data['inventory'])}", tuple(s for s in sections if s), footer(data))


def footer(data: dict[str, Any]) -> str:
    source = data["source"]
    return (
        f"Made by graphanalyzer {data['version']} on {data['date']} from {cell(source['of'])}, "
        f"SHA-256 {source['sha256']}."
    )


def _plural(n: int, thing: str, many: str | None = None) -> str:
    return f"{n:,} {thing if n == 1 else (many or thing + 's')}"


def verdict_section(audit: dict[str, Any]) -> Section:
    """The audit's verdict: each service against its SLO, then the risks to fix first with their measured gains.

    ``audit`` is ``analysis.audit.audit``'s result; every number in it was computed
    by the engine (fixes on the fixed design).
    """
    services = audit["services"]
    missing = [sid for sid, s in services.items() if s["meets_slo"] is False]
    with_slo = [sid for sid, s in services.items() if s["meets_slo"] is not None]
    worst = max(services, key=lambda sid: services[sid]["downtime_minutes_per_year"], default=None)
    if not services:
        summary = "No services to audit."
    elif missing:
        of = _plural(len(with_slo), "service")
        summary = f"**{len(missing):,} of {of} with an SLO miss it**: {listing(missing)}."
    elif with_slo:
        summary = f"**Every service with an SLO meets it** ({len(with_slo):,} of {_plural(len(services), 'service')})."
    else:
        summary = f"**No service sets an SLO** ({_plural(len(services), 'service')}): availability only."
    if worst is not None:
        w = services[worst]
        summary += (
            f" The least available is {worst}: {percent_text(w['availability'])}, "
            f"about {downtime_text(w['downtime_minutes_per_year'])} down a year."
        )
    # The services that miss their SLO, then the least available: the rest are in `audit`'s own output.
    order = sorted(services, key=lambda sid: (services[sid]["meets_slo"] is not False, -_down(services[sid])))
    rows = audit_services({"services": {sid: services[sid] for sid in order[:SHOWN]}})
    header = ["service", "availability", "SLO", "down/yr", "method", "carried by"]
    table = _table(header, rows, "lrlrll") + _more(len(services), SHOWN)
    head = "### Per service" if len(services) <= SHOWN else "### Services missing their SLO, then the least available"
    blocks: list[Block] = [summary, f"{head}\n\n{table}"]
    fixes = [r for r in audit["risks"] if r["fix"] is not None]
    lines = ["### Fix first", ""]
    for risk in fixes:
        fix, gain = risk["fix"], risk["fix"]["gain"]
        sentence = f"saves {downtime_text(gain['downtime_minutes_per_year'])} of downtime a year"
        if gain["spofs_removed"]:
            sentence += f" and removes the SPOF{'s' if len(gain['spofs_removed']) > 1 else ''} "
            sentence += listing(gain["spofs_removed"])
        lines.append(f"- **{risk['id']}** {cell(risk['finding'])}. Fix: {cell(fix['description'])}; {sentence}.")
    if not fixes:
        lines.append("No fix from the audit's vocabulary removes a risk here without making a service worse.")
    for row in audit_releases(audit):
        lines.append(f"- **{row[0]}** {cell(row[1])}. Fix: {cell(row[2])} (release time {cell(row[3])}).")
    rest = audit["risks_found"] - len(fixes)
    if rest:
        more = f"{_plural(rest, 'other risk')}: the findings below say what they are; `audit --top 0` looks for a fix"
        lines.extend(["", f"{more} for every one."])
    blocks.append("\n".join(lines))
    return Section("Verdict", tuple(blocks))


def _down(service: dict[str, Any]) -> float:
    return float(service["downtime_minutes_per_year"])


def findings_section(data: dict[str, Any]) -> Section:
    """What to fix, what is so by design, and what the owners accepted, in sentences."""
    found, spof = data["findings"], data["spof"]
    kinds = found["spofs"]
    illusory, cycles = spof["illusory_redundancy"], data["complexity"]["cycles"]
    summary = (
        f"{_plural(data['services'], 'service')}. "
        f"{_plural(len(spof['spofs']), 'single point of failure', 'single points of failure')} take a service down "
        f"on its own: {len(kinds['fix']):,} to fix, {len(kinds['by_design']):,} by design"
        + (f", {len(kinds['accepted']):,} accepted" if kinds["accepted"] else "")
        + f". {_plural(len(illusory), 'redundancy group')} that one failure defeats"
        + (f"; {_plural(len(cycles), 'dependency cycle')}" if cycles else "")
        + "."
    )
    blocks: list[Block] = [summary]
    for key, title in (("fix", "To fix"), ("by_design", "By design"), ("accepted", "Accepted")):
        items = found[key]
        if not items and key == "accepted":
            continue
        lines = [f"### {title}", ""]
        if items:
            lines.extend(f"- {cell(f['text'])}" for f in items[:SHOWN])
        else:
            lines.append("Nothing.")
        blocks.append("\n".join(lines))
        if len(items) > SHOWN:
            rest = "\n".join(f"- {cell(f['text'])}" for f in items[SHOWN:])
            blocks.append(Fold(f"{len(items) - SHOWN:,} more", rest))
    if cycles:
        lines = [
            "### Dependency cycles",
            "",
            "They stay up only until something in them breaks, and cannot start cold.",
            "",
        ]
        lines.extend(f"- {cell(' → '.join([*c, c[0]]))}" for c in cycles[:SHOWN])
        blocks.append("\n".join(lines))
        if len(cycles) > SHOWN:
            rest = "\n".join(f"- {cell(' → '.join([*c, c[0]]))}" for c in cycles[SHOWN:MOST])
            blocks.append(Fold(f"{len(cycles) - SHOWN:,} more", rest + _more(len(cycles), MOST)))
    return Section("Findings", tuple(blocks))


def domains_section(data: dict[str, Any]) -> Section:
    """Services x failure domains: the state each keeps after losing the worst single domain of each kind."""
    domains = data["domains"]
    kinds: list[str] = domains["kinds"]
    rows = domains["services"]
    intro = (
        "What each service keeps when it loses the worst single component of each kind, unplugged alone: "
        "its state, which one, and the capacity its groups with a demand keep, as a share of that demand."
    )
    if not rows or not kinds:
        return Section("Failure domains", (intro, "No services, or no failure domains."), states=True)
    severity = {"down": 2, "degraded": 1, "up": 0}
    if len(rows) <= MOST:
        table = [[sid, *(_domain_cell(rows[sid][k]) for k in kinds)] for sid in rows]
        header = ["service", *kinds]
    else:  # many services: one row per pattern of states
        patterns: dict[tuple[str, ...], list[str]] = {}
        for sid, row in rows.items():
            patterns.setdefault(tuple(row[k]["state"] for k in kinds), []).append(sid)
        ordered = sorted(patterns.items(), key=lambda p: (-sum(severity[s] for s in p[0]), -len(p[1])))
        table = [[f"{len(ids):,}: {listing(ids, 3)}", *states] for states, ids in ordered[:MOST]]
        header = ["services", *kinds]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in table)
    return Section("Failure domains", (intro, "\n".join(lines)), states=True)


def _domain_cell(entry: dict[str, Any]) -> str:
    state, worst, capacity = entry["state"], entry["worst"], entry["capacity"]
    text = str(state)
    if worst is not None and state != "up":
        text += f": {worst}"
    if capacity is not None and state != "down":
        text += f", {capacity:.0%} capacity"
    return text


def diagram_section(data: dict[str, Any]) -> Section:
    figure: Figure = data["diagram"]
    return Section("Diagram", (figure,))


def what_if_section(data: dict[str, Any]) -> Section | None:
    if not data["what_if"]:
        return None
    blocks: list[Block] = [
        "The components whose loss alone takes down most services, unplugged one at a time; "
        "for each service, the shortest chain of reasons back to it."
    ]
    kinds = {e["component"]: e["kind"] for e in data["spof"]["spofs"]}
    for result in data["what_if"]:
        (cid,) = result["unplugged"]
        services = result["services"]
        down = [s for s in services["down"] if s != cid]
        degraded = [s for s in services["degraded"] if s != cid]
        head = f"### Losing {cell(cid)}" + (f" ({kinds[cid]})" if cid in kinds else "")
        lines = [head, "", f"Takes down {_plural(len(down), 'service')}, degrades {len(degraded):,}"]
        lines[-1] += f"; {_plural(len(result['components']) - 1, 'other component')} not up."
        for sid, hop in result["explanations"].items():
            lines.append("")
            lines.extend(explanation(sid, hop, result["components"][sid]))
        broken = [s for s in services["down"] + services["degraded"] if s not in result["explanations"]]
        if broken:
            lines.extend(["", f"Also not up ({len(broken):,} more): {cell(listing(broken, 20))}."])
        blocks.append("\n".join(lines))
    return Section("What if", tuple(blocks))


def details_section(data: dict[str, Any]) -> Section:
    """Every SPOF and defeated group as tables, and the complexity numbers."""
    spof, numbers, categories = data["spof"], data["complexity"], data["findings"]["spofs"]
    category = {cid: label for key, label in _CATEGORIES for cid in categories[key]}
    blocks: list[Block] = []
    spofs = spof["spofs"]
    rows = [
        [e["component"], e["kind"], category.get(e["component"], ""), len(e["breaks"]), listing(e["breaks"])]
        for e in spofs[:MOST]
    ]
    table = _table(["component", "kind", "finding", "takes down", "services"], rows, "lllrl") + _more(len(spofs), MOST)
    blocks.append(_folded("### Single points of failure", f"{_plural(len(spofs), 'component')}", table, len(rows)))
    illusory = spof["illusory_redundancy"]
    rows = [[e["group_of"], listing(e["members"]), ", ".join(e["shared"])] for e in illusory[:MOST]]
    table = _table(["group of", "members", "one failure that defeats it"], rows, "lll") + _more(len(illusory), MOST)
    blocks.append(_folded("### Redundancy one failure defeats", _plural(len(illusory), "group"), table, len(rows)))
    from graphanalyzer.analysis.complexity import EXPLAIN

    intro = (
        f"### Complexity\n\n{cell(numbers['verdict'])}\n\nOverall index {numbers['index']}: {EXPLAIN['overall']}. "
        f"Depth: {EXPLAIN['depth']}. Support: {EXPLAIN['support']}. Index: {EXPLAIN['index']}."
    )
    blocks.append(intro)
    ranked = sorted(numbers["services"].items(), key=lambda item: (-item[1]["index"], item[0]))
    rows = [[sid, s["depth"], s["support"], len(s["spofs"]), s["index"]] for sid, s in ranked[:MOST]]
    table = _table(["service", "depth", "support", "SPOFs", "index"], rows, "lrrrr") + _more(len(ranked), MOST)
    blocks.append(Fold(f"Complexity of {_plural(len(ranked), 'service')}", table))
    if numbers["repeated"]:
        rows = [
            [g["kind"], g["size"], len(g["instances"]), listing(g["instances"], 6)] for g in numbers["repeated"][:15]
        ]
        table = _table(["kind", "components each", "times", "where"], rows, "lrrl")
        blocks.append(Fold(f"Repeated structures: {EXPLAIN['repeated']}", table))
    return Section("Details", tuple(blocks))


_CATEGORIES = (("fix", "to fix"), ("by_design", "by design"), ("accepted", "accepted"))


def cut_sets_section(data: dict[str, Any]) -> Section | None:
    cuts = data["spof"]["cut_sets"]
    if not cuts:
        return None
    rows = [[" + ".join(e["components"]), len(e["breaks"]), listing(e["breaks"])] for e in cuts[:MOST]]
    table = _table(["components", "take down", "services"], rows, "lrl") + _more(len(cuts), MOST)
    intro = (
        "Minimal sets of two components whose loss together takes the services listed down (and no smaller set does)."
    )
    return Section("Appendix: double faults", (intro, Fold(_plural(len(cuts), "minimal cut set"), table)))


def _folded(head: str, summary: str, table: str, rows: int) -> str | Fold:
    """A table under its heading, folded away when it is long."""
    return f"{head}\n\n{table}" if rows <= 12 else Fold(f"{head.lstrip('# ')}: {summary}", table)


def _table(header: list[str], rows: list[list[Any]], align: str) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return "\n".join(lines)


def _more(total: int, most: int) -> str:
    return "" if total <= most else f"\n\n*First {most:,} of {total:,} shown; `--format json` lists them all.*"


# Markdown ------------------------------------------------------------------------------------------------


def report_markdown(report: Report) -> str:
    """The report in Markdown, for a pull-request comment: long parts folded in ``<details>``."""
    parts = [f"# {report.title}"]
    for section in report.sections:
        parts.append(f"## {cell(section.title)}")
        for block in section.blocks:
            if isinstance(block, Fold):
                parts.append(f"<details><summary>{cell(block.summary)}</summary>\n\n{block.markdown}\n\n</details>")
            elif isinstance(block, Figure):
                parts.append(f"*{cell(block.caption)}* The picture is in the HTML report.")
            else:
                parts.append(block)
    parts.append(f"---\n\n*{report.footer}*")
    return "\n\n".join(parts) + "\n"


# HTML ----------------------------------------------------------------------------------------------------

_CSS = """
body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1c2833;
       max-width: 1200px; margin: 2em auto; padding: 0 1.5em; }
h1 { border-bottom: 3px solid #2e86c1; padding-bottom: .3em; }
h2 { margin-top: 2em; border-bottom: 1px solid #d5dbdb; padding-bottom: .2em; }
h3 { margin-bottom: .3em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 14px; }
th, td { border: 1px solid #d5dbdb; padding: .3em .7em; text-align: left; vertical-align: top; }
th { background: #eaf2f8; }
tr:nth-child(even) td { background: #fbfcfc; }
td:nth-child(n+2) { font-variant-numeric: tabular-nums; }
td.down { background: #fadbd8 !important; } td.degraded { background: #fdebd0 !important; }
td.up { background: #e9f7ef !important; }
code { background: #f4f6f7; padding: .1em .3em; border-radius: 3px; }
ul ul { margin: 0; }
li { margin: .15em 0; }
details { margin: .6em 0; } summary { cursor: pointer; color: #2471a3; }
figure { overflow: auto; border: 1px solid #d5dbdb; border-radius: 6px; padding: .5em; background: white;
         width: min(96vw, 2400px); margin: 1em 0 1em calc(50% - min(48vw, 1200px)); box-sizing: border-box; }
figure svg { max-width: 100%; height: auto; }
#findings > p:first-of-type { font-size: 1.1em; background: #fef9e7; border-left: 5px solid #f5b041;
       padding: .6em 1em; }
footer { margin-top: 3em; color: #7f8c8d; font-size: 13px; border-top: 1px solid #d5dbdb; padding-top: .5em; }
"""

_PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")


class RenderError(GraphanalyzerError):
    """Raised when Markdown cannot be rendered whole."""


def render_markdown(text: str) -> str:
    """Markdown as HTML, raw HTML shown as text; an error, never a silent loss, past markdown-it's nesting limit.

    >>> render_markdown("- a\\n  - b")
    '<ul>\\n<li>a\\n<ul>\\n<li>b</li>\\n</ul>\\n</li>\\n</ul>\\n'
    >>> render_markdown("".join("  " * n + "- deep\\n" for n in range(12)))
    Traceback (most recent call last):
    ...
    graphanalyzer.render.report.RenderError: Markdown nested 20 levels deep: markdown-it would drop what is below
    """
    tokens = _PARSER.parse(text)
    limit = _PARSER.options["maxNesting"]
    if any(t.nesting == 1 and t.level >= limit - 1 for t in tokens):
        raise RenderError(f"Markdown nested {limit} levels deep: markdown-it would drop what is below")
    rendered: str = _PARSER.renderer.render(tokens, _PARSER.options, {})
    return rendered


def report_html(report: Report) -> str:
    """A self-contained HTML page: the sections rendered safely, long parts folded, the diagram inlined."""
    body = [f"<h1>{_PARSER.renderInline(report.title)}</h1>"]
    for section in report.sections:
        anchor = re.sub(r"[^a-z0-9]+", "-", section.title.lower()).strip("-")
        body.append(f'<section id="{anchor}">\n<h2>{html.escape(section.title)}</h2>')
        for block in section.blocks:
            if isinstance(block, Fold):
                inner = render_markdown(block.markdown)
                body.append(f"<details><summary>{html.escape(block.summary)}</summary>\n{inner}</details>")
            elif isinstance(block, Figure) and block.svg:  # the caption is in the picture
                body.append(f"<figure>{_inline(block.svg)}</figure>")
            elif isinstance(block, Figure):
                body.append(f"<p><em>{html.escape(block.caption)}</em></p>")
            else:
                rendered = render_markdown(block)
                if section.states:
                    rendered = re.sub(r"<td>(up|degraded|down)\b", r'<td class="\1">\1', rendered)
                body.append(rendered)
        body.append("</section>")
    title = html.escape(html.unescape(report.title))  # the title is Markdown text: entities, no tags
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<footer>{_PARSER.renderInline(report.footer)}</footer>\n</body>\n</html>\n"
    )


def _inline(svg: str) -> str:
    """Graphviz's SVG without its XML prolog, doctype and comments, ready to sit in HTML."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg)
    return re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL).strip()
