"""The bundled Noto Sans CJK font, cut down to the characters a pack uses and embedded in its pages."""

from __future__ import annotations

import base64
import io
from pathlib import Path


def embed_font(pages: list[Path]) -> None:
    """Give every page the bundled Noto Sans CJK font, cut down to the characters the pages use.

    The font travels inside the HTML as a data URL (about 0.1 MB), so Chinese
    renders the same on a machine without any CJK font, and nothing is fetched.
    """
    from fontTools import subset
    from mplfonts.conf import FONT_DIR

    from ..plots import FONT_FILE

    text = "".join(p.read_text("utf-8") for p in pages)
    options = subset.Options()
    options.flavor = "woff"
    font = subset.load_font(str(Path(FONT_DIR) / FONT_FILE), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buf = io.BytesIO()
    subset.save_font(font, buf, options)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    style = ("<style>@font-face{font-family:'Noto Sans CJK SC report';"
             f"src:url(data:font/woff;base64,{data}) format('woff');}}"
             "body,h1,h2,h3,.reveal,.reveal h1,.reveal h2,.reveal h3,.jp-RenderedHTMLCommon"
             "{font-family:'Noto Sans CJK SC report',sans-serif !important}</style>")
    for p in pages:
        page = p.read_text("utf-8")
        p.write_text(page.replace("</head>", style + "</head>", 1), encoding="utf-8")
