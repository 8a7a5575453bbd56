"""A real PostgreSQL server of the test run's own: a fresh cluster on a free loopback port.

Debian's ``postgresql`` package (``make system-deps`` installs it) provides the binaries under
``/usr/lib/postgresql/<version>/bin``. PostgreSQL refuses to run as root, so as root the
cluster belongs to the ``postgres`` system user and its programs run through ``runuser``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


@contextlib.contextmanager
def postgres_server(base: Path, port: int) -> Iterator[str]:
    """Yields a SQLAlchemy URL of an empty database ``xinfang`` on the new server."""
    bindir = binaries()
    if bindir is None:
        raise RuntimeError("PostgreSQL 未安装：`make system-deps` 会安装 postgresql")
    data, sock = base / "data", base / "sock"
    sock.mkdir(parents=True, exist_ok=True)
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(base, 0o755)
    user = "postgres" if as_root else os.environ.get("USER", "postgres")
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8",
                    "--no-locale"], check=True, capture_output=True)
    log = base / "server.log"
    if as_root:
        log.touch()
        shutil.chown(log, "postgres")
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "30", "-o",
                    f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not start: " + log.read_text()[-2000:])
            time.sleep(0.1)
        subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, "xinfang"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}/xinfang"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True)
