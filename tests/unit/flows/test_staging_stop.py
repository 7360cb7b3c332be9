"""A failed night stops staging (`flows.nightly._drop_pending`): the bundles not yet begun
are dropped, the one running ends, and waiting for what is left returns once it has."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from prefect.futures import PrefectConcurrentFuture, wait

from flows.nightly import _cancelled, _drop_pending


def test_bundles_not_yet_begun_are_dropped_and_the_running_one_ends():
    release, began = threading.Event(), threading.Event()
    ran: list[int] = []

    def bundle(i: int) -> int:
        if i == 0:
            began.set()
            release.wait(10)
        ran.append(i)
        return i

    with ThreadPoolExecutor(1) as pool:  # the thread runner's one staging thread
        futures = [PrefectConcurrentFuture(uuid.uuid4(), pool.submit(bundle, i)) for i in range(4)]
        assert began.wait(10)
        _drop_pending(futures)
        release.set()
        left = [f for f in futures if not _cancelled(f)]
        wait(left, timeout=10)
    assert [f.wrapped_future.cancelled() for f in futures] == [False, True, True, True]
    assert ran == [0] and left[0].result() == 0
