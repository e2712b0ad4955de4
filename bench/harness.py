"""What the benchmarks share: a scratch environment, servers under test, joined phones, wrk.

Nothing here is imported by Dotvote or its tests. Servers run on 127.0.0.1 only.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from statistics import median

BASE = Path(__file__).resolve().parent.parent
BASELINE = BASE / "bench" / "baseline"
LUA = BASE / "bench" / "vote.lua"
SERVERS = ("daphne", "uvicorn", "granian")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BASE, capture_output=True, text=True)
    return out.stdout.strip() or "?"


def backend_label() -> str:
    postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    redis = bool(os.environ.get("REDIS_URL"))
    return ("PostgreSQL" if postgres else "SQLite") + (" + Redis" if redis else "")


def scratch_env() -> tuple[dict, Path]:
    """The environment every server and this process share: DEBUG off, a scratch SQLite file
    unless DATABASE_URL is set, static files collected into a temporary STATIC_ROOT."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill still stops the servers
    workdir = Path(tempfile.mkdtemp(prefix="dotvote-bench-"))
    env = dict(os.environ, DEBUG="false", DJANGO_SETTINGS_MODULE="dotvote.settings", LOG_LEVEL="ERROR")
    env.setdefault("STATIC_ROOT", str(workdir / "static"))
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    return env, workdir


def prepare_dotvote(env: dict) -> None:
    manage = [sys.executable, str(BASE / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=BASE)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=BASE)


def prepare_baseline(env: dict, rows: int) -> None:
    """The baseline's one table, with `rows` counters, in the same database."""
    script = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from bare.models import Counter;"
        f"Counter.objects.bulk_create([Counter(pk=n) for n in range(1, {rows + 1})], ignore_conflicts=True)"
    )
    subprocess.run([sys.executable, "-c", script], env=baseline_env(env), check=True, cwd=BASELINE)


def baseline_env(env: dict) -> dict:
    return dict(env, DJANGO_SETTINGS_MODULE="bare.settings", PYTHONPATH=str(BASELINE))


def server_command(server: str, app: str, port: int) -> list[str]:
    if server == "daphne":
        return [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port), app]
    if server == "uvicorn":
        return [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
                "--no-access-log", "--log-level", "warning", "--lifespan", "off", app]  # fmt: skip
    if server == "granian":
        return [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1",
                "--port", str(port), "--log-level", "warning", "--no-access-log", app]  # fmt: skip
    raise ValueError(server)


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


@contextmanager
def servers(specs: list[tuple[list[str], dict, Path, int]]):
    """Start each (command, env, cwd, port), wait until it listens, stop them all afterwards."""
    started = []
    try:
        for command, env, cwd, port in specs:
            process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
            started.append(process)
            wait_for_port(port, process)
        yield started
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def voting_workshop(participants: int, live: bool = True):
    """A PED workshop in voting (live results), in this process's database. Needs django.setup()."""
    from django.contrib.auth import get_user_model

    from workshops import services
    from workshops.models import Phase

    user, _ = get_user_model().objects.get_or_create(username="bench-facilitator")
    workshop = services.create_workshop(user, "Kuormitustesti", template="ped")
    workshop.participant_limit = participants + 10
    workshop.save(update_fields=["participant_limit"])
    services.set_phase(workshop, Phase.VOTING, minutes=60)
    if live:
        services.set_results_visibility(workshop, "live")
    return workshop


def projector_cookie(workshop) -> str:
    """The Cookie header a projector holds after its link's first visit (its key, signed)."""
    from django.http import HttpResponse

    from workshops import access

    response, name = HttpResponse(), access.projector_cookie(workshop)
    response.set_signed_cookie(name, workshop.projector_secret, salt=access.PROJECTOR_SALT)
    return f"{name}={response.cookies[name].value}"


def _cookies(response, jar: dict) -> None:
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key] = rest.split(";", 1)[0]


def join_phone(port: int, code: str) -> dict:
    """Join as a phone does (GET the join page, POST Join with the CSRF token): the cookies."""
    jar: dict[str, str] = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", f"/{code}")
        response = conn.getresponse()
        response.read()
        _cookies(response, jar)
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "X-CSRFToken": jar["csrftoken"],
            "Origin": f"http://127.0.0.1:{port}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        conn.request("POST", f"/{code}", body="", headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 302:
            raise RuntimeError(f"join: HTTP {response.status}")
        _cookies(response, jar)
    finally:
        conn.close()
    return jar


def phones_file(path: Path, code: str, phones: list[dict], statement_ids: list[int]) -> Path:
    """The Lua script's participant list: path prefix, Cookie header, CSRF token, statement ids."""
    ids = ",".join(str(s) for s in statement_ids)
    lines = [
        "\t".join([f"/{code}", "; ".join(f"{k}={v}" for k, v in jar.items()), jar["csrftoken"], ids])
        for jar in phones
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


RESULT = re.compile(r"RESULT (.*)")


def wrk(url: str, mode: str, file: Path, seconds: float, threads: int = 2, connections: int = 32) -> dict:
    """One wrk run; returns requests/s (of all replies), failures and latency percentiles in ms."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make bench-deps` (Debian package wrk)")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s",
               "-s", str(LUA), url, "--", mode, str(file), str(threads)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    out = done.stdout
    if done.returncode:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    found = RESULT.search(out)
    if not found:
        raise RuntimeError("wrk printed no RESULT line:\n" + out)
    values = {k: int(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    return {
        "rps": values["requests"] / (values["duration_us"] / 1e6),
        "requests": values["requests"],
        "failures": values["failures"] + values["socket_errors"],
        "p50_ms": values["p50_us"] / 1000,
        "p95_ms": values["p95_us"] / 1000,
        "p99_ms": values["p99_us"] / 1000,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (from /proc; Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def med(runs: list[dict], key: str) -> float:
    return median(run[key] for run in runs)
