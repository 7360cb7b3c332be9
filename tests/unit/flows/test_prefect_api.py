"""Which Prefect server a CLI run uses, decided before Prefect is imported."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import flows
from flows.prefect_api import _free_port, _server_env, answers, server_paths


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_a_server_answers_its_health_check_and_a_closed_port_does_not():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert answers(f"http://127.0.0.1:{server.server_address[1]}/api")
    finally:
        server.shutdown()
        server.server_close()
    assert not answers(f"http://127.0.0.1:{_free_port()}/api", timeout=0.3)


def test_the_api_url_of_the_active_profile_is_found_without_importing_prefect(tmp_path):
    (tmp_path / "profiles.toml").write_text(
        'active = "ops"\n[profiles.ops]\nPREFECT_API_URL = "http://10.0.0.5:4200/api"\n'
        "[profiles.local]\n",
        encoding="utf-8",
    )
    code = (
        "import sys; from flows.prefect_api import configured_api_url; "
        "print(configured_api_url()); assert 'prefect' not in sys.modules"
    )
    env = {"PREFECT_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "http://10.0.0.5:4200/api"
    env["PREFECT_PROFILE"] = "local"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "None", done.stderr


def test_imports_run_without_garbage_collection_which_resumes_after_and_freezes_if_asked():
    # In a child process: freezing would keep the test process's garbage for good.
    script = """
import gc
from flows.prefect_api import imports_without_gc
with imports_without_gc():
    assert not gc.isenabled()
assert gc.isenabled() and gc.get_freeze_count() == 0
with imports_without_gc(freeze=True):
    junk = [[] for _ in range(1000)]
assert gc.isenabled() and gc.get_freeze_count() >= 1000
gc.disable()
with imports_without_gc():
    pass
assert not gc.isenabled()  # off before: left off
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr


def test_the_local_server_runs_this_runs_flows_package_whatever_the_working_folder(tmp_path):
    # A working folder holding another checkout's `flows/` (an older one, say).
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "__init__.py").write_text("", encoding="utf-8")
    env = _server_env(server_paths(tmp_path / "prefect"), 4200)
    probe = "import flows; print(flows.__file__)"

    def imported(*flags: str) -> Path:
        done = subprocess.run(
            [sys.executable, *flags, "-c", probe],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return Path(done.stdout.strip()).resolve()

    assert imported() == (tmp_path / "flows" / "__init__.py").resolve()  # without -P
    assert imported("-P") == Path(flows.__file__).resolve()  # as the server is started
