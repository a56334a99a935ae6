"""A real NetBox for the tests: its own venv, a throwaway PostgreSQL and Redis, all on 127.0.0.1.

:func:`running` installs NetBox from PyPI into a venv of a Python 3.12 or newer
(pyenv's, or one on the PATH), starts a PostgreSQL cluster from Debian's
``postgresql`` binaries and a ``redis-server`` on free ports, writes NetBox's
configuration, migrates, creates a superuser and a v2 API token, runs
``netbox runserver --noreload``, and takes everything down again afterwards.

Migrating an empty database costs minutes of CPU, so the migrated cluster is
kept as a template per NetBox and PostgreSQL version, with the venv, under
``~/.cache/graphanalyzer-netbox`` (``GRAPHANALYZER_NETBOX_CACHE`` moves it); a
fresh machine, as in CI, does everything from scratch.  One NetBox runs at a
time on a machine: a lock file in the cache folder serialises sessions.

Run it by hand to get a NetBox to play with (Ctrl-C stops it)::

    python tests/netbox_server.py
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: What is installed: the newest NetBox 4.7.
SPEC = "netbox~=4.7.0"
CACHE = Path(os.environ.get("GRAPHANALYZER_NETBOX_CACHE") or Path.home() / ".cache" / "graphanalyzer-netbox")
#: The user PostgreSQL runs as when the tests run as root (initdb refuses root).
POSTGRES_USER = "postgres"


class Unavailable(Exception):
    """NetBox cannot be started here; the message says what is missing."""


@dataclass(frozen=True)
class NetBox:
    """A running NetBox: its base URL, an API token (``nbt_<key>.<secret>``) and its version."""

    url: str
    token: str
    version: str
    log: Path


def _say(message: str) -> None:
    sys.stderr.write(f"[netbox] {message}\n")
    sys.stderr.flush()


def _run(command: list[str], what: str, *, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    """Run a set-up step; a failure is :class:`Unavailable` with the end of its output."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise Unavailable(f"{what}: {error}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-12:]
        raise Unavailable(f"{what} failed (exit {done.returncode}):\n" + "\n".join(tail))
    return done.stdout


def _python() -> str:
    """A Python 3.12 or newer for NetBox: $GRAPHANALYZER_NETBOX_PYTHON, pyenv's (3.12 first), or one on the PATH."""
    candidates = [os.environ.get("GRAPHANALYZER_NETBOX_PYTHON", "")]
    if shutil.which("pyenv"):
        versions = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False).stdout
        for version in sorted(versions.split(), key=_version_key):
            if _version_key(version) >= (3, 12):
                prefix = subprocess.run(["pyenv", "prefix", version], capture_output=True, text=True, check=False)
                candidates.append(str(Path(prefix.stdout.strip()) / "bin" / "python"))
    candidates += [shutil.which(name) or "" for name in ("python3.12", "python3.13", "python3.14")]
    for candidate in filter(None, candidates):
        check = subprocess.run(
            [candidate, "-c", "import sys, venv; sys.exit(sys.version_info < (3, 12))"],
            capture_output=True,
            check=False,
        )
        if check.returncode == 0:
            return candidate
    raise Unavailable("no Python 3.12 or newer (NetBox 4.7 needs one: pyenv install 3.12, or python3.12 on the PATH)")


def _version_key(text: str) -> tuple[int, ...]:
    parts = text.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else (0,)


def _postgres_bin() -> Path:
    """The folder of PostgreSQL's server binaries (initdb, pg_ctl)."""
    folders = []
    if shutil.which("pg_config"):
        folders.append(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip())
    folders += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda f: _version_key(Path(f).parent.name))[::-1]
    for folder in folders:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    raise Unavailable("PostgreSQL's server binaries are not installed (Debian: apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _venv(python: str) -> tuple[Path, str]:
    """The venv with NetBox installed (made once), and NetBox's version."""
    venv = CACHE / f"venv-{SPEC.split('~=')[1].rsplit('.', 1)[0]}"
    marker = venv / "graphanalyzer-installed"
    if not marker.is_file():
        shutil.rmtree(venv, ignore_errors=True)
        _say(f"installing {SPEC} into {venv} (about 2 minutes)")
        _run([python, "-m", "venv", str(venv)], "creating NetBox's venv")
        _run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", SPEC],
            f"pip install {SPEC}",
            timeout=1800,
        )
        marker.write_text(SPEC + "\n")
    version = _run(
        [str(venv / "bin" / "python"), "-c", "from importlib.metadata import version; print(version('netbox'))"],
        "reading NetBox's version",
    ).strip()
    return venv, version


class _Postgres:
    """A throwaway PostgreSQL cluster listening on 127.0.0.1:port, run as the postgres user when we are root."""

    def __init__(self, bindir: Path, data: Path, port: int) -> None:
        self.bindir, self.data, self.port = bindir, data, port
        self.root = os.geteuid() == 0

    def command(self, name: str, *args: str) -> list[str]:
        line = [str(self.bindir / name), *args]
        return ["runuser", "-u", POSTGRES_USER, "--", *line] if self.root else line

    def own(self, path: Path) -> None:
        if self.root:
            shutil.chown(path, POSTGRES_USER, POSTGRES_USER)
            for folder, dirs, files in os.walk(path):
                for name in dirs + files:
                    shutil.chown(os.path.join(folder, name), POSTGRES_USER, POSTGRES_USER)

    def init(self) -> None:
        self.data.mkdir(mode=0o700)
        self.own(self.data)
        _run(self.command("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"), "initdb")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.data / "server.log")
        _run(
            self.command("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start"), "starting PostgreSQL"
        )

    def stop(self) -> None:
        subprocess.run(self.command("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"), capture_output=True)

    def createdb(self, name: str) -> None:
        _run(self.command("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name), "createdb")


def _configuration(root: Path, pg_port: int, redis_port: int) -> None:
    conf = root / "conf"
    conf.mkdir(parents=True)
    (conf / "__init__.py").write_text("")
    redis = {"HOST": "127.0.0.1", "PORT": redis_port, "USERNAME": "", "PASSWORD": "", "SSL": False}
    settings = {
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
        "DATABASES": {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "netbox",
                "USER": "postgres",
                "PASSWORD": "",
                "HOST": "127.0.0.1",
                "PORT": str(pg_port),
                "CONN_MAX_AGE": 300,
            }
        },
        "REDIS": {"tasks": {**redis, "DATABASE": 0}, "caching": {**redis, "DATABASE": 1}},
        "SECRET_KEY": secrets.token_urlsafe(60),
        "API_TOKEN_PEPPERS": {1: secrets.token_urlsafe(60)},
        "CENSUS_REPORTING_ENABLED": False,
        "RELEASE_CHECK_URL": None,
        "MAX_PAGE_SIZE": 1000,
    }
    lines = ["# Written by graphanalyzer's tests for a throwaway NetBox."]
    lines += [f"{name} = {value!r}" for name, value in settings.items()]
    (conf / "configuration.py").write_text("\n".join(lines) + "\n")


_ADMIN = """
from users.models import Token, User
user = User.objects.create_superuser("admin", "admin@example.com", "{password}")
token = Token(user=user, description="graphanalyzer tests")
token.save()
print("TOKEN nbt_" + token.key + "." + token.token)
"""


def _wait_until_up(url: str, token: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 600) -> None:
    """Wait until NetBox answers its status with this token (it needs ~10 s, more on a busy machine)."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(f"{url}/api/status/", headers={"Authorization": f"Bearer {token}"})
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise Unavailable(f"netbox runserver exited ({server.returncode}):\n{_tail(log)}")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                if answer.status == 200:
                    json.load(answer)
                    return
        except (OSError, ValueError):
            pass
        time.sleep(1)
    raise Unavailable(f"NetBox did not answer within {timeout:.0f} s:\n{_tail(log)}")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    """One NetBox at a time on this machine (the cores are shared)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say(f"another NetBox is running (lock {CACHE / 'lock'}); waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def running(workdir: Path, timings: Callable[[str, float], None] | None = None) -> Iterator[NetBox]:
    """Start a NetBox (and its PostgreSQL and Redis) for the ``with`` block; everything is stopped after it.

    Raises :class:`Unavailable` when something it needs is missing or fails to start.
    ``timings`` is called with each step's name and its duration in seconds.
    """
    clock = time.monotonic()

    def step(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        if timings is not None:
            timings(name, now - clock)
        _say(f"{name}: {now - clock:.1f} s")
        clock = now

    if sys.platform != "linux":
        raise Unavailable("the NetBox harness runs on Linux only")
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise Unavailable("redis-server is not installed (Debian: apt-get install redis-server)")
    bindir = _postgres_bin()
    if os.geteuid() == 0 and not shutil.which("runuser"):
        raise Unavailable("running as root, and runuser is missing to run PostgreSQL as postgres")
    python = _python()
    with _lock(), contextlib.ExitStack() as stack:
        clock = time.monotonic()  # not counting the wait for another NetBox
        venv, version = _venv(python)
        step(f"NetBox {version} venv")
        pg_version = _run([str(bindir / "postgres"), "--version"], "postgres --version").split()[-1].split(".")[0]
        template = CACHE / version / f"postgresql-{pg_version}"
        # The cluster lives where the postgres user can reach it; the tests' folders are root's.
        scratch = Path(tempfile.mkdtemp(prefix="graphanalyzer-netbox-"))
        stack.callback(shutil.rmtree, scratch, True)
        os.chmod(scratch, 0o755)
        pg_port, redis_port, http_port = _free_port(), _free_port(), _free_port()
        postgres = _Postgres(bindir, scratch / "pgdata", pg_port)
        fresh = not (template / "PG_VERSION").is_file()
        if fresh:
            postgres.init()
        else:
            shutil.copytree(template, postgres.data, symlinks=True)
            postgres.own(postgres.data)
            os.chmod(postgres.data, 0o700)
            (postgres.data / "postmaster.pid").unlink(missing_ok=True)
        postgres.start()
        stack.callback(postgres.stop)
        if fresh:
            postgres.createdb("netbox")
        step("PostgreSQL " + ("initialised" if fresh else "copied from the template"))

        redis_log = (workdir / "redis.log").open("wb")
        stack.callback(redis_log.close)
        redis = subprocess.Popen(
            [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(scratch)],
            stdout=redis_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        stack.callback(_stop, redis)

        root = workdir / "netbox-root"
        _configuration(root, pg_port, redis_port)
        env = {**os.environ, "NETBOX_ROOT": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("PYTHONPATH", None)
        netbox = str(venv / "bin" / "netbox")
        if fresh:
            _say("migrating an empty database (several minutes of CPU; done once per NetBox version)")
            _run([netbox, "migrate", "--no-input"], "netbox migrate", env=env, timeout=3600)
            step("migrated")
            postgres.stop()
            saving = template.with_name(template.name + ".partial")
            shutil.rmtree(saving, ignore_errors=True)
            shutil.copytree(postgres.data, saving, symlinks=True)
            (saving / "postmaster.pid").unlink(missing_ok=True)
            saving.rename(template)
            postgres.start()
            step(f"template kept in {template}")
        password = secrets.token_urlsafe(16)
        out = _run([netbox, "shell", "--command", _ADMIN.format(password=password)], "creating the API token", env=env)
        token = next((line.split()[1] for line in out.splitlines() if line.startswith("TOKEN ")), None)
        if token is None:
            raise Unavailable(f"no token in the output of netbox shell:\n{out}")
        step("superuser and token")

        log = workdir / "netbox.log"
        server_log = log.open("wb")
        stack.callback(server_log.close)
        server = subprocess.Popen(
            [netbox, "runserver", f"127.0.0.1:{http_port}", "--noreload"],
            env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        stack.callback(_stop, server)
        url = f"http://127.0.0.1:{http_port}"
        _wait_until_up(url, token, server, log)
        step(f"NetBox {version} answering at {url}")
        yield NetBox(url, token, version, log)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _interrupt(number: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    # Stopped by Ctrl-C or kill (also when started in the background, where SIGINT is ignored): clean up either way.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory() as folder, running(Path(folder)) as server:
        print(json.dumps({"url": server.url, "token": server.token, "version": server.version, "pid": os.getpid()}))
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
