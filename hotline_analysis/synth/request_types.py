"""Request types as the generator codes them: small integers into ``schema.REQUEST_TYPES``."""

from __future__ import annotations

from enum import IntEnum

from .. import schema as S


class RequestType(IntEnum):
    """A request type; the value is its position in ``schema.REQUEST_TYPES``."""

    COMPLAINT = 0
    REPORT = 1
    HELP = 2
    INQUIRY = 3
    SUGGESTION = 4
    PRAISE = 5
    OTHER = 6

    @property
    def label(self) -> str:
        """The canonical (English) value, e.g. ``"complaint"``."""
        return S.REQUEST_TYPES[self]


if [t.name.lower() for t in RequestType] != list(S.REQUEST_TYPES):
    raise ImportError("RequestType is out of step with schema.REQUEST_TYPES")

#: Canonical labels indexed by code.
LABELS = [t.label for t in RequestType]
#: Complaint-like requests: they count towards net complaints and may be judged unreasonable.
COMPLAINT_LIKE = (RequestType.COMPLAINT, RequestType.REPORT)
#: Requests judged reasonable or not, drawing repeat calls and call-back questions on resolution.
JUDGED = (RequestType.COMPLAINT, RequestType.REPORT, RequestType.HELP)
