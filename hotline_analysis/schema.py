"""The canonical work order: one row per 工单.

Every module refers to columns and enum values through the names defined
here, never through string literals of its own.  The schema follows
DESIGN.md's work-order table; :data:`COLUMNS` carries dtype, Chinese and
English labels for each column, and :data:`ENUMS` the allowed values of each
categorical column with their labels.

Examples
--------
>>> from hotline_analysis import schema as S
>>> S.REQUEST_TYPE
'request_type'
>>> S.label(S.REQUEST_TYPE, "zh")
'诉求类型'
>>> S.enum_label(S.REQUEST_TYPE, "complaint", "zh")
'投诉'
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

# --- column names ---------------------------------------------------------
ORDER_ID = "order_id"
RECEIVED_AT = "received_at"
CHANNEL = "channel"
REQUEST_TYPE = "request_type"
CATEGORY_L1 = "category_l1"
CATEGORY_L2 = "category_l2"
DISTRICT = "district"
DEPARTMENT = "department"
DEPARTMENT_RAW = "department_raw"
CONTENT = "content"
CALLER_KEY = "caller_key"
DUE_AT = "due_at"
CLOSED_AT = "closed_at"
STATUS = "status"
IS_VALID = "is_valid"
IS_REASONABLE = "is_reasonable"
DUPLICATE_OF = "duplicate_of"
CONTACTED = "contacted"
RESOLVED = "resolved"
SATISFACTION = "satisfaction"
HANDLED_DIRECTLY = "handled_directly"
FIRST_RESPONSE_AT = "first_response_at"
REASSIGNED = "reassigned"
EXTENSION_REQUESTED = "extension_requested"
EXTENSION_GRANTED = "extension_granted"
ESCALATED = "escalated"
SOURCE_FILE = "source_file"
SOURCE_ROW = "source_row"

# --- enums ----------------------------------------------------------------
CHANNELS = ("phone", "web", "wechat", "app", "mailbox", "other")
REQUEST_TYPES = ("complaint", "report", "help", "inquiry", "suggestion", "praise", "other")
STATUSES = ("open", "closed", "returned", "cancelled")
SATISFACTION_LEVELS = ("satisfied", "basically_satisfied", "dissatisfied")

#: Handling columns many exports lack; a measure built on one is "not in this export" when it is empty.
HANDLING_COLUMNS = (HANDLED_DIRECTLY, FIRST_RESPONSE_AT, REASSIGNED, EXTENSION_REQUESTED, EXTENSION_GRANTED,
                    ESCALATED)

#: Request types that count as complaints for the net-complaint measure.
COMPLAINT_TYPES = ("complaint", "report")


@dataclass(frozen=True)
class Column:
    """Description of one canonical column."""

    name: str
    dtype: str
    zh: str
    en: str
    nullable: bool = True


COLUMNS: dict[str, Column] = {
    c.name: c
    for c in [
        Column(ORDER_ID, "string", "工单编号", "Order ID", nullable=False),
        Column(RECEIVED_AT, "datetime64[ns]", "受理时间", "Received at", nullable=False),
        Column(CHANNEL, "category", "受理渠道", "Channel"),
        Column(REQUEST_TYPE, "category", "诉求类型", "Request type"),
        Column(CATEGORY_L1, "string", "一级分类", "Category (level 1)"),
        Column(CATEGORY_L2, "string", "二级分类", "Category (level 2)"),
        Column(DISTRICT, "string", "区县", "District"),
        Column(DEPARTMENT, "string", "承办单位", "Department"),
        Column(DEPARTMENT_RAW, "string", "承办单位(原始)", "Department as exported"),
        Column(CONTENT, "string", "诉求内容", "Request text"),
        Column(CALLER_KEY, "string", "来电人标识", "Caller key (pseudonym)"),
        Column(DUE_AT, "datetime64[ns]", "办理时限", "Due at"),
        Column(CLOSED_AT, "datetime64[ns]", "办结时间", "Closed at"),
        Column(STATUS, "category", "工单状态", "Status"),
        Column(IS_VALID, "bool", "有效", "Valid", nullable=False),
        Column(IS_REASONABLE, "boolean", "合理诉求", "Reasonable request"),
        Column(DUPLICATE_OF, "string", "重复工单", "Duplicate of"),
        Column(CONTACTED, "boolean", "是否联系", "Contacted"),
        Column(RESOLVED, "boolean", "是否解决", "Resolved"),
        Column(SATISFACTION, "category", "满意度", "Satisfaction"),
        Column(HANDLED_DIRECTLY, "boolean", "热线直接办结", "Handled by the hotline"),
        Column(FIRST_RESPONSE_AT, "datetime64[ns]", "首次响应时间", "First response at"),
        Column(REASSIGNED, "Int64", "重派次数", "Times reassigned"),
        Column(EXTENSION_REQUESTED, "boolean", "申请延期", "Extension requested"),
        Column(EXTENSION_GRANTED, "boolean", "同意延期", "Extension granted"),
        Column(ESCALATED, "boolean", "督办", "Escalated for supervision"),
        Column(SOURCE_FILE, "string", "来源文件", "Source file", nullable=False),
        Column(SOURCE_ROW, "int64", "来源行号", "Source row", nullable=False),
    ]
}

ENUMS: dict[str, dict[str, dict[str, str]]] = {
    CHANNEL: {
        "phone": {"zh": "电话", "en": "Phone"},
        "web": {"zh": "网站", "en": "Web"},
        "wechat": {"zh": "微信", "en": "WeChat"},
        "app": {"zh": "移动客户端", "en": "App"},
        "mailbox": {"zh": "市长信箱", "en": "Mailbox"},
        "other": {"zh": "其他", "en": "Other"},
    },
    REQUEST_TYPE: {
        "complaint": {"zh": "投诉", "en": "Complaint"},
        "report": {"zh": "举报", "en": "Report"},
        "help": {"zh": "求助", "en": "Help"},
        "inquiry": {"zh": "咨询", "en": "Inquiry"},
        "suggestion": {"zh": "建议", "en": "Suggestion"},
        "praise": {"zh": "表扬", "en": "Praise"},
        "other": {"zh": "其他", "en": "Other"},
    },
    STATUS: {
        "open": {"zh": "办理中", "en": "Open"},
        "closed": {"zh": "已办结", "en": "Closed"},
        "returned": {"zh": "已退回", "en": "Returned"},
        "cancelled": {"zh": "已撤销", "en": "Cancelled"},
    },
    SATISFACTION: {
        "satisfied": {"zh": "满意", "en": "Satisfied"},
        "basically_satisfied": {"zh": "基本满意", "en": "Basically satisfied"},
        "dissatisfied": {"zh": "不满意", "en": "Dissatisfied"},
    },
}

CANONICAL_ORDER: tuple[str, ...] = tuple(COLUMNS)


def label(column: str, lang: str = "zh") -> str:
    """Return the display label of a canonical column in ``lang`` (``zh`` or ``en``)."""
    col = COLUMNS[column]
    return col.zh if lang == "zh" else col.en


def enum_label(column: str, value: str, lang: str = "zh") -> str:
    """Return the display label of an enum value, e.g. ``complaint`` -> ``投诉``."""
    return ENUMS[column][value][lang]


def enum_labels(column: str, lang: str = "zh") -> dict[str, str]:
    """Mapping value -> display label of an enum column."""
    return {v: lab[lang] for v, lab in ENUMS[column].items()}


def enum_dtype(column: str) -> pd.CategoricalDtype:
    """The categorical dtype (fixed categories, unordered) of an enum column."""
    return pd.CategoricalDtype(list(ENUMS[column]), ordered=False)


def empty_frame() -> pd.DataFrame:
    """A canonical frame with no rows and every column in its dtype."""
    return coerce(pd.DataFrame({c: [] for c in CANONICAL_ORDER}))


def coerce(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with canonical columns in canonical order and dtypes.

    Columns missing from ``df`` are added as all-null; columns not in the
    schema are dropped.  Values outside an enum raise ``ValueError`` rather
    than silently becoming null.
    """
    out = {}
    n = len(df)
    for name, col in COLUMNS.items():
        s = df[name] if name in df.columns else pd.Series([pd.NA] * n, index=df.index)
        if name in ENUMS:
            bad = set(s.dropna().unique()) - set(ENUMS[name])
            if bad:
                raise ValueError(f"column {name!r} has values outside its enum: {sorted(map(str, bad))[:5]}")
            s = s.astype(enum_dtype(name))
        elif col.dtype.startswith("datetime64"):
            s = pd.to_datetime(s, format="ISO8601").astype(col.dtype)
        elif col.dtype == "bool":
            s = s.astype("bool")
        else:
            s = s.astype(col.dtype)
        out[name] = s
    return pd.DataFrame(out, index=df.index)


def _enum_check(column: str) -> pa.Check:
    return pa.Check.isin(list(ENUMS[column]))


#: pandera model of a canonical frame (validated after ingest, before metrics).
WORK_ORDER_SCHEMA = pa.DataFrameSchema(
    {
        ORDER_ID: pa.Column("string", unique=True, nullable=False),
        RECEIVED_AT: pa.Column("datetime64[ns]", nullable=False),
        CHANNEL: pa.Column(enum_dtype(CHANNEL), _enum_check(CHANNEL), nullable=True),
        REQUEST_TYPE: pa.Column(enum_dtype(REQUEST_TYPE), _enum_check(REQUEST_TYPE), nullable=True),
        CATEGORY_L1: pa.Column("string", nullable=True),
        CATEGORY_L2: pa.Column("string", nullable=True),
        DISTRICT: pa.Column("string", nullable=True),
        DEPARTMENT: pa.Column("string", nullable=True),
        DEPARTMENT_RAW: pa.Column("string", nullable=True),
        CONTENT: pa.Column("string", nullable=True),
        CALLER_KEY: pa.Column("string", nullable=True),
        DUE_AT: pa.Column("datetime64[ns]", nullable=True),
        CLOSED_AT: pa.Column("datetime64[ns]", nullable=True),
        STATUS: pa.Column(enum_dtype(STATUS), _enum_check(STATUS), nullable=True),
        IS_VALID: pa.Column(bool, nullable=False),
        IS_REASONABLE: pa.Column("boolean", nullable=True),
        DUPLICATE_OF: pa.Column("string", nullable=True),
        CONTACTED: pa.Column("boolean", nullable=True),
        RESOLVED: pa.Column("boolean", nullable=True),
        SATISFACTION: pa.Column(enum_dtype(SATISFACTION), _enum_check(SATISFACTION), nullable=True),
        HANDLED_DIRECTLY: pa.Column("boolean", nullable=True),
        FIRST_RESPONSE_AT: pa.Column("datetime64[ns]", nullable=True),
        REASSIGNED: pa.Column("Int64", pa.Check.ge(0), nullable=True),
        EXTENSION_REQUESTED: pa.Column("boolean", nullable=True),
        EXTENSION_GRANTED: pa.Column("boolean", nullable=True),
        ESCALATED: pa.Column("boolean", nullable=True),
        SOURCE_FILE: pa.Column("string", nullable=False),
        SOURCE_ROW: pa.Column("int64", pa.Check.ge(0), nullable=False),
    },
    strict=True,
    ordered=True,
    name="work_order",
)


def validate(df: pd.DataFrame, lazy: bool = True) -> pd.DataFrame:
    """Validate a canonical frame with :data:`WORK_ORDER_SCHEMA`; return it unchanged.

    Raises ``pandera.errors.SchemaErrors`` naming every failing column and row.
    """
    return WORK_ORDER_SCHEMA.validate(df, lazy=lazy)
