"""The report as one self-contained HTML page (for an IT provider's ticket, or a browser)."""

from __future__ import annotations

import contextlib
import html
from pathlib import Path

from gp_guard.audit.model import Severity
from gp_guard.marks import SEVERITY_BARS, SEVERITY_LEVELS, SEVERITY_SHADES
from gp_guard.paths import write_private_bytes
from gp_guard.report import sections
from gp_guard.report.model import ReportData

CSS = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; max-width: 52em; margin: 2em auto; color: #1d1d1f;
       line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 2px solid #2a5d8f; padding-bottom: .2em; }
h2 { font-size: 1.25em; color: #2a5d8f; margin-top: 1.6em; }
h3 { font-size: 1.05em; margin-bottom: .3em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; white-space: pre-line; }
div.entry { margin: .5em 0 .8em; }
span.mark { display: inline-block; min-width: 8em; font-weight: bold; padding: 0 .3em; border-radius: 3px; }
span.good { background: #dcefdc; } span.bad { background: #f6d9d5; } span.warn { background: #faecc8; }
span.neutral { background: #e6e6e6; }
div.detail { color: #555; font-size: .9em; margin-left: 8.6em; }
ol { margin: .2em 0 0 8.6em; padding-left: 1.2em; }
table { border-collapse: collapse; } td, th { border: 1px solid #bbb; padding: .2em .5em; text-align: left; }
p.small { color: #555; font-size: .85em; margin-top: 2em; }
svg.bars { vertical-align: -0.1em; margin-right: .35em; }
/* printed: no finding, list item, row or fact cut by a page break; a heading stays with what follows */
div.entry, li, tr, dl.facts { break-inside: avoid; page-break-inside: avoid; }
h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def severity_bars(severity: Severity) -> str:
    """The severity's bars (4 for critical … 0 for information) as inline SVG, in its colour."""
    fill = SEVERITY_SHADES[severity][0]
    level = SEVERITY_LEVELS[severity]
    bars = []
    for n in range(SEVERITY_BARS):
        height = 5 + 11 * (n + 1) / SEVERITY_BARS
        paint = f'fill="{fill}" stroke="{fill}"' if n < level else 'fill="none" stroke="#777"'
        bars.append(f'<rect x="{1 + n * 4}" y="{17 - height:.1f}" width="3" height="{height:.1f}" {paint}/>')
    return (f'<svg class="bars" width="1em" height="1em" viewBox="0 0 17 17" role="img" '
            f'aria-hidden="true">{"".join(bars)}</svg>')


def render(data: ReportData) -> str:
    blocks = sections.blocks(data)
    title = next((b.text for b in blocks if isinstance(b, sections.Heading)), "")
    parts = [f'<!DOCTYPE html>\n<html lang="{_e(data.lang)}">\n<head>\n<meta charset="utf-8">',
             f"<title>{_e(title)}</title>", f"<style>{CSS}</style>\n</head>\n<body>"]
    for block in blocks:
        if isinstance(block, sections.Heading):
            if block.severity is not None:
                colour = SEVERITY_SHADES[block.severity][0]
                parts.append(f'<h{block.level} style="color: {colour}">{severity_bars(block.severity)}'
                             f"{_e(block.text)}</h{block.level}>")
            else:
                parts.append(f"<h{block.level}>{_e(block.text)}</h{block.level}>")
        elif isinstance(block, sections.Para):
            parts.append(f'<p class="{"small" if block.small else ""}">{_e(block.text)}</p>')
        elif isinstance(block, sections.Facts):
            rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in block.rows)
            parts.append(f'<dl class="facts">{rows}</dl>')
        elif isinstance(block, sections.Entry):
            steps = "".join(f"<li>{_e(s)}</li>" for s in block.steps)
            parts.append(
                f'<div class="entry"><span class="mark {block.tone}">{_e(block.mark)}</span> '
                f"<strong>{_e(block.title)}</strong>"
                + (f'<div class="detail">{_e(block.detail)}</div>' if block.detail else "")
                + (f"<ol>{steps}</ol>" if steps else "") + "</div>")
        elif isinstance(block, sections.Bullets):
            parts.append("<ul>" + "".join(f"<li>{_e(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, sections.Table):
            head = "".join(f"<th>{_e(h)}</th>" for h in block.header)
            body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def write(data: ReportData, path: Path) -> Path:
    """Write the page as a private file: it describes the practice's weaknesses, so it is
    readable by this user only (0600) whatever the umask, and never half-written. The temporary
    file an earlier version left after a crash (``<name>.tmp``, of any mode) is removed."""
    with contextlib.suppress(FileNotFoundError):
        path.with_name(path.name + ".tmp").unlink()
    write_private_bytes(path, render(data).encode("utf-8"))
    return path
