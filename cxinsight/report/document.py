"""A tiny document model rendered twice: self-contained HTML and Markdown.

Sections are lists of blocks; the same blocks become the HTML report (inline CSS, figures as
base64 PNG, no external assets) and its Markdown twin (figures as PNG files beside it), so the two
never drift apart.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass
class Para:
    text: str
    css: str = ""


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    df: pd.DataFrame
    caption: str = ""


@dataclass
class Figure:
    name: str
    png: bytes
    caption: str
    alt: str = ""


@dataclass
class Quote:
    text: str
    who: str


@dataclass
class Note:
    text: str
    kind: str = "info"  # info | warning


@dataclass
class Document:
    title: str
    subtitle: str = ""
    blocks: list = field(default_factory=list)

    def add(self, *blocks) -> None:
        self.blocks.extend(blocks)


CSS = """
:root { --ink:#1f2933; --muted:#52606d; --line:#d9e2ec; --accent:#0b6e99; --neg:#b23a48;
        --pos:#1b7f5a; --bg:#ffffff; --soft:#f5f7fa; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: var(--bg); margin: 0; line-height: 1.55; font-size: 16px; }
main { max-width: 1080px; margin: 0 auto; padding: 32px 28px 64px; }
header.title { border-bottom: 3px solid var(--accent); margin-bottom: 24px; padding-bottom: 12px; }
h1 { font-size: 30px; margin: 0 0 4px; }
h2 { font-size: 23px; margin: 40px 0 10px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 18px; margin: 24px 0 6px; }
p.subtitle { color: var(--muted); margin: 0; }
nav.toc { background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
          padding: 10px 18px; margin: 16px 0 8px; font-size: 15px; display: flex;
          flex-wrap: wrap; gap: 4px 16px; }
nav.toc a { color: var(--accent); text-decoration: none; white-space: nowrap; }
table { border-collapse: collapse; margin: 10px 0 18px; font-size: 14px; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
caption { caption-side: top; text-align: left; color: var(--muted); font-size: 13px; padding-bottom: 4px; }
figure { margin: 14px 0 22px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
blockquote { margin: 6px 0 6px 0; padding: 6px 14px; border-left: 4px solid var(--line);
             background: var(--soft); font-style: italic; }
blockquote cite { display: block; font-style: normal; color: var(--muted); font-size: 13px; }
.note { border-left: 4px solid var(--accent); background: #eef6fb; padding: 8px 14px; margin: 10px 0; }
.note.warning { border-left-color: #c77d00; background: #fff6e5; }
p.lead { font-size: 17px; }
p.statement { font-weight: 500; }
p.caveat { color: var(--muted); font-size: 14px; }
ul { padding-left: 22px; }
footer { color: var(--muted); font-size: 13px; margin-top: 40px; border-top: 1px solid var(--line);
         padding-top: 10px; }
@media print { nav.toc { display: none; } h2 { page-break-before: auto; } }
"""


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return str(v)


def render_html(doc: Document) -> str:
    """Render ``doc`` as one self-contained HTML page."""
    esc = html.escape
    out = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(doc.title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>", "<main>",
        f'<header class="title"><h1>{esc(doc.title)}</h1>',
    ]
    if doc.subtitle:
        out.append(f'<p class="subtitle">{esc(doc.subtitle)}</p>')
    out.append("</header>")
    toc = [b for b in doc.blocks if isinstance(b, Heading) and b.level == 2 and b.anchor]
    if toc:
        links = "".join(f'<a href="#{esc(h.anchor)}">{esc(h.text)}</a>' for h in toc)
        out.append(f'<nav class="toc">{links}</nav>')
    for b in doc.blocks:
        if isinstance(b, Heading):
            anchor = f' id="{esc(b.anchor)}"' if b.anchor else ""
            out.append(f"<h{b.level}{anchor}>{esc(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            css = f' class="{b.css}"' if b.css else ""
            out.append(f"<p{css}>{esc(b.text)}</p>")
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            head = "".join(f"<th>{esc(str(c))}</th>" for c in b.df.columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{esc(_cell(v))}</td>" for v in row) + "</tr>"
                for row in b.df.itertuples(index=False)
            )
            cap = f"<caption>{esc(b.caption)}</caption>" if b.caption else ""
            out.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(b, Figure):
            data = base64.b64encode(b.png).decode("ascii")
            out.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{esc(b.alt or b.caption)}">'
                f"<figcaption>{esc(b.caption)}</figcaption></figure>"
            )
        elif isinstance(b, Quote):
            out.append(f"<blockquote>“{esc(b.text)}”<cite>— {esc(b.who)}</cite></blockquote>")
        elif isinstance(b, Note):
            kind = " warning" if b.kind == "warning" else ""
            out.append(f'<div class="note{kind}">{esc(b.text)}</div>')
    out.append("<footer>Generated offline by cxinsight. Participants are shown by their pseudonymous "
               "codes; quotes are pseudonymised.</footer>")
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out)


_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_LEADING_MARK = re.compile(r"^([#+=-](?=[\s#=-]|$)|>)")
_MD_AMP = re.compile(r"&(?=[A-Za-z#])")  # could start an entity
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")  # could start a tag, a comment or an autolink
_MD_LEADING_NUMBER = re.compile(r"^(\d+)([.)])(?=\s|$)")


def md_escape(text: object) -> str:
    """Make ``text`` inert in Markdown: it shows as written and nothing in it is live.

    Newlines become spaces (one block stays one block); a ``<`` that could open a tag, comment or
    autolink becomes ``&lt;`` and an ``&`` that could start an entity ``&amp;``, so raw HTML such
    as ``<img onerror=...>`` is shown, never run (``p < 0.001`` stays as it is);
    Markdown's inline controls (backslash, backtick, ``*``, ``_``, ``[``, ``]``, ``|``, ``~``) are
    backslash-escaped; and a leading ``>``, or ``#``, ``+``, ``-``, ``=`` or ``1.`` followed by a
    space, cannot start a quote, heading, list or rule (``0.25`` and ``-0.5`` stay as they are).
    """
    t = " ".join(str(text).split())
    t = _MD_AMP.sub("&amp;", t)
    t = _MD_TAG.sub("&lt;", t)
    t = _MD_INLINE.sub(r"\\\1", t)
    t = _MD_LEADING_MARK.sub(r"\\\1", t)
    return _MD_LEADING_NUMBER.sub(r"\1\\\2", t)


_md_escape = md_escape


def render_markdown(doc: Document, figure_dir: Path, figure_prefix: str) -> str:
    """Render ``doc`` as Markdown, writing its figures as PNG files into ``figure_dir``.

    Every piece of text is passed through :func:`md_escape`: text from the data (quotes, theme
    labels, group names, warnings) cannot inject HTML or Markdown.
    """
    e = md_escape
    out = [f"# {e(doc.title)}", ""]
    if doc.subtitle:
        out += [f"_{e(doc.subtitle)}_", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + e(b.text), ""]
        elif isinstance(b, Para):
            text = f"**{e(b.text)}**" if b.css == "statement" else e(b.text)
            out += [text, ""]
        elif isinstance(b, Bullets):
            out += [f"- {e(i)}" for i in b.items] + [""]
        elif isinstance(b, Table):
            if b.caption:
                out += [f"_{e(b.caption)}_", ""]
            cols = [str(c) for c in b.df.columns]
            out.append("| " + " | ".join(e(c) for c in cols) + " |")
            out.append("|" + "---|" * len(cols))
            for row in b.df.itertuples(index=False):
                out.append("| " + " | ".join(e(_cell(v)) for v in row) + " |")
            out.append("")
        elif isinstance(b, Figure):
            figure_dir.mkdir(parents=True, exist_ok=True)
            (figure_dir / f"{b.name}.png").write_bytes(b.png)
            out += [f"![{e(b.alt or b.caption)}]({figure_prefix}/{b.name}.png)", "",
                    f"_{e(b.caption)}_", ""]
        elif isinstance(b, Quote):
            out += [f"> “{e(b.text)}” — {e(b.who)}", ""]
        elif isinstance(b, Note):
            prefix = "**Note:** " if b.kind == "info" else "**Warning:** "
            out += [f"> {prefix}{e(b.text)}", ""]
    out += ["---", "Generated offline by cxinsight. Participants are shown by their pseudonymous codes; "
            "quotes are pseudonymised.", ""]
    return "\n".join(out)
