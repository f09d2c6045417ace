"""Canonical schema: names, labels, coercion and validation."""

from __future__ import annotations

import pandas as pd
import pandera.errors
import pytest

from hotline_analysis import schema as S


def _frame(**over) -> pd.DataFrame:
    base = {
        S.ORDER_ID: ["A1", "A2"],
        S.RECEIVED_AT: ["2020-12-01 08:00:00", "2020-12-02 09:30:00"],
        S.CHANNEL: ["phone", "web"],
        S.REQUEST_TYPE: ["complaint", "inquiry"],
        S.IS_VALID: [True, True],
        S.IS_REASONABLE: [True, None],
        S.SATISFACTION: ["satisfied", None],
        S.SOURCE_FILE: ["f.csv", "f.csv"],
        S.SOURCE_ROW: [1, 2],
    }
    base.update(over)
    return pd.DataFrame(base)


def test_design_columns_in_order():
    assert list(S.COLUMNS) == [
        "order_id", "received_at", "channel", "request_type", "category_l1", "category_l2", "district",
        "department", "department_raw", "content", "caller_key", "due_at", "closed_at", "status", "is_valid",
        "is_reasonable", "duplicate_of", "contacted", "resolved", "satisfaction",
        # optional handling columns (issue 13), then the provenance columns
        "handled_directly", "first_response_at", "reassigned", "extension_requested", "extension_granted",
        "escalated", "source_file", "source_row"]


def test_enums_match_design():
    assert set(S.ENUMS[S.CHANNEL]) == {"phone", "web", "wechat", "app", "mailbox", "other"}
    assert set(S.ENUMS[S.REQUEST_TYPE]) == {"complaint", "report", "help", "inquiry", "suggestion", "praise", "other"}
    assert set(S.ENUMS[S.STATUS]) == {"open", "closed", "returned", "cancelled"}
    assert set(S.ENUMS[S.SATISFACTION]) == {"satisfied", "basically_satisfied", "dissatisfied"}


def test_every_column_and_enum_value_has_both_labels():
    for col in S.COLUMNS.values():
        assert col.zh and col.en
    for values in S.ENUMS.values():
        for lab in values.values():
            assert lab["zh"] and lab["en"]
    assert S.label(S.DEPARTMENT, "zh") == "承办单位"
    assert S.enum_label(S.SATISFACTION, "basically_satisfied", "zh") == "基本满意"


def test_coerce_then_validate_roundtrip():
    df = S.validate(S.coerce(_frame()))
    assert list(df.columns) == list(S.COLUMNS)
    assert str(df[S.RECEIVED_AT].dtype) == "datetime64[ns]"
    assert df[S.IS_REASONABLE].isna().tolist() == [False, True]
    assert S.validate(S.empty_frame()).empty


def test_coerce_rejects_values_outside_enum():
    with pytest.raises(ValueError, match="request_type"):
        S.coerce(_frame(**{S.REQUEST_TYPE: ["complaint", "grumble"]}))


def test_validation_names_duplicated_order_ids():
    df = S.coerce(_frame(**{S.ORDER_ID: ["A1", "A1"]}))
    with pytest.raises(pandera.errors.SchemaErrors, match="order_id"):
        S.validate(df)


def test_validation_rejects_missing_received_at():
    df = S.coerce(_frame(**{S.RECEIVED_AT: ["2020-12-01 08:00:00", None]}))
    with pytest.raises(pandera.errors.SchemaErrors, match="received_at"):
        S.validate(df)
