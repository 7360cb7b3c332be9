"""A file that cannot be hashed any more is that file's failure, not the night's."""

from __future__ import annotations

import os

from flows.nightly import checksums
from transforms.messages import Reason


def test_a_file_swapped_after_discovery_is_rejected_and_the_others_are_hashed(tmp_path):
    good = tmp_path / "visits.csv"
    good.write_text("a,b\n1,2\n", encoding="utf-8")
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)  # a FIFO put where a file was: opened without blocking, never read
    link = tmp_path / "link.csv"
    link.symlink_to(good)  # a link put where a file was: never followed
    gone = tmp_path / "gone.csv"  # removed since it was listed

    out = checksums.fn([good, fifo, link, gone])

    assert isinstance(out[0], str) and len(out[0]) == 64
    for reason in out[1:]:
        assert isinstance(reason, Reason)
        assert reason.code == "failed"
        assert "OSError" in reason.en or "Error" in reason.en
