"""Which errors are a file's and which are the night's, and how a file's is told.

Staging a file may break in ways no reader foresaw (a library's limit, a character that
cannot be encoded, a recursion): that is the file's failure, and it is rejected with a
reason naming the error. A full or broken disk is the night's failure: it stops the run.
"""

from __future__ import annotations

import errno
import re

import duckdb

from transforms.messages import Reason

# The disk of the night (staging or build folder) is full, read-only or failing.
NIGHT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})
_NIGHT_WORDS = ("No space left on device", "Disk quota exceeded", "Read-only file system")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_LONG_NUMBER = re.compile(r"\d{6,}")
MAX_DETAIL = 200


def is_night_error(exc: BaseException) -> bool:
    """True for errors that are not any one file's: interrupts, a disk full or failing."""
    if not isinstance(exc, Exception):
        return True  # KeyboardInterrupt, SystemExit, a cancelled worker
    if isinstance(exc, OSError) and exc.errno in NIGHT_ERRNOS:
        return True
    text = str(exc)
    return any(w in text for w in _NIGHT_WORDS)


def error_detail(exc: BaseException) -> str:
    """`ErrorClass: message`, short, with quoted text and long numbers masked: a library's
    message may quote a cell, and a cell may be a citizen id."""
    message = _LONG_NUMBER.sub(
        "#", _QUOTED.sub("'…'", str(exc).splitlines()[0] if str(exc) else "")
    )
    detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return detail if len(detail) <= MAX_DETAIL else detail[: MAX_DETAIL - 1] + "…"


def file_failure(exc: BaseException) -> Reason:
    """The reason a file is rejected for an error that is not a `FileRejected`."""
    if isinstance(exc, MemoryError | duckdb.OutOfMemoryException):
        return Reason.out_of_memory(error_detail(exc))
    return Reason.failed(error_detail(exc))
