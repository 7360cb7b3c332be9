"""The notices a person reads: Vietnamese first, then English, the night, what happened and
the exact re-run command; a notice that cannot be sent never raises."""

from __future__ import annotations

from flows.notify import failure_notice, on_time_notice, send

PARAMS = {
    "run_date": "2026-11-24",
    "landing": "/srv/landing",
    "warehouse": "/srv/wh/warehouse.duckdb",
    "sources": ["p01"],
    "datasets": ["visits"],
}
RERUN = (
    "vnhealth run --landing /srv/landing --date 2026-11-24 --warehouse "
    "/srv/wh/warehouse.duckdb --source p01 --dataset visits"
)


def test_a_failed_night_s_notice():
    subject, body = failure_notice(PARAMS, "brave-fox", "Failed", "RuntimeError: disk full")
    assert subject == "vnhealth: đêm 2026-11-24 thất bại (Failed) | night 2026-11-24 Failed"
    vi, en = body.split("\n\n")
    assert vi.splitlines() == [
        "Lượt chạy đêm 2026-11-24 (brave-fox) thất bại (Failed): RuntimeError: disk full",
        "Kho dữ liệu đã công bố không thay đổi. Sửa lỗi rồi chạy lại:",
        f"  {RERUN}",
    ]
    assert en.splitlines() == [
        "The nightly run for 2026-11-24 (brave-fox) ended Failed: RuntimeError: disk full",
        "The published warehouse is unchanged. Fix the cause, then re-run:",
        f"  {RERUN}",
    ]


def test_a_crashed_night_without_a_message_says_so():
    subject, body = failure_notice({}, "sad-owl", "Crashed", None)
    assert "bị sập (Crashed)" in subject and subject.endswith("Crashed")
    assert "ended Crashed: Crashed" in body
    assert "--date '<date>'" in body  # no date: last night, re-run needs one


def test_a_late_night_s_notice():
    subject, body = on_time_notice(PARAMS, "calm-elk", 250, 346, 0.8)
    assert subject == (
        "vnhealth: đêm 2026-11-24 chỉ 72% tệp đúng hạn | night 2026-11-24: only 72% of "
        "submissions on time"
    )
    vi, en = body.split("\n\n")
    assert "250/346" in vi and "ngưỡng 80%" in vi and RERUN in vi
    assert "250 of 346" in en and "threshold 80%" in en and RERUN in en


def test_without_a_block_the_notice_is_logged_not_raised(caplog):
    # (Sending through a real block: tests/integration/test_notify.py, test_deployment.py.)
    assert send(None, "subject", "body") is False
    assert "not sent: subject" in caplog.text
