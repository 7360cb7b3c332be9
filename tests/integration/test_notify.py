"""A night published with too few submissions on time reaches a person: a real webhook
notification block, a real HTTP listener, a real night."""

from __future__ import annotations

import shutil

from prefect.blocks.notifications import CustomWebhookNotificationBlock

from sample.generate.night import NightSpec, generate
from tests.conftest import RUN_DATE
from tests.integration.listener import WEBHOOK_JSON, Listener
from transforms.reference import load


def test_a_night_with_few_submissions_on_time_sends_its_notice(tmp_path, night, monkeypatch):
    landing = tmp_path / "landing"
    generate(landing, NightSpec(run_date=RUN_DATE, scale=0.1, seed=5), load())
    # Only the ministry and one province delivered: far below 80 % on time.
    for folder in (landing / RUN_DATE.isoformat()).iterdir():
        if folder.name not in {"moh", "p01"}:
            shutil.rmtree(folder)
    with Listener() as listener:
        CustomWebhookNotificationBlock(
            name="vnhealth", url=listener.url, json_data=WEBHOOK_JSON
        ).save("vnhealth-test-oncall", overwrite=True)
        monkeypatch.setenv("VNHEALTH_NOTIFY_BLOCK", "custom-webhook/vnhealth-test-oncall")
        monkeypatch.setenv("VNHEALTH_NOTIFY_ON_TIME_BELOW", "0.8")
        summary, warehouse, _ = night(landing, RUN_DATE)
        # The same night re-run for one source is no whole night: no notice.
        night(landing, RUN_DATE, sources=["p01"])
    assert summary["status"] == "succeeded"
    [notice] = listener.received
    subject, body = notice["subject"], notice["body"]
    assert subject.startswith(f"vnhealth: đêm {RUN_DATE}")
    assert "only" in subject and "on time" in subject
    vi, en = body.split("\n\n")
    assert "đúng hạn" in vi and "ngưỡng 80%" in vi
    assert "on time" in en and "threshold 80%" in en
    rerun = f"vnhealth run --landing {landing} --date {RUN_DATE} --warehouse {warehouse}"
    assert rerun in vi and rerun in en
