"""Markdown output, for pull-request comments and design documents.

Untrusted text (ids, descriptions, owners) is escaped so it cannot break a table.

>>> cell("a|b <x>")
'a\\\\|b &lt;x&gt;'
"""

from __future__ import annotations

from typing import Any

from graphanalyzer.model import magnitude
from graphanalyzer.render.text import (
    audit_releases,
    audit_risks,
    audit_services,
    availability_text,
    chain_lines,
    decimals,
    defeat_text,
    degraded_text,
    hops_text,
    importance_text,
    listing,
    many,
    needs_text,
    percent,
    release_lines,
    requirement_text,
    shortfall_text,
    slo_text,
)


def cell(text: object) -> str:
    """Text made safe for one Markdown table cell."""
    return (
        str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("\n", " ")
    )


#: What the illusory redundancy tables say, in Markdown and HTML alike.
ILLUSORY = (
    "Groups that look redundant but which one failure defeats: it takes down enough of their members "
    "that fewer are left than the group needs."
)


def _table(header: list[str], rows: list[list[Any]], align: str) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return lines


def validate(result: dict[str, Any]) -> str:
    lines = [f"## Inventory `{cell(result['inventory'])}`", ""]
    lines.append(f"{many(result['components'], 'component')}, valid.")
    lines.append("")
    lines.extend(_table(["kind", "count"], [[k, n] for k, n in result["by_kind"].items()], "lr"))
    if result["warnings"]:
        lines.extend(["", "### Warnings", ""])
        lines.extend(f"- {cell(w)}" for w in result["warnings"])
    return "\n".join(lines) + "\n"


def show(result: dict[str, Any]) -> str:
    lines = [f"## Inventory `{cell(result['inventory'])}`", ""]
    if result.get("description"):
        lines.extend([cell(result["description"]), ""])
    lines.append(f"{many(result['components'], 'component')}.")
    lines.append("")
    lines.extend(_table(["kind", "count"], [[k, n] for k, n in result["by_kind"].items()], "lr"))
    lines.extend(["", "### Services", ""])
    rows = [
        [
            s["id"],
            "; ".join(requirement_text(r) for r in s["requires"]) or "(nothing)",
            slo_text(s.get("slo")),
            s["owner"] or "",
        ]
        for s in result["services"]
    ]
    lines.extend(_table(["service", "needs", "slo", "owner"], rows, "llrl"))
    return "\n".join(lines) + "\n"


def generate(result: dict[str, Any]) -> str:
    lines = [f"Wrote `{cell(result['file'])}`: inventory `{cell(result['inventory'])}`, "]
    lines[0] += f"{many(result['components'], 'component')}."
    lines.append("")
    lines.extend(_table(["kind", "count"], [[k, n] for k, n in result["by_kind"].items()], "lr"))
    return "\n".join(lines) + "\n"


def _hops(hop: dict[str, Any], depth: int, lines: list[str]) -> None:
    for child in hop["because"]:
        seen = " (see above)" if child.get("seen") else ""
        lines.append(f"{'  ' * depth}- {cell(child['text'])}: **{child['state']}**{seen}")
        _hops(child, depth + 1, lines)


def explanation(sid: str, hop: dict[str, Any], entry: dict[str, Any], full: bool = False) -> list[str]:
    """One broken service and why, as a Markdown list item: its shortest chain, or (``full``) the whole tree."""
    also = f" (also broken: {cell(listing(hop['also'], 3))})" if hop.get("also") and not full else ""
    lines = [f"- **{cell(sid)}** is **{hop['state']}**{shortfall_text(entry)}{also}"]
    if full:
        _hops(hop, 1, lines)
        return lines
    states = {0: hop["state"]}
    for depth, hops in chain_lines(hop):
        before = states[depth] if depth == 1 and 1 in states else states[depth - 1]
        arrow = "← " if len(hops) == 1 and depth == 1 else ""
        lines.append(f"{'  ' * depth}- {arrow}{cell(hops_text(hops, before))}")
        states[depth] = hops[-1]["state"]
    return lines


def unplug(result: dict[str, Any]) -> str:
    services = result["services"]
    lines = [f"## Unplugging {', '.join(f'`{cell(u)}`' for u in result['unplugged'])}", ""]
    lines.append(
        f"{len(services['down'])} down, {len(services['degraded'])} degraded, {len(services['up'])} up; "
        f"{many(len(result['components']), 'component')} not up."
    )
    explanations = result.get("explanations", {})
    full = result.get("explain") == "full"
    for sid, hop in explanations.items():
        lines.append("")
        lines.extend(explanation(sid, hop, result["components"][sid], full))
    broken = len(services["down"]) + len(services["degraded"])
    if explanations and len(explanations) < broken:
        others = [s for s in services["down"] + services["degraded"] if s not in explanations]
        lines.extend(["", f"Also not up ({len(others):,} more): {cell(listing(others, 20))}."])
    return "\n".join(lines) + "\n"


def spof(result: dict[str, Any], most: int | None = None) -> str:
    """The ``spof`` result; with ``most``, each table cut to its first rows (a note says how many more)."""
    spofs, cuts, illusory = result["spofs"], result["cut_sets"], result["illusory_redundancy"]
    lines = [f"## Single points of failure in `{cell(result['inventory'])}`", ""]
    lines.append(
        f"{many(len(spofs), 'single point of failure', 'single points of failure')}; "
        f"{many(len(illusory), 'redundancy group')} a single failure defeats."
    )
    if spofs:
        lines.extend(["", "Unplug one of these and the targets listed go down.", ""])
        rows = [
            [
                e["component"] + (" (accepted)" if "accepted" in e else ""),
                e["kind"],
                len(e["breaks"]),
                listing(e["breaks"]),
            ]
            for e in spofs[:most]
        ]
        lines.extend(_table(["component", "kind", "breaks", "targets"], rows, "llrl"))
        lines.extend(_more(len(spofs), most))
    if cuts:
        lines.extend(["", "### Minimal cut sets", "", "Unplug all of a set and the targets listed go down.", ""])
        rows = [[" + ".join(e["components"]), len(e["breaks"]), listing(e["breaks"])] for e in cuts[:most]]
        lines.extend(_table(["components", "breaks", "targets"], rows, "lrl"))
        lines.extend(_more(len(cuts), most))
    if illusory:
        lines.extend(["", "### Illusory redundancy", "", ILLUSORY, ""])
        rows = [[e["group_of"], needs_text(e), defeat_text(e)] for e in illusory[:most]]
        lines.extend(_table(["group of", "needs", "one failure defeats it"], rows, "lll"))
        lines.extend(_more(len(illusory), most))
    return "\n".join(lines) + "\n"


def _more(total: int, most: int | None) -> list[str]:
    """A note under a table that shows only the first ``most`` of ``total`` rows."""
    if most is None or total <= most:
        return []
    return ["", f"*First {most:,} of {total:,} shown; `--format json` lists them all.*"]


def export(result: dict[str, Any]) -> str:
    return f"Wrote `{cell(result['file'])}` ({result['to']}, {many(result['nodes'], 'node')}).\n"


def headroom(result: dict[str, Any]) -> str:
    lines = [
        "## Capacity headroom",
        "",
        "N+k: how many members a group can lose, largest first, and still meet demand.",
        "",
    ]
    rows = [
        [
            g["service"],
            len(g["members"]),
            magnitude(g["capacity"]),
            magnitude(g["demand"]),
            "short" if g["tolerates"] < 0 else f"N+{g['tolerates']}",
            listing(g["fragile_to"]),
        ]
        for g in result["groups"]
    ]
    lines.extend(_table(["group of", "members", "capacity", "demand", "tolerates", "fragile to"], rows, "lrrrrl"))
    return "\n".join(lines) + "\n"


def surge(result: dict[str, Any]) -> str:
    lines = [f"## `{cell(result['service'])}` at {magnitude(result['demand'])}", ""]
    lines.append(f"{result['factor']:.2f} times today's demand; groups it relies on, first to saturate first.")
    lines.append("")
    rows = [
        [
            g["service"],
            magnitude(g["capacity"]),
            magnitude(g["demand"]),
            magnitude(g["saturates_at"]),
            magnitude(g["short_by"]) if g["short_by"] > 0 else "-",
            ("?" if g["add_members"] is None else g["add_members"]) if g["short_by"] > 0 else "-",
        ]
        for g in result["groups"]
    ]
    lines.extend(
        _table(["group of", "capacity", "demand then", "saturates at", "short by", "add members"], rows, "lrrrrr")
    )
    return "\n".join(lines) + "\n"


def chaos(result: dict[str, Any]) -> str:
    how = "exactly" if result.get("exact") else f"over {many(result['trials'], 'random trial')} (seed {result['seed']})"
    lines = [
        "## Availability",
        "",
        f"Each component fails independently with probability 1 - availability, {how}. "
        "Birnbaum importance: how much more likely the service is down when the component is.",
        "",
    ]
    places = decimals(result["services"].values())
    rows = [
        [
            sid,
            availability_text(s, places),
            percent(s["degraded"], places),
            importance_text(s["importance"], service=sid),
        ]
        for sid, s in result["services"].items()
    ]
    lines.extend(_table(["service", "availability", "degraded", "matters most (Birnbaum)"], rows, "lrrl"))
    return "\n".join(lines) + "\n"


def gameday(result: dict[str, Any]) -> str:
    lines = ["## Game day", "", "What each scenario leaves down, degraded and up.", ""]
    rows = []
    for scenario in result["scenarios"]:
        services = scenario["services"]
        degraded = [degraded_text(sid, scenario["shortfall"]) for sid in services["degraded"]]
        rows.append(
            [
                scenario["name"],
                listing(scenario["unplugged"]),
                listing(services["down"]),
                listing(degraded),
                listing(services["up"]),
            ]
        )
    lines.extend(_table(["scenario", "takes out", "down", "degraded", "up"], rows, "lllll"))
    return "\n".join(lines) + "\n"


def complexity(result: dict[str, Any], most: int | None = None) -> str:
    from graphanalyzer.analysis.complexity import EXPLAIN

    lines = [f"## Complexity of `{cell(result['inventory'])}`", "", f"**{cell(result['verdict'])}**", ""]
    lines.append(f"Overall index {result['index']}: {EXPLAIN['overall']}.")
    lines.extend(["", "### Services", ""])
    lines.append(
        f"Depth: {EXPLAIN['depth']}. Support: {EXPLAIN['support']}. Index: {EXPLAIN['index']}. "
        f"SPOFs: {EXPLAIN['spofs']}."
    )
    lines.append("")
    ranked = sorted(result["services"].items(), key=lambda item: (-item[1]["index"], item[0]))
    rows = [[sid, s["depth"], s["support"], len(s["spofs"]), s["index"]] for sid, s in ranked[:most]]
    lines.extend(_table(["service", "depth", "support", "SPOFs", "index"], rows, "lrrrr"))
    lines.extend(_more(len(ranked), most))
    if result["blast_radius"]:
        lines.extend(["", "### Blast radius", "", f"{EXPLAIN['blast_radius'].capitalize()}.", ""])
        rows = [[e["component"], e["kind"], e["services"]] for e in result["blast_radius"]]
        lines.extend(_table(["component", "kind", "services down"], rows, "llr"))
    lines.extend(["", "### Dependency cycles", "", f"{EXPLAIN['cycles'].capitalize()}.", ""])
    lines.extend([f"- {cell(' -> '.join([*cycle, cycle[0]]))}" for cycle in result["cycles"][:most]] or ["None."])
    lines.extend(_more(len(result["cycles"]), most))
    lines.extend(["", "### Repeated structures", "", f"{EXPLAIN['repeated'].capitalize()}.", ""])
    if result["repeated"]:
        rows = [
            [g["kind"], g["size"], len(g["instances"]), listing(g["instances"], 6)] for g in result["repeated"][:15]
        ]
        lines.extend(_table(["kind", "components each", "times", "where"], rows, "lrrl"))
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def diagram(result: dict[str, Any]) -> str:
    level = f", collapsed to {result['level']}" if result["level"] else ""
    return f"Wrote `{cell(result['file'])}`: {many(result['boxes'], 'box', 'boxes')}{level}.\n"


def coldstart(result: dict[str, Any]) -> str:
    lines = ["## Cold start", "", "Everything starts down; a component comes up once what it needs is up.", ""]
    rows = [[n, len(wave), listing(wave, 12)] for n, wave in enumerate(result["waves"])]
    lines.extend(_table(["wave", "components", "which"], rows, "rrl"))
    if result["deadlocked"]:
        lines.extend(
            [
                "",
                f"**{many(len(result['deadlocked']), 'component')} can never start:** "
                f"{cell(listing(result['deadlocked'], 20))}",
                "",
            ]
        )
        lines.append("Blocked by these dependency cycles:")
        lines.append("")
        lines.extend(f"- {cell(' -> '.join([*c, c[0]]))}" for c in result["cycles"])
    else:
        lines.extend(["", "Everything starts."])
    return "\n".join(lines) + "\n"


def diff(result: dict[str, Any]) -> str:
    components, spofs, cuts = result["components"], result["spofs"], result["cut_sets"]
    lines = [f"## What this change does to `{cell(result['new'])}`", ""]
    gate = result.get("fail_on")
    if gate is not None:
        verdict = "fails" if gate["reasons"] else "passes"
        lines.extend([f"**The `--fail-on {gate['condition']}` gate {verdict}.**", ""])
        lines.extend(f"- {cell(reason)}" for reason in gate["reasons"])
        lines.append("")
    lines.append(
        f"Components: {len(components['added'])} added, {len(components['removed'])} removed, "
        f"{len(components['changed'])} changed."
    )
    if spofs["added"] or spofs["removed"] or spofs["accepted"]:
        lines.extend(["", "### Single points of failure", ""])
        rows = [[cid, "new", listing(spofs["breaks"][cid])] for cid in spofs["added"]]
        rows += [[a["component"], f"new, accepted: {a['reason']}", listing(spofs["breaks"][a["component"]])]
                 for a in spofs["accepted"]]  # fmt: skip
        rows += [[cid, "removed", ""] for cid in spofs["removed"]]
        lines.extend(_table(["component", "change", "takes down"], rows, "lll"))
    if cuts["lower_order"]:
        lines.extend(["", "### Fewer failures now take a service down", ""])
        rows = [[" + ".join(c["components"]), c["service"], c["order"], c["was"] or f"> {cuts['order'] + 1}"]
                for c in cuts["lower_order"]]  # fmt: skip
        lines.extend(_table(["components", "service", "failures now", "before"], rows, "llrr"))
    if result["services"]:
        lines.extend(["", "### Services", ""])
        rows = []
        for sid, change in result["services"].items():
            if change.get("removed"):
                rows.append([sid, "removed", "", "", ""])
                continue
            rows.append([sid, "added" if change.get("added") else "changed",
                         *(_change(change[k]) for k in ("depth", "support", "spofs", "blast_radius"))])  # fmt: skip
        lines.extend(_table(["service", "", "depth", "support", "SPOFs", "takes down"], rows, "llrrrr"))
    if result["cycles"]["added"] or result["deadlocked"]["added"]:
        lines.extend(["", "### Cycles and cold start", ""])
        lines.extend(f"- new dependency cycle: {cell(' -> '.join(c))}" for c in result["cycles"]["added"])
        if result["deadlocked"]["added"]:
            lines.append(f"- can no longer start cold: {cell(listing(result['deadlocked']['added'], 20))}")
    if components["added"] or components["removed"] or components["changed"]:
        lines.extend(["", "<details><summary>Components</summary>", ""])
        lines.extend(f"- added `{cell(c)}`" for c in components["added"])
        lines.extend(f"- removed `{cell(c)}`" for c in components["removed"])
        lines.extend(f"- changed `{cell(c)}`: {', '.join(f)}" for c, f in components["changed"].items())
        lines.extend(["", "</details>"])
    return "\n".join(lines) + "\n"


def _change(pair: dict[str, Any]) -> str:
    return str(pair["new"]) if pair["old"] is None or pair["old"] == pair["new"] else f"{pair['old']} → {pair['new']}"


def audit(result: dict[str, Any]) -> str:
    lines = [f"## Audit of `{cell(result['inventory'])}`", "", "### Verdict per service", ""]
    header = ["service", "availability", "SLO", "down/yr", "method", "carried by"]
    lines.extend(_table(header, audit_services(result), "lrlrll"))
    shown = len(result["risks"])
    lines.extend(["", f"### Risks, costliest first ({shown:,} of {result['risks_found']:,})", ""])
    lines.extend(_table(["risk", "finding", "verified fix", "gain"], audit_risks(result), "llll"))
    releases = audit_releases(result)
    if releases:
        lines.extend(["", "### Release risks", ""])
        lines.extend(_table(["risk", "finding", "fix", "release time"], releases, "lllr"))
    patches = [r for r in [*result["risks"], *result.get("releases", [])] if r["fix"] is not None and r["fix"]["patch"]]
    if patches:
        lines.extend(["", "<details><summary>The YAML of each fix</summary>", ""])
        for risk in patches:
            lines.extend(
                [
                    f"{risk['id']}: {cell(risk['fix']['description'])}",
                    "",
                    "```yaml",
                    risk["fix"]["patch"].rstrip(),
                    "```",
                    "",
                ]
            )
        lines.append("</details>")
    return "\n".join(lines) + "\n"


def distribute(result: dict[str, Any]) -> str:
    from graphanalyzer.units import duration_text, size_text

    lines = [f"## Releases of `{cell(result['inventory'])}`", ""]
    releases = result["distributions"]
    if not releases:
        return "\n".join([*lines, "No distributions declared.", ""])
    rows = [
        [
            name,
            size_text(e["artifact_bytes"]),
            f"{e['receivers']:,}",
            duration_text(e["central_seconds"]) + (" (today)" if e["scheme"] == "central" else ""),
            duration_text(e["swarm_seconds"]) + (" (today)" if e["scheme"] == "swarm" else ""),
            "-" if e["window_seconds"] is None else duration_text(e["window_seconds"]),
            {True: "yes", False: "**no**", None: "-"}[e["fits"]],
        ]
        for name, e in releases.items()
    ]
    lines.extend(_table(["release", "size", "receivers", "central", "swarm", "window", "fits"], rows, "lrrrrrl"))
    for name, entry in releases.items():
        lines.extend(["", f"### `{cell(name)}`", ""])
        lines.extend(f"- **{label}**: {cell(text)}" for label, text in release_lines(entry))
    return "\n".join(lines) + "\n"
