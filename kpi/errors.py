"""Errors nobody foresaw: the traceback goes to the log, the person gets a Vietnamese sentence and a
reference to find it there.

The app logs to the Streamlit server's own output (its service journal); the command line logs to the
file named by KPI_LOG_FILE (default data/kpi-loi.log), never to the screen. Imports nothing of kpi.
"""

import errno
import logging
import os
import secrets
from pathlib import Path

LOG = logging.getLogger("kpi")
DEFAULT_LOG_FILE = Path(__file__).resolve().parent.parent / "data" / "kpi-loi.log"


def log_unexpected(where: str) -> str:
    """Log the exception being handled, with a short reference, and return the reference."""
    reference = secrets.token_hex(4)
    LOG.error("Lỗi không lường trước (mã %s) khi %s", reference, where, exc_info=True)
    return reference


def log_file() -> Path:
    return Path(os.environ.get("KPI_LOG_FILE") or DEFAULT_LOG_FILE)


def log_to_file() -> Path | None:
    """Send the kpi log to log_file() (the command line); None when it cannot be written, and then
    the traceback is dropped rather than shown."""
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        writable = os.access(path if path.exists() else path.parent, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        LOG.addHandler(logging.NullHandler())
        LOG.propagate = False
        return None
    # Opened at the first error only: a command that goes well leaves no file behind.
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    LOG.addHandler(handler)
    LOG.propagate = False
    return path


FILE_ERRORS = {
    "ENOENT": "thư mục hoặc tệp không tồn tại",
    "EACCES": "không có quyền",
    "EPERM": "không có quyền",
    "EROFS": "ổ đĩa chỉ cho đọc",
    "EISDIR": "đây là một thư mục, không phải tệp",
    "ENOTDIR": "một phần của đường dẫn không phải là thư mục",
    "ENOSPC": "ổ đĩa hết chỗ",
    "EEXIST": "tệp đã có",
}


def file_error_text(error: OSError) -> str:
    """An operating-system error on a file, in Vietnamese: which file, and why."""
    reason = FILE_ERRORS.get(errno.errorcode.get(error.errno or 0, ""), f"lỗi hệ thống số {error.errno}")
    name = error.filename if error.filename is not None else ""
    return f"«{name}»: {reason}" if name else reason
