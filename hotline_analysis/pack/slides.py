"""``slides.html``: the deck (:mod:`hotline_analysis.pack.deck`) as a self-contained reveal.js page (library
inlined, charts embedded) that opens offline."""

from __future__ import annotations

import base64
import html
import re
from importlib import resources

from .deck import Slide
from .notebooks import check_offline


def _section(s: Slide) -> str:
    esc = html.escape
    if s.cover:
        return f"<section><h2>{esc(s.title)}</h2><p>{esc(s.subtitle)}</p></section>"
    body = ""
    if s.image is not None:
        data = base64.b64encode(s.image.read_bytes()).decode("ascii")
        body = f'<img class="figure" src="data:image/png;base64,{data}">'
    elif s.lines:
        cls = " ".join(c for c, on in (("small", s.small), ("numbered", s.numbered)) if on)
        body = f"<ul class=\"{cls}\">" + "".join(f"<li>{esc(x)}</li>" for x in s.lines) + "</ul>"
    note = f'<p class="note">{esc(s.note)}</p>' if s.note else ""
    return f"<section><h3>{esc(s.title)}</h3>{body}{note}</section>"


def write_slides(deck: list[Slide], path, title: str, lang: str):
    """Write ``deck`` as one offline HTML page; return its path."""
    res = resources.files("hotline_analysis.resources").joinpath("revealjs")
    js = res.joinpath("reveal.js").read_text("utf-8")
    css = res.joinpath("reveal.css").read_text("utf-8")
    theme = re.sub(r"@import url\([^)]*\);", "", res.joinpath("white.css").read_text("utf-8"))
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{css}</style><style>{theme}</style>
<style>.reveal{{font-family:"Noto Sans CJK SC",sans-serif}} .reveal h3{{font-size:1.3em}}
.reveal ul{{font-size:0.62em;display:block;text-align:left}} .reveal ul.small{{font-size:0.5em}}
.reveal ul.numbered{{list-style:none;margin-left:0}}
.reveal img.figure{{max-height:560px;max-width:100%;margin:0}}
.reveal p.note{{font-size:0.42em;color:#555;text-align:left;margin:0.3em 0 0}}</style>
</head><body><div class="reveal"><div class="slides">{''.join(map(_section, deck))}</div></div>
<script>{js}</script><script>Reveal.initialize({{hash:true,width:1280,height:720,margin:0.04}});</script></body></html>
"""
    path.write_text(check_offline(page, "slides.html"), encoding="utf-8")
    return path
