"""The bundled Noto Sans CJK font, cut down to the characters a pack uses and embedded in its pages."""

from __future__ import annotations

import base64
import io
from pathlib import Path


def unicode_range(lang: str) -> str:
    """The ``unicode-range`` of the embedded font's face: every character but the minus sign (U+2212, a full em
    in the CJK font against the plus sign's 0.555: −8.40 would stand wider than +8.41) in a zh page; in an en page
    general punctuation (U+2010-2027: the CJK font's quotes, dashes and ellipsis are full-width, MAYOR’S would read
    MAYOR’ S) is left out too. The Latin fonts after it in the stack draw what it leaves.

    >>> unicode_range("zh"), unicode_range("en")
    ('U+0-2211, U+2213-10FFFF', 'U+0-200F, U+2028-2211, U+2213-10FFFF')
    """
    return "U+0-2211, U+2213-10FFFF" if lang == "zh" else "U+0-200F, U+2028-2211, U+2213-10FFFF"


def embed_font(pages: list[Path], lang: str = "zh") -> None:
    """Give every page the bundled Noto Sans CJK font, cut down to the characters the pages use.

    The font travels inside the HTML as a data URL (about 0.1 MB), so Chinese
    renders the same on a machine without any CJK font, and nothing is fetched. In an English pack
    (``lang`` en) the font leaves general punctuation (’ “ ” – — …) to the Latin fonts after it, and in both the
    minus sign (:func:`unicode_range`).
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
             f"src:url(data:font/woff;base64,{data}) format('woff');unicode-range:{unicode_range(lang)};}}"
             "body,h1,h2,h3,.reveal,.reveal h1,.reveal h2,.reveal h3,.jp-RenderedHTMLCommon"
             "{font-family:'Noto Sans CJK SC report','Noto Sans','DejaVu Sans',Arial,sans-serif !important}</style>")
    for p in pages:
        page = p.read_text("utf-8")
        p.write_text(page.replace("</head>", style + "</head>", 1), encoding="utf-8")
