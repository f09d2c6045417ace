"""Hot topics: the main issues of a month, from the categories and from the citizens' own words.

For each department (or any other grouping) and month:

1. **Segment** the texts with jieba: its bundled dictionary plus a user
   dictionary of department names, districts and hotline domain terms
   (``resources/topics/domain_terms.txt``); stop words
   (``resources/topics/stopwords.txt``), numbers, masks and one-character
   tokens are dropped.
2. **Keywords** that are *distinctive* (:func:`keyness`): a word's share of
   the department's orders against its share of the rest of the city's orders
   in the same month, as the z-score of the log odds ratio (place names and
   boilerplate, which every department shares, score near zero), plus words
   distinctive against the department's own trailing months (what is new this
   month). With a single group (data without departments) the comparison is
   general Chinese: the document frequency ``exp(-idf)`` of the IDF table
   bundled with jieba.
3. **Issues** (:func:`extract_issues`): the department's top keywords are
   grouped by how often they occur in the same orders (Jaccard similarity,
   average-linkage clustering); each order goes to the issue whose keywords it
   contains with the highest total keyness. An issue has its keywords, its
   order count, its main category, a label in plain Chinese (the category and
   the phrase its orders write most often, :func:`issue_phrase`: "物业管理：物业
   擅自上调物业费") and one or two masked example sentences (:func:`excerpt`).
4. **Change against the baseline**: the same keywords are counted, with the
   same rule, in the department's orders of the trailing months. An issue is
   *emerging* when its count is significantly above the trailing monthly mean:
   exact conditional Poisson test (one-sided), Benjamini-Hochberg across all
   issues of the run.

Data without text (a city that exports categories only), and departments
with too few orders for a distinctive word, get one issue per category, with
the same counts, baseline and test (and no keywords). The category is the
finest level the export has (:func:`finest_category`: ``category_l2``, else
``category_l1`` for a city with one level of categories).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from . import __version__
from . import metrics as M
from . import paths
from . import schema as S
from .privacy import mask_texts
from .settings import Settings, Topics, load_settings
from .stats import bh_adjust, rate_ratio_test

_TOKEN_OK = re.compile(r"[\u4e00-\u9fff]")  # a keyword holds at least one Chinese character
_LONG_NUMBER = re.compile(r"[0-9０-９](?:[ -]?[0-9０-９]){6,}")
_RESOURCES = resources.files("hotline_analysis.resources").joinpath("topics")


# --- segmentation -------------------------------------------------------------------------------------------


def _word_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The stop words shipped with the package."""
    return frozenset(_word_lines(_RESOURCES.joinpath("stopwords.txt").read_text("utf-8")))


@lru_cache(maxsize=4)
def tokenizer(departments_csv: str | None = None, districts_csv: str | None = None):
    """A jieba tokenizer with the domain terms, department names and aliases, and districts added."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" chatter on stderr

    tk = jieba.Tokenizer()
    tk.initialize()
    for line in _word_lines(_RESOURCES.joinpath("domain_terms.txt").read_text("utf-8")):
        word, *rest = line.split()
        tk.add_word(word, int(rest[0]) if rest else None, rest[1] if len(rest) > 1 else None)
    for name in sorted(n for n in _names(departments_csv, districts_csv) if " " not in n):
        tk.add_word(name, 50, "nt")
    return tk


def segment(texts, tk=None) -> list[list[str]]:
    """The distinct keyword tokens of each text (stop words, numbers and single characters dropped).

    >>> segment(["市民来电反映：小区物业费上涨，希望尽快落实。"])
    [['小区', '物业费', '上涨']]
    """
    tk = tk or tokenizer()
    stops = stop_words()
    out, seen = [], {}
    for t in texts:
        if t is None or t is pd.NA or (isinstance(t, float) and math.isnan(t)):
            out.append([])
            continue
        if t not in seen:
            words = dict.fromkeys(w for w in tk.lcut(t, HMM=False)
                                  if len(w) > 1 and w not in stops and _TOKEN_OK.search(w))
            seen[t] = list(words)
        out.append(seen[t])
    return out


@lru_cache(maxsize=1)
def _general_idf() -> tuple[dict, float]:
    from jieba.analyse.tfidf import TFIDF

    t = TFIDF()
    return t.idf_freq, t.median_idf


# --- keyness ------------------------------------------------------------------------------------------------


def keyness(hits: np.ndarray, n: int, ref_hits: np.ndarray | None = None, ref_n: int | None = None,
            ref_share: np.ndarray | None = None) -> np.ndarray:
    """z-score of the log odds ratio that a word occurs in a group's orders rather than the reference's.

    With ``hits`` of ``n`` orders in the group and ``ref_hits`` of ``ref_n``
    in the reference, the log odds ratio of the 2x2 table, each cell plus 0.5
    (Haldane-Anscombe), over Woolf's standard error:

    .. math:: z = \\frac{\\log\\frac{(a+½)(d+½)}{(b+½)(c+½)}}{\\sqrt{\\frac1{a+½}+\\frac1{b+½}+\\frac1{c+½}+\\frac1{d+½}}}

    with ``a = hits, b = n - hits, c = ref_hits, d = ref_n - ref_hits``.
    Against a known share ``p`` (``ref_share``) the reference terms are
    ``logit(p)`` and no variance.

    >>> round(float(keyness(np.array([30]), 100, np.array([10]), 400)[0]), 3)
    7.302
    """
    a = np.asarray(hits, dtype=float) + 0.5
    b = n - np.asarray(hits, dtype=float) + 0.5
    if ref_share is not None:
        p = np.clip(np.asarray(ref_share, dtype=float), 1e-9, 1 - 1e-9)
        return (np.log(a / b) - np.log(p / (1 - p))) / np.sqrt(1 / a + 1 / b)
    c = np.asarray(ref_hits, dtype=float) + 0.5
    d = ref_n - np.asarray(ref_hits, dtype=float) + 0.5
    return np.log(a * d / (b * c)) / np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)


def distinctive_words(tokens: pd.Series, groups: pd.Series, min_orders: int = 3) -> pd.DataFrame:
    """Per group, every word in at least ``min_orders`` of its orders with its keyness against the other groups.

    ``tokens`` holds one list of words per order (:func:`segment`), ``groups``
    the group of each order. Columns: ``group, word, orders, share, z, idf``
    (``idf``: the word's IDF in general Chinese, jieba's table), sorted by group
    and descending z. A single group is compared with general Chinese.
    """
    long = pd.DataFrame({"group": groups.to_numpy(), "word": tokens.to_numpy()}).explode("word").dropna()
    df = long.groupby(["group", "word"], observed=True).size().rename("orders").reset_index()
    n_group = groups.value_counts()
    n_all = int(n_group.sum())
    total = df.groupby("word")["orders"].sum()
    df = df[df.orders >= min_orders].copy()
    n = df.group.map(n_group).to_numpy()
    idf, median = _general_idf()
    df["idf"] = df.word.map(idf).fillna(median).to_numpy(dtype=float)
    if len(n_group) > 1:
        rest = df.word.map(total).to_numpy() - df.orders.to_numpy()
        df["z"] = keyness(df.orders.to_numpy(), n, rest, n_all - n)
    else:
        df["z"] = keyness(df.orders.to_numpy(), n, ref_share=np.exp(-df.idf.to_numpy()))
    df["share"] = df.orders / n
    return df.sort_values(["group", "z"], ascending=[True, False]).reset_index(drop=True)[
        ["group", "word", "orders", "share", "z", "idf"]]


# --- issues -------------------------------------------------------------------------------------------------


@dataclass
class TopicResult:
    """Issues of one month per group, with their change against the trailing months.

    ``issues`` has one row per issue: ``department, rank, label, keywords,
    orders, share, baseline_mean, change, rate_ratio, p_value, q_value,
    emerging, category, examples`` (``rank`` 1 = most orders; ``label`` the
    category and the issue's phrase, unique within a group, the category alone
    for issues from categories; ``share`` of the group's orders;
    ``baseline_mean`` per trailing month; ``examples`` masked sentences cut at
    sentence boundaries). ``keywords`` has every distinctive word per group.
    """

    month: str
    baseline_months: int
    issues: pd.DataFrame
    keywords: pd.DataFrame
    orders: pd.Series = field(repr=False)  # orders per group this month
    assignments: pd.DataFrame = field(repr=False)  # per order of the month: department and its issue's rank (NA: none)
    top_n: int = 10

    def top(self, department: str | None = None, n: int | None = None) -> pd.DataFrame:
        """The ``n`` largest issues of one department, or of every department."""
        n = self.top_n if n is None else n
        t = self.issues if department is None else self.issues[self.issues.department == department]
        return t[t["rank"] <= n].reset_index(drop=True)

    def city(self, n: int | None = None) -> pd.DataFrame:
        """The city's ``n`` largest issues across departments."""
        return self.issues.sort_values(["orders", "department"], ascending=[False, True]).head(
            self.top_n if n is None else n).reset_index(drop=True)

    def emerging(self) -> pd.DataFrame:
        """Issues significantly above their trailing monthly mean (largest excess first)."""
        e = self.issues[self.issues.emerging]
        return e.sort_values("change", ascending=False).reset_index(drop=True)

    def save(self, folder: Path) -> None:
        """Write the result as Parquet tables and a small JSON file into ``folder`` (written aside, then
        renamed into place)."""
        import tempfile

        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        for name in ("issues", "keywords", "assignments"):
            getattr(self, name).to_parquet(tmp / f"{name}.parquet")
        meta = {"month": self.month, "baseline_months": self.baseline_months, "top_n": self.top_n,
                "orders": {str(k): int(v) for k, v in self.orders.items()}}
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        try:
            tmp.rename(folder)  # atomic: a reader sees the whole result or none
        except OSError:  # another process wrote the same result first
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> TopicResult:
        """Read a result written by :meth:`save`."""
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        issues = pd.read_parquet(folder / "issues.parquet")
        for col in ("keywords", "examples"):
            issues[col] = issues[col].map(list)
        return cls(meta["month"], meta["baseline_months"], issues, pd.read_parquet(folder / "keywords.parquet"),
                   pd.Series(meta["orders"], dtype=int), pd.read_parquet(folder / "assignments.parquet"),
                   meta["top_n"])

    def summary(self) -> str:
        deps = self.issues.department.nunique()
        return (f"{self.month}: {len(self.issues)} issues in {deps} groups, "
                f"{int(self.issues.emerging.sum())} emerging against the {self.baseline_months} months before")

    def to_summary(self, departments: list[str] | None = None) -> list[dict]:
        """summary.json's ``topics``: per department the labels and keywords of its top issues."""
        out = []
        for dep, g in self.top().groupby("department", sort=True):
            if departments is not None and dep not in departments:
                continue
            out.append({"department": str(dep), "topics": [str(x) for x in g.label],
                        "issues": [{"label": str(r.label), "keywords": [str(k) for k in r.keywords],
                                    "orders": int(r.orders), "emerging": bool(r.emerging)}
                                   for r in g.itertuples()]})
        return out


def _hits(texts: pa.Array, words: list[str]) -> np.ndarray:
    """Boolean matrix: does text i contain word j."""
    out = np.zeros((len(texts), len(words)), dtype=bool)
    for j, w in enumerate(words):
        out[:, j] = pc.fill_null(pc.match_substring(texts, w), False).to_numpy(zero_copy_only=False)
    return out


def _group_keywords(hits: np.ndarray, link: float) -> np.ndarray:
    """Cluster label per keyword: average linkage on 1 - Jaccard of the orders holding them."""
    k = hits.shape[1]
    if k == 1:
        return np.array([1])
    h = hits.astype(np.int32)
    both = h.T @ h
    df = np.diag(both)
    union = df[:, None] + df[None, :] - both
    jac = np.divide(both, union, out=np.zeros_like(both, dtype=float), where=union > 0)
    dist = 1.0 - jac
    np.fill_diagonal(dist, 0.0)
    return fcluster(linkage(squareform(dist, checks=False), method="average"), t=1.0 - link, criterion="distance")


def _assign(hits: np.ndarray, weights: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Issue index of each order (-1: none): the cluster whose keywords it holds with the most weight."""
    member = np.zeros((len(cluster), n_clusters))
    member[np.arange(len(cluster)), cluster] = weights
    score = hits.astype(float) @ member
    best = score.argmax(axis=1) if n_clusters else np.zeros(len(hits), dtype=int)
    return np.where(score.max(axis=1, initial=0) > 0, best, -1)


# --- labels and excerpts: Chinese a person writes -----------------------------------------------------------

#: Longest distinctive phrase of a label, in characters (the category and its "：" come on top).
LABEL_CHARS = 14
#: A clause must be written (once places and numbers are trimmed) in at least this many orders of the issue.
PHRASE_MIN_ORDERS = 2
#: The orders of an issue (those holding its keywords with the most keyness) its phrase and examples come from.
PHRASE_SAMPLE = 200

_MIN_PHRASE = 4  # shorter phrases say too little ("停电")
_WHO = "(?:市民|群众|居民|村民|业主|网民|来电人|来电者|诉求人|反映人|投诉人|举报人|来电)"
_HOW = "(?:通过(?:网站|微信|短信|信件|热线|APP|app)|实名|匿名|来电|来信|留言)"
_VERB = "(?:反映|反应|投诉|举报|求助|建议|表扬|致谢|称|表示|诉求)+(?:称|说)?"
_OPENING = re.compile(
    rf"^(?:{_WHO}{_HOW}*{_VERB}|{_HOW}+{_VERB}|{_VERB}(?=[：:，,])|(?:市民|群众)?来电(?=咨询)"
    r"|第[一二三四五六七八九十两0-9]+次来电|再次来电|此前已反映过|(?:我叫|本人|我是|姓名[:：]?)\[姓名\]"
    r"|(?:身份证号?码?|联系电话|联系方式|电话|手机号?码?)[:：]?\[(?:身份证号|电话|号码)\])"
    r"[：:，,。\s]*")
_CLOSING = re.compile(
    r"^(?:(?:希望|请求|恳请|请|要求|望|建议|盼)[^，,。！？!?；;]{0,10}?"
    r"(?:处理|解决|落实|答复|解答|回复|查看|查处|采纳|改进|帮助|核实|协调|督办|整改)|特此表扬|.{0,12}表示感谢)"
    r"[，,。！？!?；;]*$")
_CONTACT = re.compile(r"^(?:留下)?(?:联系电话|联系方式|电话|手机号?码?)[:：是为]?\s*\[(?:电话|号码)\][，,。！？!?；;]*$")
_ASKING = re.compile(r"^(?:希望|要求|请求|恳请|建议)")  # a demand's own words stay, not the asking
_DIGITS = "[0-9０-９]+(?:[.．][0-9０-９]+)?"
_WHEN = re.compile(r"(?:凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|深夜|夜里|夜间)?[0-9０-９]{1,2}"
                   r"(?:[:：][0-9０-９]{2}|点(?:半|[0-9０-９]{1,2}分)?)(?:钟|左右)?"
                   r"|[0-9０-９]{4}年(?:[0-9０-９]{1,2}月)?(?:[0-9０-９]{1,2}[日号])?|[0-9０-９]{1,2}月(?:[0-9０-９]{1,2}[日号]|份)?")
_UNITS = ("个多?月|个小时|个|万元|千元|元|块钱|块|万|年|天|小时|分钟|次|遍|趟|平方米|平米|米|公里|层|度|方|吨|名|户|人|家|辆"
          "|岁|栋|台|套|间|周|棵|株|亩|公斤|斤|箱|项|件|条|%|％")
_MONEY = frozenset({"万元", "千元", "元", "块钱", "块", "万", "%", "％", ""})  # dropped, never "几元"
_BARE_VERB = re.compile(r"[要是有为花付交扣收赔罚补退欠]$")
_AMOUNT = re.compile(rf"{_DIGITS}(?:多|余)?(?P<unit>{_UNITS})?")
_AMOUNT_END = re.compile(rf"{_DIGITS}(?:多|余)?(?P<unit>{_UNITS})?$")
_DANGLING = re.compile(r"(?<![不没未])(?:到|至|达|为|共计|合计|约|近|超过|多收|多付|多交|多扣费|多扣|每月|每年|每天|每平方米|每平米|每方"
                       r"|每度|每吨|每人|每次|每小时|已有|已经|长达|已|仅|才|的|于|在|和|与|及|或|第|损失)+$")
_CLAUSES = re.compile(r"[^，,。！？!?；;：:\s]+")
_SENTENCES = re.compile(r"[^。！？!?；;]+[。！？!?；;]*")
_PARTS = re.compile(r"[^，,]+[，,]*")
_ENDS = "。！？!?"
_PLACE_ENDS = ("省", "县", "区", "镇", "乡", "街道", "社区", "村", "庄", "路", "街", "大道", "巷", "弄", "胡同", "花园",
               "家园", "嘉园", "公馆", "苑", "园", "广场", "大厦", "公寓", "号楼", "单元", "附近", "周边", "对面", "门口",
               "交叉口", "路口", "一带", "有限公司", "集团")
_NEGATIONS = frozenset({"未", "不", "没", "没有", "无", "不能", "无法", "未能", "拒不", "仍未", "迟迟不", "从未"})
_ENTITY_ENDS = ("公司", "厂", "店", "企业", "集团", "机构", "医院", "学校", "超市", "商场", "饭店", "酒店", "单位", "工地")
_NOT_PLACES = frozenset({"幼儿园", "公园", "校园", "动物园", "游乐园"})


def strip_opening(text: str) -> str:
    """``text`` without the hotline's opening formulas (市民来电反映：, 来电人称，, 第二次来电：, 我叫[姓名]，…).

    Parameters
    ----------
    text : str
        A work order's text, or one sentence or clause of it.

    Returns
    -------
    str
        The text from its first word that is the citizen's matter.

    Examples
    --------
    >>> strip_opening("第二次来电：市民来电反映：小区电梯故障，物业推诿。")
    '小区电梯故障，物业推诿。'
    >>> strip_opening("市民来电咨询驾驶证到期换证去哪里办理。")
    '咨询驾驶证到期换证去哪里办理。'
    """
    while (m := _OPENING.match(text)) and m.end():
        text = text[m.end():]
    return text


def _tidy(clause: str) -> str:
    """A clause as a label writes it: without times of day, dates, amounts of money and counts inside it
    ("17天未修" -> "未修"); a number ending it goes with the words it leaves dangling ("上涨到每月2000元" ->
    "上涨"), else a count is written 几 ("跑了8次" -> "跑了几次") and money goes ('' when that leaves a bare
    verb: "一个墓穴要"; also '' for a clause holding a mask such as [电话])."""
    if "[" in clause or "]" in clause:
        return ""
    s = _WHEN.sub("", clause)
    if m := _AMOUNT_END.search(s):
        head, unit = s[:m.start()], m.group("unit") or ""
        bare = _DANGLING.sub("", head)
        if bare == head and unit in _MONEY and _BARE_VERB.search(head):
            return ""
        s = bare if bare != head or unit in _MONEY else f"{head}几{unit}"
    return _AMOUNT.sub("", s).lstrip("的了")


def _is_place(word: str) -> bool:
    return word.endswith(_PLACE_ENDS) and word not in _NOT_PLACES or word in _names() or word.startswith("某")


def _subject(prefix: str, tk) -> str:
    """What is left of a clause's part before its first keyword once the place (up to the last place word,
    cut at jieba's word boundaries; "某" and the name it hides: "某科技公司") is trimmed: "临淄区颜山路附近的
    新华新村物业" -> "物业"."""
    if not prefix:
        return ""
    words = tk.lcut(prefix, HMM=False)
    last = max((i for i, w in enumerate(words) if _is_place(w)), default=-1)
    if last >= 0 and words[last].startswith("某"):
        last = next((j for j in range(last, min(last + 4, len(words))) if words[j].endswith(_ENTITY_ENDS)), last)
    return "".join(words[last + 1:]).lstrip("的")


def _anchor(clause: str, keywords: list[str]) -> int:
    """Where the first keyword of ``clause`` that is not part of a place name ("颜山" of 颜山路) starts (-1:
    none)."""
    first = -1
    for k in keywords:
        p = clause.find(k)
        while p >= 0 and clause.startswith(_PLACE_ENDS, p + len(k)):
            p = clause.find(k, p + 1)
        if p >= 0 and (first < 0 or p < first):
            first = p
    return first


def _clause_counts(texts: list[str], keywords: list[str], tk) -> dict[str, list]:
    """Per tidied clause from its first keyword on (a place is never that keyword; a clause whose only
    keywords are places or times of day: from after its place on): ``[texts writing it, sum of its positions
    among their clauses, {part written before it: count}]``."""
    anchors = [k for k in keywords if not _is_place(k)]
    out: dict[str, list] = {}
    for t in texts:
        seen = set()
        for i, clause in enumerate(_CLAUSES.findall(t or "")):
            raw = strip_opening(clause)
            if _CLOSING.match(raw):
                continue
            clause = _tidy(_ASKING.sub("", raw))
            pos = _anchor(clause, anchors)
            if pos >= 0:
                key, before = clause[pos:], clause[:pos]
            elif any(k in raw for k in keywords):  # only a place or a time of day: what the clause says after it
                key, before = _subject(clause, tk), ""
            else:
                continue
            if key and key not in seen:
                seen.add(key)
                c = out.setdefault(key, [0, 0, {}])
                c[0] += 1
                c[1] += i
                c[2][before] = c[2].get(before, 0) + 1
    return out


def _phrase_of(key: str, before: dict[str, int], keywords: list[str], tk, max_chars: int) -> str:
    """A clause after the subject most of its texts write before it, if both fit in ``max_chars`` (else
    after the subject's words from its last negation on: "未按"; else alone). A clause too long goes from its
    first 的 on, if that holds a keyword ("旅行社组织的旅游团擅自变更行程" -> "旅游团擅自变更行程"); '' if
    nothing fits."""
    subjects: dict[str, int] = {}
    for prefix, n in sorted(before.items(), key=lambda x: -x[1])[:20]:
        s = _subject(prefix, tk)
        subjects[s] = subjects.get(s, 0) + n
    subject = max(subjects, key=subjects.get, default="")
    if len(key) > max_chars:  # the head noun without its modifier, if it holds a keyword
        key, subject = key[key.find("的") + 1:] if "的" in key else "", ""
        if not any(k in key for k in keywords):
            return ""
    if len(subject) + len(key) > max_chars:
        words = tk.lcut(subject, HMM=False)
        neg = max((i for i, w in enumerate(words) if w in _NEGATIONS), default=len(words))
        subject = "".join(words[neg:])
    p = subject + key if len(subject) + len(key) <= max_chars else key
    return p if _MIN_PHRASE <= len(p) <= max_chars else ""


def issue_phrase(texts: list[str], keywords: list[str], tk=None, max_chars: int = LABEL_CHARS) -> str:
    """The phrase an issue's orders write most often in their own words ('' when no clause qualifies).

    Each text is cut into clauses at Chinese punctuation. The hotline's
    opening and closing formulas (市民来电反映, 希望尽快落实…) are dropped, and
    so is the asking (希望, 要求…) before a demand. A clause is read from its
    first keyword on (a keyword naming a place does not count), after what
    its texts most often write before that keyword once the place is trimmed
    (up to the last place word: district, road, estate, 附近…, cut at jieba's
    word boundaries; "某…公司" goes too) if both fit. Times of day, dates,
    amounts and counts go ("17天未修" -> "未修"); a number ending a clause
    goes with the words it leaves dangling ("上涨到每月2000元" -> "上涨"), else
    a count is written 几 ("砍伐树木8棵" -> "砍伐树木几棵"). A clause qualifies when it holds
    a keyword, is written in at least :data:`PHRASE_MIN_ORDERS` texts, holds
    no mask and has 4 to ``max_chars`` characters. The clause holding the
    most keywords wins, then the most frequent, then the shortest; a second
    clause with a keyword the first lacks, written at least half as often, is
    joined with 、 (in the order the texts write them) when both fit in
    ``max_chars``.

    Parameters
    ----------
    texts : list of str
        The issue's (masked) texts.
    keywords : list of str
        The issue's keywords.
    tk : jieba.Tokenizer, optional
        Default: :func:`tokenizer`.
    max_chars : int
        The longest phrase.

    Returns
    -------
    str

    Examples
    --------
    >>> texts = ["市民来电反映：张店区华光路附近的阳光小区电梯故障17天未修，物业推诿，希望尽快落实。",
    ...          "来电人称，淄川区松龄路附近的和平家园电梯故障3天未修，物业推诿。",
    ...          "周村区正阳路附近的幸福新村电梯故障未修，物业推诿，请尽快处理。"]
    >>> issue_phrase(texts, ["电梯", "故障", "推诿"])
    '电梯故障未修、物业推诿'
    >>> issue_phrase(texts[:1], ["电梯", "故障", "推诿"])  # written once: no phrase
    ''
    """
    kws = [k for k in keywords if k]
    tk = tk or tokenizer()
    counts = _clause_counts(texts, kws, tk)
    held = {c: sum(k in c for k in kws) for c, v in counts.items() if v[0] >= PHRASE_MIN_ORDERS}
    rank = sorted(held, key=lambda c: (-held[c], -counts[c][0], counts[c][1] / counts[c][0], len(c), c))[:20]
    for i, key in enumerate(rank):
        if best := _phrase_of(key, counts[key][2], kws, tk, max_chars):
            return _with_second(best, key, rank[i + 1:], counts, kws, tk, max_chars)
    return ""


def _with_second(best: str, key: str, rest: list[str], counts: dict, keywords: list[str], tk, max_chars: int) -> str:
    """``best`` (the phrase of clause ``key``) and the first clause of ``rest`` that holds a keyword it lacks,
    is written at least half as often and fits, joined with 、 in the order the texts write them."""
    n, where = counts[key][0], counts[key][1] / counts[key][0]
    for other in rest:
        m, pos, before = counts[other]
        if 2 * m < n or len(best) + 1 + len(other) > max_chars or not any(k in other and k not in best
                                                                           for k in keywords):
            continue
        p = _phrase_of(other, before, keywords, tk, max_chars - len(best) - 1)
        if p and p not in best and best not in p:
            return f"{best}、{p}" if where <= pos / m else f"{p}、{best}"
    return best


def excerpt(text: str, keywords: list[str], width: int = 60) -> str:
    """The sentence of ``text`` holding the most ``keywords``, as a citizen wrote it.

    Sentences end at 。！？；. The hotline's opening formula is dropped from
    the front and closing formulas (希望尽快落实…, 联系电话[电话]) from the end. A sentence
    longer than ``width`` characters is cut at its commas to the clause with
    the first keyword and the clauses after it, then before it, that fit
    (a single clause longer than ``width`` stays whole: never a cut word). The
    excerpt ends with the sentence's own 。！？, or 。 where it was cut. Runs of
    seven or more digits that masking missed become [号码].

    Parameters
    ----------
    text : str
        A (masked) work order text.
    keywords : list of str
        The issue's keywords.
    width : int
        The longest excerpt, in characters (``settings.topics.excerpt_chars``).

    Returns
    -------
    str
        '' for a text that is only formulas.

    Examples
    --------
    >>> excerpt("市民来电反映：张店区华光路附近的阳光小区电梯故障17天未修，物业推诿，希望相关部门尽快处理。", ["电梯"])
    '张店区华光路附近的阳光小区电梯故障17天未修，物业推诿。'
    >>> excerpt("来电人称，小区停车难。夜里车辆乱停乱放，消防通道被占，救护车进不来，老人看病耽误了，希望尽快落实。",
    ...         ["消防通道"], 20)
    '消防通道被占，救护车进不来。'
    """
    text = _LONG_NUMBER.sub("[号码]", " ".join(str(text).split()))  # whatever masking missed: no run of 7 digits
    sentences = [s for s in (strip_opening(s) for s in _SENTENCES.findall(text)) if s.strip(_ENDS + "；; ")]
    if not sentences:
        return ""
    parts = _PARTS.findall(max(sentences, key=lambda s: sum(k in s for k in keywords)))
    while len(parts) > 1 and (_CLOSING.match(parts[-1]) or _CONTACT.match(parts[-1])):
        parts.pop()
    if sum(map(len, parts)) > width:
        lo = next((i for i, p in enumerate(parts) if any(k in p for k in keywords)), 0)
        hi = lo + 1
        while hi < len(parts) and sum(map(len, parts[lo:hi + 1])) <= width:
            hi += 1
        while lo > 0 and sum(map(len, parts[lo - 1:hi])) <= width:
            lo -= 1
        parts = parts[lo:hi]
    out = "".join(parts).strip("，,；;：: ")
    return out if out.endswith(tuple(_ENDS)) else out + "。"


def _keyword_label(words: list[str]) -> str:
    """The leading keywords, skipping any that another chosen one contains."""
    chosen: list[str] = []
    for w in words:
        if not any(w in c or c in w for c in chosen):
            chosen.append(w)
        if len(chosen) == 3:
            break
    return "、".join(chosen)


def _unique_labels(labels: list[str], words: list[list[str]]) -> list[str]:
    """The labels, those shared by several issues each followed by its first keyword the label lacks (or a
    number): "物业管理：擅自上调物业费（停车费）"."""
    out = list(labels)
    for label in {lab for lab in labels if labels.count(lab) > 1}:
        for k, i in enumerate(i for i, lab in enumerate(labels) if lab == label):
            extra = next((w for w in words[i] if w not in label), str(k + 1))
            out[i] = f"{label}（{extra}）"
    for i, lab in enumerate(out):  # a keyword shared, or a label already taken
        if out.index(lab) != i:
            out[i] = f"{lab}（{i + 1}）"
    return out


def _describe(texts: list[str], words: list[str], category: str, s: Topics, tk) -> tuple[str, list[str]]:
    """An issue's label ("category：phrase", else "category：keywords"; the phrase alone when one of its clauses
    is the category) and examples, from its texts (masked, those holding its keywords with the most keyness
    first)."""
    phrase = issue_phrase(texts, words, tk) or _keyword_label(words)
    n = s.examples
    holding, other = [], []  # excerpts naming a keyword come first
    for t in texts[:50]:
        e = excerpt(t, words, s.excerpt_chars)
        if e and e not in holding and e not in other:
            (holding if any(w in e for w in words) else other).append(e)
        if len(holding) >= n:
            break
    examples = (holding + other)[:n]
    named = not category or category in phrase.split("、")  # "冬季供暖不达标、室温不到几度": named already
    return (phrase if named else f"{category}：{phrase}"), examples


def finest_category(df: pd.DataFrame) -> pd.Series:
    """Each order's category at the finest level the export gives it: ``category_l2``, else ``category_l1``
    (a city that exports one level of categories); '' where neither holds one (or the frame has neither column).

    >>> finest_category(pd.DataFrame({"category_l1": ["Noise", "Roads", None], "category_l2": [None, "Pothole", ""]})).tolist()
    ['Noise', 'Pothole', '']
    """
    out = pd.Series("", index=df.index, dtype="string")
    for col in (S.CATEGORY_L1, S.CATEGORY_L2):  # the finer level last: it wins where it holds a value
        if col in df:
            v = df[col].astype("string").fillna("").str.strip()
            out = out.where(v == "", v)
    return out


def _mode(part: pd.DataFrame, rows: np.ndarray) -> str:
    """The most frequent category (:func:`finest_category`) of some rows of ``part`` ('' without one)."""
    v = finest_category(part).iloc[rows]
    v = v[v != ""]
    return str(v.value_counts().index[0]) if len(v) else ""


def extract_issues(current: pd.DataFrame, baseline: pd.DataFrame | None = None,
                   year_ago: pd.DataFrame | None = None, *, month: str = "", by: str = S.DEPARTMENT,
                   baseline_months: int | None = None, groups: list[str] | None = None,
                   settings: Settings | None = None, tk=None) -> TopicResult:
    """The issues of ``current`` (one month of orders) per ``by`` group, against the trailing ``baseline``.

    The frames need ``by`` and ``content`` (the categories, ``category_l2``
    else ``category_l1``, and ``order_id`` are used when present; without
    ``content``, or without any text in it, the issues are the categories). ``baseline`` holds the orders of the
    ``baseline_months`` months before, ``year_ago`` those of the same month a
    year earlier (either may be None). Every group of ``current`` is the
    reference of the others' keyness; issues are built for ``groups`` (default:
    every group; orders without a group are reference only).

    An issue is emerging when its count is significantly above (one-sided
    exact conditional Poisson test, the exposure being the frames' total
    orders, so a busier month does not make every issue rise) both the
    trailing months and, when given, the same month a year earlier (so a
    seasonal return is not news), its rate ratio against the trailing months
    (its share of the frames' orders now over its share then) is at least
    ``min_ratio``, and the Benjamini-Hochberg false discovery rate
    across the issues holds. Settings: ``settings.topics`` (default: :func:`~hotline_analysis.settings.load_settings`).
    """
    s = (settings or load_settings()).topics
    k_months = baseline_months if baseline_months is not None else s.baseline_months
    cur = current.reset_index(drop=True)
    labels = cur[by].astype("string").fillna("")
    wanted = sorted(set(labels) - {""}) if groups is None else sorted(set(groups) & set(labels))
    refs = {name: (None if f is None or not len(f) else f.reset_index(drop=True)) for name, f in
            (("base", baseline), ("year", year_ago))}
    has_text = S.CONTENT in cur and cur[S.CONTENT].astype("string").fillna("").str.strip().ne("").any()
    words = pd.DataFrame(columns=["group", "word", "orders", "share", "z", "idf"])
    if has_text:
        tokens = pd.Series(segment(cur[S.CONTENT].tolist(), tk))
        words = distinctive_words(tokens, labels, s.min_orders)
        words = words[~words.word.isin(_names())]  # who and where, not what
    rows, key = _group_issues(cur, labels, wanted, refs, by, words if has_text else None, s, tk)
    issues = pd.DataFrame(rows, columns=["key", "department", "label", "keywords", "orders", "base_orders",
                                         "year_orders", "category", "examples"])
    n_group = labels[labels.isin(wanted)].value_counts()
    issues = issues[issues.orders >= s.min_orders].copy()
    issues["share"] = issues.orders / issues.department.map(n_group).to_numpy()
    issues = _test_change(issues, len(cur), refs["base"], refs["year"], k_months, s)
    issues = issues.sort_values(["department", "orders", "label"], ascending=[True, False, True])
    issues["rank"] = issues.groupby("department").cumcount() + 1
    rank_of = dict(zip(issues.key, issues["rank"]))
    assigned = pd.DataFrame({"department": labels.to_numpy(),
                             "rank": pd.array([rank_of.get(k) for k in key], dtype="Int64")}, index=current.index)
    if S.ORDER_ID in cur:
        assigned.insert(0, S.ORDER_ID, cur[S.ORDER_ID].to_numpy())
    assigned = assigned[labels.isin(wanted).to_numpy()]
    cols = ["department", "rank", "label", "keywords", "orders", "share", "baseline_mean", "change", "rate_ratio",
            "p_value", "q_value", "emerging", "category", "examples"]
    return TopicResult(month=month, baseline_months=k_months, issues=issues[cols].reset_index(drop=True),
                       keywords=words[words.group.isin(wanted)].rename(columns={"group": "department"}),
                       orders=n_group, assignments=assigned, top_n=s.top_n)


def _group_issues(cur: pd.DataFrame, labels: pd.Series, wanted: list[str], refs: dict, by: str,
                  words: pd.DataFrame | None, s: Topics, tk=None) -> tuple[list, np.ndarray]:
    """Each wanted group's issues from its keywords (``words``: None without text), else from its categories:
    (rows of issues, the issue ``(group, local id)`` of each order of ``cur`` or None)."""
    ref_groups = {name: (None if f is None else f[by].astype("string").fillna("")) for name, f in refs.items()}
    rows = []
    key = np.full(len(cur), None, dtype=object)
    positions = labels.groupby(labels, sort=True).groups
    for g in wanted:
        idx = positions[g]
        part = cur.loc[idx]
        rparts = {n: (None if f is None else f[(ref_groups[n] == g).to_numpy()]) for n, f in refs.items()}
        new, which = [], []
        if words is not None:
            kw = _keywords(words[(words.group == g) & (words.idf >= s.min_idf)], part, rparts["base"], s)
            new, which = _text_issues(g, part, rparts, kw, s, tk)
        if not new:  # no text, or too few orders for a distinctive word: the categories stand in
            new, which = _category_issues(g, part, rparts)
        rows += new
        for i, c in zip(idx, which):
            if c is not None:
                key[i] = (g, c)
    return rows, key


def _test_change(issues: pd.DataFrame, n_current: int, base: pd.DataFrame | None, year: pd.DataFrame | None,
                 k_months: int, s: Topics) -> pd.DataFrame:
    """Add each issue's change against the trailing months and its test (see :func:`extract_issues`)."""
    issues["baseline_mean"] = issues.base_orders / k_months if base is not None and k_months else np.nan
    issues["change"] = issues.orders - issues.baseline_mean
    # the issue's share of all orders now against its share in the trailing months: in a month when the whole
    # hotline falls (the Spring Festival's) a steady issue is not falling, nor a doubling only a 1.4
    volume = n_current / len(base) if base is not None and len(base) else np.nan
    issues["rate_ratio"] = issues.orders / (issues.base_orders * volume).where(issues.baseline_mean > 0)
    p = np.full(len(issues), np.nan)
    if base is not None and k_months:
        p = np.array([rate_ratio_test(a, b, "greater", exposure_ratio=volume)
                      for a, b in zip(issues.orders, issues.base_orders)])
        if year is not None:  # intersection-union test: above the trailing months and last year
            p = np.maximum(p, [rate_ratio_test(a, b, "greater", exposure_ratio=n_current / len(year))
                               for a, b in zip(issues.orders, issues.year_orders)])
    issues["p_value"] = p
    reject, q = bh_adjust(p, s.alpha)
    issues["q_value"] = q
    issues["emerging"] = reject & (issues.rate_ratio.fillna(np.inf) >= s.min_ratio).to_numpy()
    return issues


def _keywords(words: pd.DataFrame, part: pd.DataFrame, base: pd.DataFrame | None, s: Topics) -> pd.DataFrame:
    """A department's keywords: the most distinctive against the rest of the city, plus (up to a third as
    many) words distinctive against its own trailing months (``z_base``), which is what is new this month.

    ``z_base`` counts orders holding the word as a substring in both periods, over the 300 words the
    department's orders hold most often.
    """
    k = s.keywords
    city = words[words.z >= s.min_z].head(k)
    if base is None or not len(base) or not len(words):
        return city
    cand = words.nlargest(300, "orders")
    now = _hits(_texts(part), cand.word.tolist()).sum(axis=0)
    before = _hits(_texts(base), cand.word.tolist()).sum(axis=0)
    cand = cand.assign(z_base=keyness(now, len(part), before, len(base)))
    new = cand[(cand.z_base >= s.min_z) & ~cand.word.isin(city.word)].nlargest(max(1, k // 3), "z_base")
    return pd.concat([city, new.drop(columns="z_base")])


@lru_cache(maxsize=4)
def _names(departments_csv: str | None = None, districts_csv: str | None = None) -> frozenset[str]:
    """Department names, aliases and districts of the reference tables: kept whole by the tokenizer, never
    keywords."""
    from .catalog import load_departments, load_districts

    dep = Path(departments_csv) if departments_csv else paths.DEPARTMENTS_CSV
    dis = Path(districts_csv) if districts_csv else paths.DISTRICTS_CSV
    names: set[str] = set()
    if dep.exists():
        ref = load_departments(dep)
        names |= set(ref["alias"]) | set(ref["name"])
    if dis.exists():
        names |= set(load_districts(dis)["district"])
    return frozenset(n for n in names if isinstance(n, str))


def _texts(df: pd.DataFrame) -> pa.Array:
    return pa.array(df[S.CONTENT].astype("string").fillna("").to_numpy(dtype=object), type=pa.string())


def _text_issues(g: str, part: pd.DataFrame, refs: dict, kw: pd.DataFrame, s: Topics,
                 tk=None) -> tuple[list, list]:
    """A group's issues from its keywords ``kw``: (rows of issues, the issue of each order of ``part`` or None)."""
    if kw.empty:
        return [], [None] * len(part)
    words = kw.word.tolist()
    texts = _texts(part)
    hits = _hits(texts, words)
    cluster = _group_keywords(hits, s.link) - 1
    n_cl = int(cluster.max()) + 1
    weights = kw.z.to_numpy()
    which = _assign(hits, weights, cluster, n_cl)
    ref_which = {n: (_assign(_hits(_texts(f), words), weights, cluster, n_cl) if f is not None and len(f)
                     else np.array([], dtype=int)) for n, f in refs.items()}
    score = hits.astype(float) @ weights
    rows = []
    for c in range(n_cl):
        mine = np.flatnonzero(which == c)
        if len(mine) == 0:
            continue
        members = [words[j] for j in np.flatnonzero(cluster == c)]
        weight = hits[mine][:, cluster == c].sum(axis=0) * kw.idf.to_numpy()[cluster == c]
        members = [w for _, w in sorted(zip(-weight, members))]  # most orders, most specific first
        best = mine[np.lexsort((mine, -score[mine]))][:PHRASE_SAMPLE]
        category = _mode(part, mine)
        label, examples = _describe(mask_texts(texts.take(pa.array(best))).to_pylist(), members, category, s, tk)
        rows.append(((g, c), g, label, members, len(mine), int((ref_which["base"] == c).sum()),
                     int((ref_which["year"] == c).sum()), category, examples))
    labels = _unique_labels([r[2] for r in rows], [r[3] for r in rows])
    return [(*r[:2], lab, *r[3:]) for r, lab in zip(rows, labels)], [int(c) if c >= 0 else None for c in which]


def _category_issues(g: str, part: pd.DataFrame, refs: dict) -> tuple[list, list]:
    """A group's issues from its categories (:func:`finest_category`): one per category, counted the same way
    in the reference frames; none without a category."""
    cats = finest_category(part)
    counts = cats[cats != ""].value_counts()
    ref = {n: (finest_category(f).value_counts() if f is not None else pd.Series(dtype=int))
           for n, f in refs.items()}
    rows = [((g, str(c)), g, str(c), [], int(n), int(ref["base"].get(c, 0)), int(ref["year"].get(c, 0)), "", [])
            for c, n in counts.items()]
    return rows, [c if c else None for c in cats.astype(object).fillna("")]


# --- from the store -----------------------------------------------------------------------------------------

#: Bumped when the cached result of :func:`month_topics` would differ for the same store and settings.
CACHE_FORMAT = 3
#: Store columns topic extraction reads (the net-complaint rules' columns, the text and the category).
COLUMNS = [S.ORDER_ID, S.RECEIVED_AT, S.DEPARTMENT, S.CATEGORY_L1, S.CATEGORY_L2, S.REQUEST_TYPE, S.IS_VALID,
           S.IS_REASONABLE, S.STATUS, S.DUPLICATE_OF, S.CONTENT]


def month_topics(store, month: str, settings: Settings, departments: list[str] | None = None,
                 cache: bool = True) -> TopicResult:
    """Issues of the month's net complaints per department, against the trailing months and the same month
    a year earlier in the store.

    Keyness compares each department with every other unit of the city
    (district governments and utilities too); issues are built for
    ``departments`` (default: every unit). The result is cached in the store's
    ``cache/`` folder, keyed by the store's manifest, the settings and the
    departments, so the pages of one report compute it once.
    """
    s = settings.topics
    m = pd.Period(month, "M")
    if m is pd.NaT:  # 'NaT' or '' parse as a missing month: no cache entry, no result
        from .errors import DataError

        raise DataError(f"a month (YYYY-MM) is needed for the issues, got {month!r}")
    k = s.baseline_months
    available = set(store.months())
    trailing = [str(m - i) for i in range(1, k + 1) if str(m - i) in available]
    last_year = [str(m - 12)] if str(m - 12) in available else []
    path = None
    if cache and store.exists():
        stamp = json.dumps([store.manifest(), s.to_dict(), settings.net_complaint.to_dict(),
                            sorted(departments or []), str(m), __version__, COLUMNS, CACHE_FORMAT],
                           sort_keys=True, default=str)
        path = store.root / "cache" / f"topics-{m}-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}"
        try:
            return TopicResult.load(path)
        except FileNotFoundError:  # not cached yet (or an ingest just cleared the cache)
            pass
    orders = store.load(months=[str(m), *trailing, *last_year], columns=COLUMNS)
    orders = M.flag_net(M.with_month(orders), settings)
    orders = orders[orders["is_net_complaint"].to_numpy(dtype=bool)]
    when = orders[M.MONTH]
    result = extract_issues(orders[(when == m).to_numpy()],
                            orders[(when < m).to_numpy() & (when >= m - k).to_numpy()] if trailing else None,
                            orders[(when == m - 12).to_numpy()] if last_year else None,
                            month=str(m), baseline_months=len(trailing), groups=departments,
                            settings=settings)
    if path is not None:
        result.save(path)
    return result
