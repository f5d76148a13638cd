"""Real uvicorn servers in child processes, on loopback sockets the parent binds first.

The parent binds the socket and hands its descriptor to the child, so there is no race for a
"free" port, and it knows the URL before the child starts. The child wraps the descriptor with its
real family (uvicorn's own `--fd` assumes a UNIX socket, which leaves TCP_NODELAY off and costs
every keep-alive request a 40 ms delayed-ACK stall) and serves it with `uvicorn.Server`.
Children run in their own process group and are always ended by the parent: on success, on
failure, on Ctrl-C, SIGTERM and SIGHUP (harness/certify.py). When the parent is killed outright
(SIGKILL, the OOM killer) Linux's parent-death signal ends them too, so a certify run never
leaves a server behind.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from harness.heap import settle_heap
from harness.spec.test_hooks import OWN_PROCESS_VARIABLE
from harness.transport import bounded

SERVER_PROCESSES_VARIABLE = "SXCERT_SERVER_PROCESSES"  # how many processes serve the socket
PARENT_VARIABLE = "SXCERT_SERVER_PARENT"  # the PID of the process that started the server


class ServerStartError(RuntimeError):
    """A server did not come up; the message carries the tail of its log."""


@dataclass
class ServerProcess:
    name: str
    url: str
    process: subprocess.Popen
    log_path: Path

    def stop(self, grace: float = 5.0) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=grace)
        except (ProcessLookupError, PermissionError):
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=grace)

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


_RUNNING: list[ServerProcess] = []


def _stop_all() -> None:
    for server in list(_RUNNING):
        server.stop()


atexit.register(_stop_all)


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Child side, between fork and exec: ask Linux to SIGTERM this process when its parent
    dies (elsewhere a no-op: the parent's handlers and atexit still end the children)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def stay_with_parent() -> None:
    """Child side, at every start of the server's process image: ask for the parent's death
    signal again, and end at once if the parent is already gone. The setting belongs to the
    thread that asked for it, and the reference's restart hook replaces the process image from
    another thread (process_restart.py): after one restart the server outlived a killed test
    run, its parent PID 1."""
    parent = os.environ.get(PARENT_VARIABLE, "")
    if not parent.isdigit() or not sys.platform.startswith("linux"):
        return
    die_with_parent()
    if os.getppid() != int(parent):
        os._exit(0)  # the parent died before the signal was asked for


def bind_loopback(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServerStartError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def start_server(
    name: str,
    factory: str,
    env: dict[str, str],
    log_dir: Path,
    health_path: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout: float = 30.0,
    processes: int = 1,
) -> ServerProcess:
    """Start the ASGI app `factory` in a child process (`processes` > 1: a uvicorn supervisor
    and that many server processes on the one socket); wait until `health_path` answers 200."""
    sock = bind_loopback(host, port)
    url = f"http://{host}:{sock.getsockname()[1]}"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    command = [sys.executable, "-m", "harness.servers", factory, str(sock.fileno())]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env={
                **os.environ,
                **env,
                SERVER_PROCESSES_VARIABLE: str(processes),
                PARENT_VARIABLE: str(os.getpid()),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
            start_new_session=True,
            preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
        )
    sock.close()
    server = ServerProcess(name, url, process, log_path)
    _RUNNING.append(server)
    try:
        wait_until_up(server, health_path, timeout)
    except BaseException:
        stop(server)
        raise
    return server


def wait_until_up(server: ServerProcess, health_path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerStartError(
                f"{server.name} exited with code {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            if requests.get(server.url + health_path, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise ServerStartError(
        f"{server.name} did not answer within {timeout:g} s:\n{server.log_tail()}"
    )


def stop(server: ServerProcess) -> None:
    server.stop()
    if server in _RUNNING:
        _RUNNING.remove(server)


def reachable(url: str, timeout: float = 5.0, *, ready_within: float = 0.0) -> str | None:
    """None when `url` answers 2xx; otherwise why not, in a sentence. A refused connection or a
    5xx is retried for `ready_within` seconds (a server still starting up); a hang is not."""
    deadline = time.monotonic() + ready_within
    while True:
        why, retry = _probe(url, timeout)
        if why is None or not retry or time.monotonic() >= deadline:
            return why
        time.sleep(0.25)


def _probe(url: str, timeout: float) -> tuple[str | None, bool]:
    """One health call, bounded as a whole like every exchange with a target (harness/transport.py):
    a health answer trickled a byte at a time must not hold preflight up."""
    try:
        with bounded(requests.Session(), timeout) as session:
            response = session.get(url, timeout=timeout)
    except requests.Timeout:
        return f"{url} did not answer within {timeout:g} s", False
    except requests.RequestException as exc:
        return f"{url} is unreachable ({type(exc).__name__})", True
    if response.status_code >= 500:
        return f"{url} answered {response.status_code}", True
    if response.status_code >= 300:
        return f"{url} answered {response.status_code}", False
    return None, False


# How long an idle keep-alive connection is held: past a 30 s heartbeat interval (nginx's
# default, 75 s). uvicorn's own 5 s closed every learner's connection between two heartbeats, so
# each heartbeat of a 20,000-learner run opened a new connection (accept, handshake, a new
# protocol object: 700 a second on two cores).
KEEP_ALIVE_S = 75


def serve_inherited_socket(factory: str, fd: int) -> None:
    """Child side: serve `factory` (module:function) on the inherited listening socket `fd`.
    The socket stays inheritable, so an app that replaces its process image (the reference's
    restart hook) serves on the same socket again, and connections wait in its backlog."""
    import uvicorn

    processes = int(os.environ.get(SERVER_PROCESSES_VARIABLE) or 1)
    # A process serving alone may replace its image (the restart hook); one of several spawned
    # by uvicorn's supervisor may not (its command line is the supervisor's spawn stub).
    os.environ[OWN_PROCESS_VARIABLE] = "1" if processes == 1 else "0"
    sock = socket.socket(fileno=fd)  # family and type read from the descriptor itself
    # proxy_headers off: the app decides whose X-Forwarded-For to believe (the reference's
    # client_address.py), not uvicorn's default of trusting it from 127.0.0.1.
    config = uvicorn.Config(
        factory,
        factory=True,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        workers=processes,
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    if processes > 1:  # uvicorn's own supervisor: spawns them, replaces one that dies
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[sock]).run()
    else:
        config.load()  # the app built before serving, so that its objects are frozen (heap.py)
        settle_heap()
        uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    stay_with_parent()
    serve_inherited_socket(sys.argv[1], int(sys.argv[2]))
