"""``briefing.pptx``: the deck (:mod:`hotline_analysis.pack.deck`) as a 16:9 PowerPoint using the whole slide."""

from __future__ import annotations

from pathlib import Path

from .deck import Slide

WIDTH, HEIGHT = 13.333, 7.5  # inches, 16:9
MARGIN, TITLE_H = 0.5, 1.0
FONT = "Noto Sans CJK SC"


def _text(slide, left, top, width, height, lines, size: int, bold: bool = False) -> None:
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.text = line
        p.font.size, p.font.bold, p.font.name = Pt(size), bold, FONT
        p.space_after = Pt(size * 0.4)


def _title_size(title: str, width: float, largest: int = 28, smallest: int = 18) -> int:
    """The largest font size (points, ``smallest`` to ``largest``) at which ``title`` fits one line ``width``
    inches wide: a CJK character about one em, a Latin one about 0.6 em (bold)."""
    ems = round(sum(1.0 if ord(c) > 0x2E80 else 0.6 for c in title), 6)
    return max(smallest, min(largest, int(width * 72 / max(ems, 1))))


def _picture(slide, png: Path) -> None:
    from PIL import Image
    from pptx.util import Inches

    with Image.open(png) as im:
        w, h = im.size
    box_w, box_h = WIDTH - 2 * MARGIN, HEIGHT - TITLE_H - MARGIN - 0.3
    scale = min(box_w / w, box_h / h)
    pw, ph = w * scale, h * scale
    slide.shapes.add_picture(str(png), Inches((WIDTH - pw) / 2), Inches(TITLE_H + 0.3), Inches(pw), Inches(ph))


def write_briefing(deck: list[Slide], path: Path) -> Path:
    """Write ``deck`` as a PowerPoint file; return its path."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(WIDTH), Inches(HEIGHT)
    blank = prs.slide_layouts[6]
    for s in deck:
        slide = prs.slides.add_slide(blank)
        if s.cover:
            _text(slide, MARGIN, 2.4, WIDTH - 2 * MARGIN, 1.4, [s.title], 36, bold=True)
            if s.subtitle:
                _text(slide, MARGIN, 4.0, WIDTH - 2 * MARGIN, 1.0, [s.subtitle], 22)
            continue
        _text(slide, MARGIN, 0.3, WIDTH - 2 * MARGIN, TITLE_H - 0.2, [s.title],
              _title_size(s.title, WIDTH - 2 * MARGIN), bold=True)
        if s.image is not None:
            _picture(slide, s.image)
        elif s.lines:
            _text(slide, MARGIN, TITLE_H + 0.3, WIDTH - 2 * MARGIN, HEIGHT - TITLE_H - MARGIN - 0.3,
                  [f"• {x}" for x in s.lines], 16 if s.small else 20)
    prs.save(path)
    return path
