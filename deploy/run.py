#!/usr/bin/env python
"""Dotvote scaled out: nginx in front of N daphne workers that share PostgreSQL and Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dotvote REDIS_URL=redis://127.0.0.1:6379/0 \\
      .venv/bin/python deploy/run.py --workers 2 --listen 127.0.0.1:8080      # or: make deploy WORKERS=2

Migrates, collects static files, writes deploy/run/nginx.conf from deploy/nginx.conf.template,
starts the workers on loopback ports and nginx in the foreground as the current user (pid, logs
and temp files in deploy/run/), and stops them all on Ctrl-C. nginx reaches the workers from
127.0.0.2 (`proxy_bind`), the one address in the workers' TRUSTED_PROXIES: a request made to a
worker directly, from 127.0.0.1, cannot pass itself off as another client. See deploy/README.md.
"""

import argparse
import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
TEMPLATE = BASE / "deploy" / "nginx.conf.template"
PROXY_ADDRESS = "127.0.0.2"  # any 127/8 address is loopback on Linux


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(host: str, port: int, process: subprocess.Popen, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} does not listen on {host}:{port}")


class Layout:
    """nginx + `workers` daphne processes, configured into `run_dir`."""

    def __init__(self, workers: int, listen: str, run_dir: Path, env: dict, static_root: Path):
        self.listen = listen
        self.run_dir = Path(run_dir)
        self.static_root = Path(static_root)
        self.worker_ports = [free_port() for _ in range(workers)]
        self.env = dict(env, DEBUG=env.get("DEBUG", "false"), TRUSTED_PROXIES=PROXY_ADDRESS)
        self.env["STATIC_ROOT"] = str(self.static_root)
        self.processes: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        host, _, port = self.listen.rpartition(":")
        return f"http://{'127.0.0.1' if host in ('', '0.0.0.0') else host}:{port}"

    def config(self) -> Path:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        upstreams = "\n".join(f"        server 127.0.0.1:{port};" for port in self.worker_ports)
        text = TEMPLATE.read_text()
        for name, value in {
            "RUN": str(self.run_dir.resolve()),
            "ACCESS_LOG": f"{self.run_dir.resolve()}/access.log upstream",
            "STATIC_ROOT": str(self.static_root.resolve()),
            "LISTEN": self.listen,
            "UPSTREAMS": upstreams,
            "PROXY_BIND": f"            proxy_bind {PROXY_ADDRESS};",
        }.items():
            text = text.replace(f"@@{name}@@", value)
        if os.geteuid() == 0:  # as root nginx would hand its workers to "nobody": keep our user
            text = text.replace("worker_processes 1;", f"user {getpass.getuser()};\nworker_processes 1;", 1)
        path = self.run_dir / "nginx.conf"
        path.write_text(text)
        return path

    def start(self) -> "Layout":
        if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
            raise RuntimeError("nginx is not installed: `make system-deps` (Debian package nginx)")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        config = self.config()
        try:
            for n, port in enumerate(self.worker_ports):
                log = open(self.run_dir / f"worker-{n}.log", "ab")  # noqa: SIM115 (kept open by the child)
                command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                           "dotvote.asgi:application"]  # fmt: skip
                self.processes.append(
                    subprocess.Popen(command, env=self.env, cwd=BASE, stdout=log, stderr=subprocess.STDOUT)
                )
            for process, port in zip(self.processes, self.worker_ports, strict=True):
                wait_for("127.0.0.1", port, process, f"worker on port {port}")
            run = str(self.run_dir.resolve())
            proxy = subprocess.Popen(
                [nginx, "-p", run, "-e", f"{run}/error.log", "-c", str(config.resolve())]
            )
            self.processes.append(proxy)
            host, _, port = self.listen.rpartition(":")
            wait_for("127.0.0.1" if host in ("", "0.0.0.0") else host, int(port), proxy, "nginx")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGQUIT if process is self.processes[-1] else signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--listen", default="127.0.0.1:8080", help="nginx's address:port")
    parser.add_argument("--run-dir", type=Path, default=BASE / "deploy" / "run")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.workers > 1 and not (env.get("DATABASE_URL", "").startswith("postgres") and env.get("REDIS_URL")):
        parser.error(
            "several workers share state only through PostgreSQL and Redis: set DATABASE_URL and REDIS_URL"
        )
    static_root = Path(env.get("STATIC_ROOT") or BASE / "staticfiles")
    env["STATIC_ROOT"] = str(static_root)
    manage = [sys.executable, str(BASE / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=BASE)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=BASE)
    layout = Layout(args.workers, args.listen, args.run_dir, env, static_root)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill stops the children too
    with layout:
        ports = ", ".join(map(str, layout.worker_ports))
        print(f"Dotvote on {layout.url} (nginx, daphne on {ports}); logs in {args.run_dir}. Ctrl-C stops.")
        try:
            while all(p.poll() is None for p in layout.processes):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
