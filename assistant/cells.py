"""One cell of a statistics table: what is blank, what is a number, and how a number is printed.

Every entry point reads cells here: the report parser (cells as printed), the spreadsheet and JSON import
and the web table editor (cells as typed). The marks, decided once (full-width forms are folded by NFKC):

* blank (None, never 0): an empty cell; a run of slashes, backslashes, dashes or underscores such as
  "/", "／", "\\", "＼", "-", "－", "–", "—", "——", "―", "─", "_"; the word "无"; and "nan", "none", "null" in
  any case, which is how pandas, Python and JSON write an empty cell.
* a number: ASCII or full-width digits with an optional sign and decimal part; thousands separators ("," "，")
  and spaces inside are ignored, and so is a unit word after it: "1,234", "１２３４" and "1234件" are 1234.
* anything else ("约5", "二", "3万", "1.2.3", "1e5") is not a number, and `parse_cell` raises `CellError`; so is
  a value no report can hold: infinite, or of `MAX_DIGITS` digits or more before the decimal point.

What a column may hold is its `Kind`: a count (a whole number, not negative; most cells), a signed count
(2019's 本年增/减) or an amount (收费金额 in 万元, 采购总金额: decimals allowed). The parser reads cells with no
kind, as printed, so that the checker can report a negative or fractional figure a published table shows.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Literal

from .errors import CellError

Number = int | float
Kind = Literal["count", "signed", "amount"]

BLANK_CHARS = "/／\\＼-－‐‑‒–—―─_＿"  # a cell holding only these (any number of them) is blank
_BLANK_RUN = re.compile(f"[{re.escape(BLANK_CHARS)}]*")
BLANK_WORDS = frozenset({"无", "nan", "none", "null"})
# units a table cell may print after its number (the columns' own units: 件, 个, 项, 万元 …)
UNIT_WORDS = ("万元", "元", "件", "个", "项", "条", "宗", "起", "家", "人次", "人", "次")
MAX_DIGITS = 13  # below 10^13: more than any count or amount in 万元 a body reports; refused, never rounded
_TOO_LARGE = f"数值过大（{MAX_DIGITS + 1} 位以上），请检查是否多打了数字"
_NUMBER = re.compile(rf"([+-]?\d+(?:\.\d+)?)(?:{'|'.join(UNIT_WORDS)})?")
_IGNORED = str.maketrans("", "", ", \t\u00a0")  # after NFKC, "，" is "," and U+3000 a space


def is_blank_mark(text: str) -> bool:
    """Whether a cell's text means "blank" (see the module docstring)."""
    text = _fold(text)
    return bool(_BLANK_RUN.fullmatch(text)) or text.lower() in BLANK_WORDS


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_IGNORED)


def parse_cell(raw: object, kind: Kind | None = "count") -> Number | None:
    """A cell's value: None when blank, else the number checked against `kind` (None: any number).

    Raises CellError with a Chinese reason that does not name the cell (the caller knows where it is).
    """
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise CellError(f"“{raw}”不是数字")
    value: Number
    if isinstance(raw, str):
        if is_blank_mark(raw):
            return None
        number = _NUMBER.fullmatch(_fold(raw))
        if not number:
            raise CellError(f"“{raw.strip()}”不是数字")
        whole = number[1].lstrip("+-").split(".")[0]
        if len(whole.lstrip("0")) > MAX_DIGITS:  # before int(), which refuses 4,300 digits with a ValueError
            raise CellError(_TOO_LARGE)
        value = float(number[1]) if "." in number[1] else int(number[1])
    else:
        value = raw
    return _of_kind(value, kind)


def _of_kind(value: Number, kind: Kind | None) -> Number:
    """The value when its column may hold it (whole floats become int), else CellError."""
    if (isinstance(value, float) and not math.isfinite(value)) or abs(value) >= 10**MAX_DIGITS:
        raise CellError(_TOO_LARGE)
    if value < 0 and kind in ("count", "amount"):
        raise CellError(f"{format_number(value)} 是负数，此处应为非负数")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float) and kind in ("count", "signed"):
        raise CellError(f"{format_number(value)} 不是整数，此处应为件数")
    return value


def format_number(value: Number | None, blank: str = "") -> str:
    """A cell as printed: `blank` for None (never 0), whole floats without '.0', no exponent or float noise."""
    if value is None:
        return blank
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)
