"""The rejection of a whole file, apart from the readers' libraries: the claims split
workers raise it without importing pandas."""

from __future__ import annotations

from transforms.messages import Reason


class FileRejected(Exception):
    """The whole file is rejected, for one reason."""

    def __init__(self, reason: Reason):
        super().__init__(str(reason))
        self.reason = reason
