"""Starts and stops the product's processes: action server, Rasa (both on loopback), the API.

`xinfang run` trains the dialogue model first when config, domain or data changed,
prints the URL, and on Ctrl-C (or SIGTERM) stops every child before exiting.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

from common.settings import PROJECT_ROOT, Settings

from . import tracker_store
from .placement import Placement, pin_on_exec, plan

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = RASA_BIN.parent / "python"
# `rasa run` with its API token taken from the environment: a command line is readable by every local
# user (/proc/<pid>/cmdline), a process's environment only by its owner.
RASA_LAUNCH = ("import os, sys; from rasa.__main__ import main; "
               "sys.argv = ['rasa', *sys.argv[1:], '--auth-token', os.environ.pop('RASA_TOKEN')]; sys.exit(main())")
PYTHON = Path(sys.executable)
TRAIN_INPUTS = ("config.yml", "domain.yml", "data")
LOG_KEEP_BYTES = 20 * 1024 * 1024   # a child's log over this size is moved to <name>.log.1 when it starts again


def rasa_model_path(settings: Settings) -> Path:
    return settings.VAR_DIR / "rasa-models" / "xinfang.tar.gz"


def training_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """A hash of what Rasa trains from: config, domain and every file under data/ but its documentation (*.md)."""
    h = hashlib.sha256()
    for name in TRAIN_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix != ".md") if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def model_is_stale(settings: Settings) -> bool:
    stamp = rasa_model_path(settings).with_suffix(".fingerprint")
    return not rasa_model_path(settings).exists() or not stamp.exists() or \
        stamp.read_text().strip() != training_fingerprint()


def rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore",
                "SANIC_WORKERS": "1"})
    return env


def rasa_serving_env() -> dict[str, str]:
    """For `rasa run` only (training keeps TensorFlow's defaults: it is twice as slow on one thread)."""
    env = rasa_env()
    # Serving runs one short message at a time: TensorFlow's thread pools only add hand-off and
    # spinning, so one thread each unless the operator says otherwise.
    env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    # oneDNN's kernels pay off on large batches; on one short message they cost more than they save
    # (measured: /model/parse 78 → 90 per second with them off).
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    return env


def train(settings: Settings, force: bool = False, say=print) -> bool:
    """Train the Rasa model when config, domain or data changed; returns whether it trained.

    Several processes may ask at once (a test session beside `make run`): a file lock makes
    the second wait for the first and then find the model fresh; the model file is replaced
    atomically, so a Rasa starting meanwhile never reads half a file.
    """
    import fcntl

    out = rasa_model_path(settings).parent
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and not model_is_stale(settings):
            say("对话模型已是最新，无需训练。")
            return False
        say("==> 训练对话模型（rasa train，约几分钟）…")
        fingerprint = training_fingerprint()
        tmp_name = f"xinfang-tmp-{os.getpid()}"
        cmd = [str(RASA_BIN), "train", "--fixed-model-name", tmp_name, "--out", str(out), "--force"]
        result = subprocess.run(cmd, cwd=PROJECT_ROOT, env=rasa_env())
        if result.returncode != 0:
            (out / f"{tmp_name}.tar.gz").unlink(missing_ok=True)
            raise RuntimeError(f"rasa train 失败（退出码 {result.returncode}）")
        os.replace(out / f"{tmp_name}.tar.gz", rasa_model_path(settings))
        rasa_model_path(settings).with_suffix(".fingerprint").write_text(fingerprint)
    return True


def write_endpoints(settings: Settings) -> Path:
    """Rasa's endpoints: our action server, the tracker store (bot/tracker_store.py), a Redis lock store when set."""
    lines = ["action_endpoint:", f"  url: http://127.0.0.1:{settings.ACTIONS_PORT}/webhook"]
    if tracker_store.tracker_db_url(settings) is not None:
        # Rasa's SQLTrackerStore takes a whole URL as `url`; its value comes from Rasa's environment
        lines += ["tracker_store:", "  type: SQL", f"  url: ${{{tracker_store.URL_ENV}}}"]
    if settings.REDIS_URL:
        u = urlparse(settings.REDIS_URL)
        where = [f"  url: {u.hostname}", f"  port: {u.port or 6379}", f"  db: {(u.path or '/0').lstrip('/') or 0}"]
        if u.password:
            where.append(f"  password: {json.dumps(unquote(u.password))}")
        if u.scheme == "rediss":
            where.append("  use_ssl: true")
        lines += ["lock_store:", "  type: redis", *where]
        if "tracker_store:" not in lines:
            # Conversations in Redis, each dropped RASA_TRACKER_TTL_SECONDS after its last turn: shared
            # by every Rasa behind a balancer, and bounded.
            lines += ["tracker_store:", "  type: redis", *where, "  key_prefix: xinfang",
                      f"  record_exp: {settings.RASA_TRACKER_TTL_SECONDS}"]
    # One file per action-server port: two stacks on one machine (a test run beside `make run`) must not
    # point each other's Rasa at the wrong action server.
    path = settings.VAR_DIR / f"endpoints-{settings.ACTIONS_PORT}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def log_path(logs: Path, name: str) -> Path:
    """The log file a child writes to, with the previous one kept as ``.1`` once it grew past LOG_KEEP_BYTES."""
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / f"{name}.log"
    if path.exists() and path.stat().st_size > LOG_KEEP_BYTES:
        path.replace(logs / f"{name}.log.1")
    return path


@dataclass
class Stack:
    settings: Settings
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    placement: Placement | None = field(init=False)
    _endpoints: Path | None = field(init=False, default=None)
    _purge: tracker_store.TrackerPurge | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.placement = plan(self.settings.CPU_PLACEMENT)

    @property
    def rasa_cpus(self) -> frozenset[int] | None:
        return self.placement.rasa if self.placement else None

    @property
    def other_cpus(self) -> frozenset[int] | None:
        """Where the action server and the API run (None: wherever the scheduler likes)."""
        return self.placement.others if self.placement else None

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None,
               cpus: frozenset[int] | None = None) -> None:
        log = open(log_path(self.settings.VAR_DIR / "logs", name), "ab")
        self.procs[name] = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                            env=env or dict(os.environ), start_new_session=True,
                                            preexec_fn=pin_on_exec(cpus))

    def start(self, say=print) -> None:
        """Starts the action server and Rasa, and the purge of Rasa's SQL store.

        Rasa's HTTP API gets a token: ``RASA_TOKEN`` when set, else a random one made here and put
        into ``settings.RASA_TOKEN``, so the API built from these settings (``xinfang run``, or
        started with them by bot/harness.py) can call it. It is kept for ``restart_rasa``.
        """
        s = self.settings
        rasa_port = urlparse(s.RASA_URL).port or 5005
        env = dict(os.environ)
        env.update({"PORT": str(s.PORT), "VAR_DIR": str(s.VAR_DIR), "EMBEDDING_MODEL": s.EMBEDDING_MODEL,
                    "EMBEDDING_BACKEND": s.EMBEDDING_BACKEND, "EMBEDDING_QUANTIZE": s.EMBEDDING_QUANTIZE,
                    "ONNX_DIR": str(s.ONNX_DIR),
                    "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                    # The action server shares 2 cores with Rasa: one thread (torch or ONNX Runtime) avoids thrashing.
                    "EMBEDDING_THREADS": str(s.EMBEDDING_THREADS or 1)})
        say(f"==> 启动动作服务（127.0.0.1:{s.ACTIONS_PORT}）与 Rasa（127.0.0.1:{rasa_port}）…")
        if self.placement:
            say(f"    Rasa 使用 CPU {sorted(self.rasa_cpus or ())}，动作服务与 API 使用 CPU {sorted(self.other_cpus or ())}"
                "（CPU_PLACEMENT=false 可关闭）")
        self._spawn("actions", [str(PYTHON), "-m", "actions.server", "--port", str(s.ACTIONS_PORT)], env,
                    cpus=self.other_cpus)
        if not s.RASA_TOKEN:
            s.RASA_TOKEN = secrets.token_urlsafe(32)
        self._start_rasa()
        self._purge = tracker_store.TrackerPurge.from_settings(s)
        if self._purge is not None:
            self._purge.start()

    def _start_rasa(self) -> None:
        s = self.settings
        assert s.RASA_TOKEN, "Stack.start makes the token"
        self._endpoints = write_endpoints(s)
        url = tracker_store.tracker_db_url(s)
        if url is not None:
            tracker_store.prepare(url)
        env = {**rasa_serving_env(), **tracker_store.rasa_env(s), "RASA_TOKEN": s.RASA_TOKEN}
        rasa_port = urlparse(s.RASA_URL).port or 5005
        self._spawn("rasa", [str(RASA_PYTHON), "-c", RASA_LAUNCH, "run", "--enable-api", "-i", "127.0.0.1",
                             "-p", str(rasa_port), "-m", str(rasa_model_path(s)), "--endpoints", str(self._endpoints)],
                    env, cpus=self.rasa_cpus)

    def restart_rasa(self, timeout: float = 240.0, say=print) -> None:
        """Stops Rasa alone and starts it again, same token and store (what the API sees of a crash and restart)."""
        self._terminate({"rasa": self.procs.pop("rasa")})
        self._start_rasa()
        self.wait_ready(timeout, say=say)

    def wait_ready(self, timeout: float = 240.0, say=print) -> None:
        s = self.settings
        checks = {"actions": f"http://127.0.0.1:{s.ACTIONS_PORT}/health", "rasa": f"{s.RASA_URL}/status"}
        params = {"rasa": {"token": s.RASA_TOKEN} if s.RASA_TOKEN else {}}
        pending = dict(checks)
        deadline = time.monotonic() + timeout
        while pending:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} 进程已退出（{proc.returncode}），见 {s.VAR_DIR}/logs/{name}.log")
            for name, url in list(pending.items()):
                try:
                    r = httpx.get(url, params=params.get(name), timeout=1.0)
                    if r.status_code == 200 and (name != "rasa" or r.json().get("model_id")):
                        say(f"    {name} 已就绪")
                        del pending[name]
                except (httpx.HTTPError, ValueError):
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"等待 {', '.join(pending)} 就绪超时，见 {s.VAR_DIR}/logs/")
            time.sleep(0.5)

    def stop(self) -> None:
        if self._purge is not None:
            self._purge.stop()
            self._purge = None
        self._terminate(self.procs)
        self.procs.clear()
        # one file per action-server port (tests start stacks on free ports): not left behind
        if self._endpoints is not None:
            self._endpoints.unlink(missing_ok=True)

    @staticmethod
    def _terminate(procs: dict[str, subprocess.Popen]) -> None:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
