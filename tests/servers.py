"""Real Redis and PostgreSQL servers for the tests: Debian's binaries, started on 127.0.0.1.

Each server gets its own data directory in a temporary folder, a free port and (PostgreSQL) a private
socket directory; it is started once per test session and stopped at the end (see the fixtures in
``tests/conftest.py``). Nothing here is a mock: the cluster code under test talks to the real programs
over TCP, exactly as it would in a deployment.

PostgreSQL refuses to run as root. When the tests run as root (CI does), ``initdb`` and ``postgres``
run as the unprivileged ``postgres`` user of the Debian package (``subprocess``'s ``user=``/``group=``,
as ``runuser -u postgres --`` would, but with the server itself as our child, so it can be signalled),
and that user owns the data directory.

The binaries are looked up on PATH (``redis-server``) and under ``/usr/lib/postgresql/<version>/bin``
(Debian's layout; ``$WXARCHIVE_PG_BIN`` overrides it). A test that needs a server is skipped, naming the
missing binary, only when the binary is absent; ``.ci/run`` installs both packages so CI always runs them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

START_TIMEOUT_S = 30.0  # why: initdb + start take ~1-2 s here; a loaded CI machine may need much longer


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}: {_tail(log)}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {START_TIMEOUT_S} s: {_tail(log)}")


def _tail(log: Path) -> str:
    try:
        return " | ".join(log.read_text(errors="replace").splitlines()[-8:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


# ---------------------------------------------------------------------- Redis


def redis_binary() -> str | None:
    return shutil.which("redis-server")


class RedisServer:
    """``redis-server`` on 127.0.0.1 with no persistence, its own directory and a free port."""

    def __init__(self) -> None:
        self.port = 0
        self.dir: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = redis_binary()
        if binary is None:
            raise FileNotFoundError("redis-server is not installed (Debian package redis-server)")
        self.dir = Path(tempfile.mkdtemp(prefix="wxa-redis-"))
        self.port = free_port()
        log = self.dir / "redis.log"
        args = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir)]
        args += ["--save", "", "--appendonly", "no", "--logfile", str(log), "--daemonize", "no"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        _wait_for_port(self.port, self.proc, "redis-server", log)
        return self

    def flush(self) -> None:
        """Forget every key (between tests)."""
        import redis

        client = redis.Redis.from_url(self.url)
        try:
            client.flushall()
        finally:
            client.close()

    def stop(self) -> None:
        _stop(self.proc)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------------- PostgreSQL


def postgres_bindir() -> Path | None:
    """The directory of Debian's ``initdb``/``postgres`` (newest version), or ``$WXARCHIVE_PG_BIN``."""
    env = os.environ.get("WXARCHIVE_PG_BIN")
    candidates = [Path(env)] if env else []

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in p.name.split(".") if x.isdigit())

    base = Path("/usr/lib/postgresql")
    if base.is_dir():
        candidates += [p / "bin" for p in sorted(base.iterdir(), key=version, reverse=True)]
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "postgres").is_file():
            return directory
    return None


class PostgresServer:
    """A throw-away PostgreSQL cluster on 127.0.0.1: trust authentication, durability off (tests)."""

    USER = "wxarchive"

    def __init__(self) -> None:
        self.port = 0
        self.dir: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._as: dict[str, object] = {}

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresServer:
        bindir = postgres_bindir()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL is not installed (Debian package postgresql)")
        self.dir = Path(tempfile.mkdtemp(prefix="wxa-pg-"))
        data, sockets, log = self.dir / "data", self.dir / "sock", self.dir / "postgres.log"
        sockets.mkdir()
        log.touch()
        if os.geteuid() == 0:
            # why: postgres refuses to run as root; the package's own user owns the cluster instead
            import pwd

            user = pwd.getpwnam("postgres")
            self._as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
            for p in (self.dir, sockets, log):
                os.chown(p, user.pw_uid, user.pw_gid)
        init = [str(bindir / "initdb"), "-D", str(data), "-U", self.USER, "-A", "trust"]
        init += ["-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]
        done = subprocess.run(
            init, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, cwd=self.dir, **self._as
        )  # type: ignore[call-overload]
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stdout.decode(errors='replace')[-2000:]}")
        self.port = free_port()
        args = [str(bindir / "postgres"), "-D", str(data), "-k", str(sockets)]
        args += ["-h", "127.0.0.1", "-p", str(self.port)]
        # why: a test cluster is thrown away; durability only costs time (fsync per commit)
        for setting in ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200"):
            args += ["-c", setting]
        with log.open("ab") as fh:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=fh, stderr=fh, cwd=self.dir, **self._as
            )  # type: ignore[call-overload]
        _wait_for_port(self.port, self.proc, "postgres", log)
        self._wait_ready(log)
        return self

    def _wait_ready(self, log: Path) -> None:
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                psycopg.connect(self.dsn(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"postgres did not accept connections: {_tail(log)}") from None
                time.sleep(0.05)

    def new_database(self) -> str:
        """A fresh, empty database; returns its DSN (each test gets its own catalog)."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def stop(self) -> None:
        # why SIGINT: "fast shutdown" (disconnect clients, stop at once), not SIGTERM's wait for them
        _stop(self.proc, signal.SIGINT)
        if self.dir is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
