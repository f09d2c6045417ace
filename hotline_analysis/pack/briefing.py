"""``briefing.pptx``: the deck (:mod:`hotline_analysis.pack.deck`) as a 16:9 PowerPoint using the whole slide.

No text box overflows: each box's font size is the largest at which its lines, wrapped as PowerPoint wraps
them (estimated from the characters: :func:`text_height`), fit the box, down to a floor; a list that does not
fit even then goes on as many slides as it needs (:func:`fit_lines`)."""

from __future__ import annotations

import re
from pathlib import Path

from .deck import Slide

#: 16:9 widescreen, 13.333 x 7.5 inches, in EMU (914,400 an inch) so the size is exact.
WIDTH_EMU, HEIGHT_EMU = 12192000, 6858000
WIDTH, HEIGHT = WIDTH_EMU / 914400, HEIGHT_EMU / 914400  # inches
MARGIN, TITLE_H = 0.5, 1.0
FONT = "Noto Sans CJK SC"
#: A text frame's inner margins (python-pptx's and PowerPoint's defaults), inches.
INSET_X, INSET_Y = 0.1, 0.05
#: Line height of Noto Sans CJK at single spacing (ascent + descent), and the space after a paragraph, in ems.
LINE, AFTER = 1.45, 0.4
#: The body text's largest size (points) on a slide of bullets, on a slide of small text, and its floor.
BODY, BODY_SMALL, BODY_FLOOR = 20, 16, 12
BODY_TOP = TITLE_H + 0.3
BODY_W, BODY_H = WIDTH - 2 * MARGIN, HEIGHT - BODY_TOP - MARGIN
#: A slide's note (:attr:`hotline_analysis.pack.deck.Slide.note`): its size (points) and the height it takes
#: at the bottom of the body (inches).
NOTE, NOTE_H = 12, 0.4

_CJK = r"\u2e80-\uffff"
#: What a line breaks between: one CJK character, or a run of other characters with the spaces after it.
_TOKEN = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+\s*|\s+")


def _ems(text: str, bold: bool = False) -> float:
    """The width of ``text`` in ems: a CJK character one em, any other about 0.55 (0.6 bold)."""
    latin = 0.6 if bold else 0.55
    return sum(1.0 if ord(c) > 0x2E80 else latin for c in text)


def wrapped_lines(line: str, size: float, width: float, bold: bool = False) -> int:
    """How many lines ``line`` takes at ``size`` points in a box ``width`` inches wide (its insets off), wrapped
    greedily between words (between any two CJK characters); a word longer than a line breaks where it must."""
    room = max((width - 2 * INSET_X) * 72 / size, 1.0)  # ems per line
    n, used = 1, 0.0
    for tok in _TOKEN.findall(line):
        w, ink = _ems(tok, bold), _ems(tok.rstrip(), bold)
        if used and used + ink > room:
            n, used = n + 1, 0.0
            if not tok.strip():
                continue
        while ink > room:  # a word wider than the line
            n, ink, w = n + 1, ink - room, w - room
        used += w
    return n


def text_height(lines: list[str], size: float, width: float, bold: bool = False) -> float:
    """The height (inches) of ``lines`` as paragraphs at ``size`` points in a box ``width`` inches wide, with
    the box's insets."""
    rows = sum(wrapped_lines(x, size, width, bold) for x in lines)
    return (rows * LINE * size + max(len(lines) - 1, 0) * AFTER * size) / 72 + 2 * INSET_Y


def body_size(lines: list[str], width: float, height: float, largest: int, smallest: int = BODY_FLOOR,
              bold: bool = False) -> int | None:
    """The largest whole font size from ``largest`` down to ``smallest`` at which ``lines`` fit a box of
    ``width`` x ``height`` inches; None when they do not fit even at ``smallest``."""
    for size in range(largest, smallest - 1, -1):
        if text_height(lines, size, width, bold) <= height:
            return size
    return None


def fit_lines(lines: list[str], width: float, height: float, largest: int,
              smallest: int = BODY_FLOOR) -> list[tuple[list[str], int]]:
    """``lines`` as (lines, font size) per slide: one slide at the largest size that fits; when none down to
    ``smallest`` does, in the fewest balanced parts that each fit at some size (a part of one line too long
    for the box is shown at ``smallest``)."""
    for k in range(1, len(lines) + 1):
        size, extra = divmod(len(lines), k)
        parts, at = [], 0
        for i in range(k):
            parts.append(lines[at:at + size + (i < extra)])
            at += size + (i < extra)
        sizes = [body_size(p, width, height, largest, smallest) for p in parts]
        if all(sizes):
            return list(zip(parts, sizes))
    return [([x], smallest) for x in lines]


#: The deck's font (Noto Sans CJK) draws the minus sign (U+2212) a full em wide, the plus sign 0.555: the slides
#: write the minus as an en dash (0.536), so −8.40 stands as wide as +8.41.
NARROW_MINUS = str.maketrans({"\u2212": "\u2013"})


def _text(slide, left, top, width, height, lines, size: int, bold: bool = False) -> None:
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    frame.margin_left = frame.margin_right = Inches(INSET_X)
    frame.margin_top = frame.margin_bottom = Inches(INSET_Y)
    for i, line in enumerate(lines):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.text = line.translate(NARROW_MINUS)
        p.font.size, p.font.bold, p.font.name = Pt(size), bold, FONT
        p.space_after = Pt(size * AFTER) if i < len(lines) - 1 else Pt(0)


def _fitted(slide, left, top, width, height, lines, largest: int, smallest: int, bold: bool = False) -> None:
    """A text box of ``lines`` at the largest size from ``largest`` to ``smallest`` that fits it."""
    _text(slide, left, top, width, height, lines, body_size(lines, width, height, largest, smallest, bold) or smallest,
          bold)


def _title_size(title: str, width: float, largest: int = 28, smallest: int = 18) -> int:
    """The largest font size (points, ``smallest`` to ``largest``) at which ``title`` fits one line ``width``
    inches wide: a CJK character about one em, a Latin one about 0.6 em (bold)."""
    ems = round(sum(1.0 if ord(c) > 0x2E80 else 0.6 for c in title), 6)
    return max(smallest, min(largest, int(width * 72 / max(ems, 1))))


def _picture(slide, png: Path, below: float = 0.0) -> None:
    """The picture as large as the body holds, leaving ``below`` inches under it (for a note)."""
    from PIL import Image
    from pptx.util import Inches

    with Image.open(png) as im:
        w, h = im.size
    box_w, box_h = WIDTH - 2 * MARGIN, HEIGHT - TITLE_H - MARGIN - 0.3 - below
    scale = min(box_w / w, box_h / h)
    pw, ph = w * scale, h * scale
    slide.shapes.add_picture(str(png), Inches((WIDTH - pw) / 2), Inches(TITLE_H + 0.3), Inches(pw), Inches(ph))


def _note(slide, note: str) -> None:
    """``note`` in small grey type along the bottom of the body; nothing when empty."""
    from pptx.dml.color import RGBColor

    if not note:
        return
    _text(slide, MARGIN, HEIGHT - MARGIN - NOTE_H, BODY_W, NOTE_H, [note], NOTE)
    slide.shapes[-1].text_frame.paragraphs[0].font.color.rgb = RGBColor(0x55, 0x55, 0x55)


def _continued(title: str, i: int) -> str:
    """The title of the ``i``-th slide (from 0) a list is spread over when it does not fit one."""
    if i == 0:
        return title
    return f"{title}（续）" if re.search(f"[{_CJK}]", title) else f"{title} (continued)"


def write_briefing(deck: list[Slide], path: Path) -> Path:
    """Write ``deck`` as a PowerPoint file; return its path."""
    from pptx import Presentation
    from pptx.util import Emu

    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(WIDTH_EMU), Emu(HEIGHT_EMU)
    size = prs.part._element.find("{http://schemas.openxmlformats.org/presentationml/2006/main}sldSz")
    size.attrib.pop("type", None)  # the template's "screen4x3": a 13.333 x 7.5 in slide is "custom" (PowerPoint's 16:9)
    blank = prs.slide_layouts[6]

    def titled(title: str):
        slide = prs.slides.add_slide(blank)
        _text(slide, MARGIN, 0.3, WIDTH - 2 * MARGIN, TITLE_H - 0.2, [title],
              _title_size(title, WIDTH - 2 * MARGIN), bold=True)
        return slide

    for s in deck:
        if s.cover:
            slide = prs.slides.add_slide(blank)
            _fitted(slide, MARGIN, 2.2, WIDTH - 2 * MARGIN, 1.7, [s.title], 36, 24, bold=True)
            if s.subtitle:
                _fitted(slide, MARGIN, 4.0, WIDTH - 2 * MARGIN, 1.0, [s.subtitle], 22, 14)
            continue
        below = NOTE_H if s.note else 0.0
        if s.image is not None:
            slide = titled(s.title)
            _picture(slide, s.image, below)
            _note(slide, s.note)
        elif s.lines:
            lines = list(s.lines) if s.numbered else [f"• {x}" for x in s.lines]
            for i, (part, pt) in enumerate(fit_lines(lines, BODY_W, BODY_H - below, BODY_SMALL if s.small else BODY)):
                slide = titled(_continued(s.title, i))
                _text(slide, MARGIN, BODY_TOP, BODY_W, BODY_H - below, part, pt)
                _note(slide, s.note if i == 0 else "")
        else:
            titled(s.title)
    prs.save(path)
    return path
