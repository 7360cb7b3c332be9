"""Notices that reach a person: a night that failed or crashed, and a night published with
too few submissions on time. Vietnamese first, then English; each says which night, what
happened and the exact command that re-runs it.

They are sent through a Prefect notification block (a webhook, Slack, Microsoft Teams,
e-mail...) named by `VNHEALTH_NOTIFY_BLOCK` as `<block type slug>/<block name>`, e.g.
`custom-webhook/vnhealth-oncall`. Why the flow sends them itself (its `on_failure` and
`on_crashed` hooks) rather than a server automation: the hooks run in the flow's own
process with the run's parameters at hand (the re-run command needs them), work on any
self-hosted server with no extra service configured, and the on-time share is a number
only the night knows. What no hook can report, a flow process killed from outside (out of
memory, the machine lost), the server marks `Crashed` and shows in its UI.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flows.usage import rerun_command

logger = logging.getLogger(__name__)


def failure_notice(
    params: Mapping[str, Any], flow_run_name: str, state_name: str, message: str | None
) -> tuple[str, str]:
    """(subject, body) for a nightly run that ended `state_name` (Failed, Crashed)."""
    night = str(params.get("run_date") or "đêm qua / last night")
    what = (message or state_name).strip()
    command = rerun_command(params)
    vi_state = "bị sập (Crashed)" if state_name.lower() == "crashed" else "thất bại (Failed)"
    subject = f"vnhealth: đêm {night} {vi_state} | night {night} {state_name}"
    body = "\n".join(
        [
            f"Lượt chạy đêm {night} ({flow_run_name}) {vi_state}: {what}",
            "Kho dữ liệu đã công bố không thay đổi. Sửa lỗi rồi chạy lại:",
            f"  {command}",
            "",
            f"The nightly run for {night} ({flow_run_name}) ended {state_name}: {what}",
            "The published warehouse is unchanged. Fix the cause, then re-run:",
            f"  {command}",
        ]
    )
    return subject, body


def on_time_notice(
    params: Mapping[str, Any], flow_run_name: str, on_time: int, expected: int, below: float
) -> tuple[str, str]:
    """(subject, body) for a published night with `on_time` of `expected` deliveries on
    time, a share below `below` (0 to 1)."""
    night = str(params.get("run_date") or "")
    share = on_time / expected if expected else 0.0
    command = rerun_command(params)
    subject = (
        f"vnhealth: đêm {night} chỉ {share:.0%} tệp đúng hạn | night {night}: only "
        f"{share:.0%} of submissions on time"
    )
    body = "\n".join(
        [
            f"Đêm {night} ({flow_run_name}) đã công bố, nhưng chỉ {on_time}/{expected} tệp "
            f"dự kiến được nộp đúng hạn ({share:.0%}, ngưỡng {below:.0%}). Xem "
            "progress.submissions; khi các tỉnh đã nộp bổ sung, chạy lại:",
            f"  {command}",
            "",
            f"The night {night} ({flow_run_name}) was published, but only {on_time} of "
            f"{expected} expected submissions arrived on time ({share:.0%}, threshold "
            f"{below:.0%}). See progress.submissions; once the provinces have delivered, "
            "re-run:",
            f"  {command}",
        ]
    )
    return subject, body


def send(block: str | None, subject: str, body: str) -> bool:
    """Send through the notification block `block` (`<type slug>/<name>`); False, logged,
    when none is configured or sending fails: a notice must never fail the night."""
    if not block:
        logger.warning("no VNHEALTH_NOTIFY_BLOCK: not sent: %s", subject)
        return False
    try:
        from prefect.blocks.core import Block
        from prefect.blocks.notifications import NotificationBlock

        # Synchronously (`_sync`): hooks and the flow run outside any event loop.
        target = Block.load(block, _sync=True)  # type: ignore[call-arg]
        if not isinstance(target, NotificationBlock):
            raise TypeError(f"{block} is a {type(target).__name__}, not a notification block")
        target.notify(body, subject, _sync=True)  # type: ignore[call-arg,unused-coroutine]
    except Exception as exc:  # a notice that cannot be sent is logged, never raised
        logger.error("notice not sent through %s (%s): %s", block, exc, subject)
        return False
    logger.info("notice sent through %s: %s", block, subject)
    return True
