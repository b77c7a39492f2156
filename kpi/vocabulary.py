"""The words every layer shares: the canonical columns of a reading and their Vietnamese labels,
the enums that type the store's columns, the yes/no words and the MIME types of the files the
product writes.

Imports nothing of kpi: every other module may import it.
"""

from enum import StrEnum


class Kind(StrEnum):
    RATIO = "ratio"
    COUNT = "count"
    BOOLEAN = "boolean"


class Comparator(StrEnum):
    AT_LEAST = ">="
    AT_MOST = "<="
    DECREASE = "decrease"
    EQUALS = "="


class Source(StrEnum):
    """How a reading was entered."""

    FORM = "form"
    IMPORT = "import"
    CLI = "cli"
    DEMO = "demo"


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"


# A reading's key, its figures, and the columns of a readings file in the canonical layout.
KEY = ["locality_code", "indicator_code", "year"]
FIGURES = ["numerator", "denominator", "value"]
INPUT_COLUMNS = [*KEY, *FIGURES, "note"]
COLUMN_LABELS = {
    "locality_code": "Mã địa phương", "indicator_code": "Mã chỉ tiêu", "year": "Năm",
    "numerator": "Tử số", "denominator": "Mẫu số", "value": "Giá trị", "note": "Ghi chú",
}
# The row number a spreadsheet program shows for a row read from a file (problems name it).
ROW_COLUMN = "excel_row"

# Yes/no as stored (1/0), as written in files and tables, and as read from files.
YES, NO = "có", "không"
YES_NO_TEXT = {True: YES, False: NO}
BOOLEAN_WORDS = {YES: 1, NO: 0, "x": 1, "1": 1, "0": 0, "yes": 1, "no": 0, "true": 1, "false": 0}

MIME_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}

# The longest note (ghi chú) of a figure, in the form, in files and on the command line: a note says
# why a figure is what it is, in a sentence or two.
NOTE_MAX_LENGTH = 500
NOTE_TOO_LONG = f"Ghi chú dài quá {NOTE_MAX_LENGTH} ký tự, giới hạn của mọi ghi chú: hãy viết ngắn lại."
