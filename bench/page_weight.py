#!/usr/bin/env python
"""What a phone downloads to open the vote page for the first time: every response, over the wire.

    .venv/bin/python bench/page_weight.py [--budget-kb 60]

Sets up a throwaway SQLite database and static files, starts daphne (as `make run` does, DEBUG off,
WhiteNoise's compressed files, GZipMiddleware) on a free local port, joins a PED workshop in
headless Chromium with a phone's screen, then opens the vote page in a fresh context that has only
the participant's cookie (an empty cache) and records the transfer size (headers + encoded body)
of every response. Prints the per-file list and the total; exits 1 over the budget or when any
request goes to another host.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

BASE = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
]

CREATE = """
from django.contrib.auth import get_user_model
from workshops import services
from workshops.models import Phase
owner = get_user_model().objects.create_user("bench", password="bench-pass-123")
workshop = services.create_workshop(owner, "Demokratiapäivä 2015: PED-verkosto", language="fi")
services.set_phase(workshop, Phase.VOTING)
print(workshop.code)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env, *args) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=BASE, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def serve(env, port):
    server = subprocess.Popen(
        [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "dotvote.asgi:application"],
        cwd=BASE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            urlopen(f"http://127.0.0.1:{port}/privacy/", timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("daphne did not start")


def measure(url: str, code: str) -> tuple[list[tuple[str, int, str]], list[str]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        phone = p.devices["Pixel 5"]
        joining = browser.new_context(**phone)
        page = joining.new_page()
        page.goto(f"{url}/{code}")
        page.locator("form.join button").click()
        page.wait_for_url(f"**/{code}/me/")
        cookies = joining.cookies()
        joining.close()

        fresh = browser.new_context(**phone)  # an empty cache: the first load of the vote page
        fresh.add_cookies(cookies)
        page = fresh.new_page()
        responses = []
        page.on("requestfinished", lambda request: responses.append(request))
        page.goto(f"{url}/{code}/me/", wait_until="networkidle")
        rows, foreign = [], []
        host = urlsplit(url).netloc
        for request in responses:
            sizes = request.sizes()
            size = sizes["responseHeadersSize"] + sizes["responseBodySize"]
            response = request.response()
            encoding = (response.header_value("content-encoding") if response else None) or "-"
            rows.append((request.url.replace(url, ""), size, encoding))
            if urlsplit(request.url).netloc != host and not request.url.startswith("data:"):
                foreign.append(request.url)
        browser.close()
    return rows, foreign


def main(argv: list[str]) -> int:
    budget_kb = float(argv[argv.index("--budget-kb") + 1]) if "--budget-kb" in argv else 60.0
    with tempfile.TemporaryDirectory(prefix="dotvote-weight-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "STATIC_ROOT": f"{tmp}/static",
            "DEBUG": "false",
            "REDIS_URL": "",
        }
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        code = manage(env, "shell", "-c", CREATE).strip().splitlines()[-1]
        port = free_port()
        server = serve(env, port)
        try:
            rows, foreign = measure(f"http://127.0.0.1:{port}", code)
        finally:
            server.terminate()
            server.wait(timeout=10)
    total = sum(size for _path, size, _enc in rows)
    print("First load of the vote page (transfer size: headers + encoded body)")
    for path, size, encoding in rows:
        print(f"  {size / 1024:7.1f} KB  {encoding:5}  {path}")
    print(f"  {total / 1024:7.1f} KB  total in {len(rows)} responses (budget {budget_kb:.0f} KB)")
    if foreign:
        print("Requests to other hosts:", *foreign, sep="\n  ")
    return 1 if foreign or total > budget_kb * 1024 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
