"""What a report pack looks like in a real browser: pages rendered by headless Chromium, checked from the DOM.

No extra Python package is needed. :func:`render` copies a page into a private temporary folder (the other
entries of the page's folder linked beside it, so relative links still resolve), injects a script at the end
of ``<body>`` that waits for ``load``, the fonts and one more second (reveal.js lays slides out after load),
measures the page and writes a JSON report into the ``data-hotline-check`` attribute of ``<body>``; Chromium
runs the page with ``--virtual-time-budget`` (timers are fast-forwarded, so the wait costs no real time) and
``--dump-dom``, and the report is read back out of the dumped DOM.

Nothing is fetched: Chromium starts with every background-networking feature off and a fresh profile.
Where no Chromium is installed, :func:`find_browser` returns ``None`` and the tests skip.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

#: Chromium's flags for a page that must render offline, with nothing of the machine's own profile.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--force-device-scale-factor=1")
#: The window a page is rendered in: a common laptop screen.
WINDOW = (1280, 800)
#: Virtual time a page gets (ms): the load, the fonts, reveal.js's layout and the check's own wait fit in it.
VIRTUAL_TIME_MS = 5000
#: Real time one render may take (s) before it counts as failed.
TIMEOUT_S = 90
ATTRIBUTE = "data-hotline-check"

#: Latin tokens that legitimately stand in a Chinese official report, compared case-insensitively: the hotline's
#: number, file formats and the pack's own file and folder names as shown on the index page, the package name
#: in the footer, statistical methods known by their authors' names (Sen's slope, Mann-Kendall) and "APP"
#: (a channel of the hotline). The names of the files actually in a pack are allowed as well (see check_pack).
DEFAULT_LATIN_ALLOW = frozenset({
    "12345", "PDF", "PowerPoint", "Excel", "HTML", "json", "xlsx", "pptx", "html", "png",
    "summary", "tables", "slides", "briefing", "index", "figures", "hotline_analysis",
    "Sen", "Mann", "Kendall", "APP", "q",
})

#: Pages that show charts: each must hold at least one image that really decoded.
PAGES_WITH_FIGURES = ("01_overview", "02_departments", "04_satisfaction", "05_topics", "lookback", "annual_review")

#: The injected check. It sets ``r`` (see render's docstring) on <body> as JSON.
_CHECK_JS = r"""
(function () {
  var ATTR = "%(attribute)s";
  function describe(el) {
    var d = el.tagName.toLowerCase();
    if (el.id) d += "#" + el.id;
    if (typeof el.className === "string" && el.className.trim())
      d += "." + el.className.trim().split(/\s+/).slice(0, 2).join(".");
    return d;
  }
  function snippet(el) { return (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 60); }
  function scrolls(style) { return style.overflowX === "auto" || style.overflowX === "scroll"; }
  function clips(style) { return style.overflowX !== "visible"; }
  function nearestClipper(el) {  // the nearest ancestor below <body> that does not let content spill out, if any
    for (var p = el.parentElement; p && p !== document.body; p = p.parentElement)
      if (clips(getComputedStyle(p))) return p;
    return null;
  }
  function deepest(found) {          // of nested offenders keep the innermost: it is the one to fix
    return found.filter(function (a) {
      return !found.some(function (b) { return b.el !== a.el && a.el.contains(b.el); });
    }).map(function (a) { delete a.el; return a; });
  }
  function imageInfo(img, rect) {
    return {src: (img.getAttribute("src") || "").slice(0, 30), naturalWidth: img.naturalWidth,
            naturalHeight: img.naturalHeight, width: Math.round(rect.width), height: Math.round(rect.height)};
  }

  function pageOverflow() {
    var docWidth = document.documentElement.clientWidth, found = [];
    var all = document.body.querySelectorAll("*");
    for (var i = 0; i < all.length && found.length < 200; i++) {
      var el = all[i], style = getComputedStyle(el);
      if (style.display === "none" || style.display === "inline" || /^(SCRIPT|STYLE|TEMPLATE)$/.test(el.tagName))
        continue;
      var why = null;
      var clipper = nearestClipper(el);
      if (el.scrollWidth > el.clientWidth + 2 && !scrolls(style)
          && !(style.overflowX === "visible" && clipper && scrolls(getComputedStyle(clipper)))) {
        // too wide for its box, and the excess is neither scrollable here nor spills into a box that scrolls
        why = "content " + el.scrollWidth + "px wide in a box of " + el.clientWidth + "px";
      } else {
        var right = el.getBoundingClientRect().right + window.scrollX;
        // past the window's right edge, outside any box that scrolls or clips it
        if (right > docWidth + 2 && !clipper)
          why = "right edge at " + Math.round(right) + "px, page " + docWidth + "px wide";
      }
      if (why) found.push({el: el, element: describe(el), text: snippet(el), why: why});
    }
    return deepest(found);
  }

  function deckOverflow(r) {
    var cfg = Reveal.getConfig(), W = cfg.width, H = cfg.height;
    var frame = document.querySelector(".reveal .slides"), texts = [], shown = new Map(), found = [];
    Reveal.configure({transition: "none", backgroundTransition: "none"});
    Reveal.getSlides().forEach(function (slide, i) {
      var at = Reveal.getIndices(slide);
      Reveal.slide(at.h, at.v);
      Reveal.layout();
      var box = frame.getBoundingClientRect(), scale = box.width / frame.offsetWidth || 1;
      var bottom = slide.scrollHeight, right = slide.scrollWidth, top = 0, left = 0;
      slide.querySelectorAll("*").forEach(function (el) {
        var q = el.getBoundingClientRect();
        if (!q.width && !q.height) return;
        bottom = Math.max(bottom, (q.bottom - box.top) / scale);
        right = Math.max(right, (q.right - box.left) / scale);
        top = Math.min(top, (q.top - box.top) / scale);
        left = Math.min(left, (q.left - box.left) / scale);
        if (el.tagName === "IMG") shown.set(el, q);
      });
      texts.push(slide.innerText);
      var title = slide.querySelector("h1, h2, h3");
      if (bottom > H + 2 || right > W + 2 || top < -2 || left < -2)
        found.push({slide: i + 1, title: title ? title.textContent.trim() : "",
                    why: "content " + Math.round(right - left) + "x" + Math.round(bottom - top) +
                         "px on a " + W + "x" + H + "px slide"});
    });
    Reveal.slide(0, 0);
    r.text = texts.join("\n");
    r.images = Array.prototype.map.call(document.images, function (img) {
      return imageInfo(img, shown.get(img) || img.getBoundingClientRect());
    });
    return found;
  }

  function check() {
    var r = {deck: typeof Reveal !== "undefined" && !!document.querySelector(".reveal .slides")};
    try {
      r.text = document.body.innerText;
      r.images = Array.prototype.map.call(document.images, function (img) {
        return imageInfo(img, img.getBoundingClientRect());
      });
      r.overflow = r.deck ? deckOverflow(r) : pageOverflow();
      r.figure_text = r.text.indexOf("Figure size") >= 0;
      r.broken_images = r.images.filter(function (x) { return x.naturalWidth === 0; });
    } catch (e) {
      r.error = String(e && e.stack || e);
    }
    document.body.setAttribute(ATTR, JSON.stringify(r));
  }

  var tries = 0;
  function whenReady() {  // reveal.js (if any) must have laid the deck out; give it up to 3 s more
    if (typeof Reveal !== "undefined" && Reveal.isReady && !Reveal.isReady() && tries++ < 15)
      return setTimeout(whenReady, 200);
    check();
  }
  window.addEventListener("load", function () {
    var fonts = document.fonts ? document.fonts.ready : Promise.resolve();
    fonts.then(function () { setTimeout(whenReady, 1000); });
  });
})();
"""


def find_browser() -> str | None:
    """The path of a Chromium (or Chrome) to render with, or ``None`` where there is none.

    ``HOTLINE_BROWSER`` names one explicitly; otherwise Debian's ``/usr/bin/chromium``, then the usual names on PATH.
    """
    named = os.environ.get("HOTLINE_BROWSER")
    if named:
        return named if shutil.which(named) else None
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _inject(page: str, script: str) -> str:
    tag = f"<script>{script}</script>"
    end = page.lower().rfind("</body>")
    return page[:end] + tag + page[end:] if end >= 0 else page + tag


def _dump_dom(browser: str, page: Path, source: str) -> str:
    """Chromium's DOM of ``source`` served as if it were ``page`` (its folder's other entries linked beside it)."""
    with tempfile.TemporaryDirectory(prefix="hotline-render-") as tmp:
        site, profile = Path(tmp, "site"), Path(tmp, "profile")
        site.mkdir()
        for entry in page.parent.iterdir():
            if entry.name != page.name:
                (site / entry.name).symlink_to(entry.resolve())
        copy = site / page.name
        copy.write_text(source, encoding="utf-8")
        cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
               f"--virtual-time-budget={VIRTUAL_TIME_MS}", "--dump-dom", copy.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace",
                                  timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"{page.name}: Chromium did not finish within {TIMEOUT_S} s") from None
    if done.returncode != 0 or not done.stdout.strip():
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"{page.name}: Chromium exited with {done.returncode} and no DOM: {tail}")
    return done.stdout


def render(page: Path, script_result: bool = True) -> dict:
    """Render ``page`` in headless Chromium and return what its rendered DOM shows.

    With ``script_result`` (the default) the result is the injected check's report:

    - ``deck``: whether the page is a reveal.js deck;
    - ``text``: the visible text (``document.body.innerText``; for a deck, each slide's text while it is shown);
    - ``images``: one ``{src, naturalWidth, naturalHeight, width, height}`` per ``<img>``, ``src`` cut to 30
      characters, width and height as rendered (for a deck, while the image's slide is shown);
    - ``figure_text``: whether the text holds a matplotlib repr such as ``<Figure size 800x280 with 1 Axes>``;
    - ``overflow``: what does not fit. On a page, ``{element, text, why}`` for each element whose content is
      wider than its box (``scrollWidth > clientWidth + 2``) while neither it nor, where the excess spills out
      of it, its nearest clipping ancestor may scroll (``overflow-x`` auto or scroll), and for each element that
      reaches past the window's right edge outside any box that scrolls or clips (of nested offenders only the
      innermost). A wide table in a box that scrolls (nbconvert's output area) is fine. On a deck, ``{slide, title, why}`` for each
      slide (1-based) whose content, laid out while that slide is shown, reaches past the configured slide size;
    - ``broken_images``: the entries of ``images`` with ``naturalWidth`` 0;
    - ``error``: only if the check itself failed (a JavaScript error).

    Without ``script_result`` nothing is injected and the result is ``{"dom": <the dumped DOM>}``.
    Raises ``RuntimeError`` where no browser is installed or the page gives no report.
    """
    browser = find_browser()
    if browser is None:
        raise RuntimeError("no Chromium installed (apt-get install chromium)")
    page = Path(page).resolve()
    source = page.read_text("utf-8")
    if not script_result:
        return {"dom": _dump_dom(browser, page, source)}
    dom = _dump_dom(browser, page, _inject(source, _CHECK_JS % {"attribute": ATTRIBUTE}))
    found = re.search(rf'\b{ATTRIBUTE}="([^"]*)"', dom)
    if not found:
        raise RuntimeError(f"{page.name}: the page gave no report within {VIRTUAL_TIME_MS} ms of virtual time")
    return json.loads(html.unescape(found.group(1)))


_LATIN = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9_'-]*")
_CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _without(text: str, names) -> str:
    """``text`` with every occurrence of each of ``names`` removed, longest first."""
    for name in sorted((n for n in names if n), key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))


_IDENTIFIER = re.compile(r"[A-Za-z]{1,4}[0-9]{6,}")


def latin_words(text: str, allow: set[str]) -> list[str]:
    """The Latin-letter words of a Chinese page's ``text`` (two letters or more) that ``allow`` does not hold,
    compared case-insensitively; each once, in order of appearance.

    A word may hold digits, ``_``, ``'`` and ``-`` after its first letter, so identifiers count whole. Entries of
    ``allow`` that are not one word (file names such as ``01_overview.html``) are taken out of the text first;
    a hyphenated word passes when each of its parts is allowed (``Mann-Kendall``). A record identifier (a few
    letters and six digits or more, such as the order number ZB2021021900053) is data, not a word.

    >>> latin_words("本月净投诉 30,449 件，趋势 trend（no_trend），见 PDF 与 01_overview.html", {"pdf", "01_overview.html"})
    ['trend', 'no_trend']
    >>> latin_words("工单 ZB2021021900053 超期，ZB12 不是编号", set())
    ['ZB12']
    """
    phrases = {a for a in allow if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_'-]*", a)}
    words = {a.lower() for a in allow}
    found = (m.group(0).rstrip("'-") for m in _LATIN.finditer(_without(text, phrases)))
    return _unique(w for w in found if len(w) >= 2 and not _IDENTIFIER.fullmatch(w)
                   and not all(part in words for part in w.lower().split("-")))


def cjk_chars(text: str, allow: set[str]) -> list[str]:
    """The CJK characters (ideographs, CJK punctuation, full-width forms) of an English page's ``text``, each
    once in order of appearance, leaving out those inside the names of ``allow`` (taken out of the text first).

    >>> cjk_chars("Net complaints 环比（%） in 淄博市", {"淄博市"})
    ['环', '比', '（', '）']
    """
    return _unique(_CJK.findall(_without(text, allow)))


def _page_problems(name: str, r: dict, lang: str, allow_latin, allow_names) -> list[str]:
    if "error" in r:
        return [f"{name}: the check failed in the page: {r['error'][:300]}"]
    problems = []
    stem = Path(name).stem
    if stem in PAGES_WITH_FIGURES and not any(i["naturalWidth"] > 0 for i in r["images"]):
        problems.append(f"{name}: no chart: the page shows no image that decoded")
    if r["figure_text"]:
        problems.append(f"{name}: a matplotlib figure shows as text ('Figure size …') instead of a chart")
    for i in r["broken_images"]:
        problems.append(f"{name}: a broken image ({i['src']}…)")
    for o in r["overflow"]:
        where = f"slide {o['slide']} '{o['title']}'" if "slide" in o else f"{o['element']} '{o['text']}'"
        problems.append(f"{name}: {where} does not fit: {o['why']}")
    if lang == "zh":
        words = latin_words(r["text"], allow_latin)
        if words:
            problems.append(f"{name}: Latin words in a Chinese page: {', '.join(words[:20])}")
    elif lang == "en":
        chars = cjk_chars(r["text"], allow_names)
        if chars:
            problems.append(f"{name}: Chinese characters in an English page: {''.join(chars[:40])}")
    else:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return problems


def check_pack(folder: Path, lang: str, allow_latin: set[str] = DEFAULT_LATIN_ALLOW,
               allow_names: set[str] = frozenset()) -> list[str]:
    """Render every ``*.html`` page of the pack in ``folder`` and return its problems as readable lines (none:
    the pack looks right): chart pages (:data:`PAGES_WITH_FIGURES`) without a decoded image, matplotlib reprs
    shown as text, broken images, content that does not fit (elements or slides), Latin words in a ``zh`` pack
    beyond ``allow_latin`` and the pack's own file names, CJK characters in an ``en`` pack beyond ``allow_names``.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    folder = Path(folder)
    pages = sorted(folder.glob("*.html"))
    if not pages:
        return [f"{folder}: no HTML page"]
    allow_latin = set(allow_latin) | {p.name for p in folder.rglob("*") if p.is_file()}

    def one(page: Path) -> list[str]:
        try:
            return _page_problems(page.name, render(page), lang, allow_latin, allow_names)
        except RuntimeError as exc:
            return [str(exc)]

    with ThreadPoolExecutor(max_workers=min(4, len(pages))) as pool:
        return [p for found in pool.map(one, pages) for p in found]


#: What :func:`table_look` measures: a table's columns and width, and how the page's text is set.
_TABLE_JS = r"""
window.addEventListener("load", function () {
  (document.fonts ? document.fonts.ready : Promise.resolve()).then(function () {
    var t = document.querySelectorAll("table")[%(which)d], r = {columns: []};
    if (t) {
      var heads = t.querySelectorAll("thead th"), cells = t.querySelectorAll("tbody tr:first-child td");
      heads.forEach(function (h, i) {
        var range = document.createRange(), tops = {};
        range.selectNodeContents(h);
        Array.prototype.forEach.call(range.getClientRects(), function (q) { tops[Math.round(q.top)] = 1; });
        r.columns.push({header: h.textContent.trim(), header_align: getComputedStyle(h).textAlign,
                        header_background: getComputedStyle(h).backgroundColor,
                        header_lines: Object.keys(tops).length,
                        align: cells[i] ? getComputedStyle(cells[i]).textAlign : null});
      });
      r.width = t.scrollWidth;
      r.box = t.parentElement.clientWidth;
    }
    r.font_family = getComputedStyle(document.querySelector("h1") || document.body).fontFamily;
    r.report_font_loaded = !!document.fonts && document.fonts.check("16px 'Noto Sans CJK SC report'");
    document.body.setAttribute("%(attribute)s", JSON.stringify(r));
  });
});
"""


def table_look(page: Path, which: int = 0) -> dict:
    """How ``page`` sets its table ``which`` (0: the first) and its text in headless Chromium at the window's
    width (:data:`WINDOW`): ``columns``, one ``{header, header_align, header_background, header_lines, align}``
    per column (``header_lines``: the lines its header wraps onto; ``align``: the computed ``text-align`` of its
    first body cell); ``width`` of the table and ``box``, the width of the box holding it (wider: it scrolls);
    ``font_family`` of the title; ``report_font_loaded``: whether the pack's embedded font
    (:mod:`hotline_analysis.pack.fonts`) is loaded. Raises ``RuntimeError`` where no browser is installed."""
    browser = find_browser()
    if browser is None:
        raise RuntimeError("no Chromium installed (apt-get install chromium)")
    page = Path(page).resolve()
    dom = _dump_dom(browser, page, _inject(page.read_text("utf-8"), _TABLE_JS % {"attribute": ATTRIBUTE, "which": which}))
    found = re.search(rf'\b{ATTRIBUTE}="([^"]*)"', dom)
    if not found:
        raise RuntimeError(f"{page.name}: the page gave no report within {VIRTUAL_TIME_MS} ms of virtual time")
    return json.loads(html.unescape(found.group(1)))
