# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Start, stop and inspect the patched local AWS emulator (moto 5.2.5 server mode, loopback only).

    python tools/emulator/launcher.py [--host 127.0.0.1] [--port 5000] [--state-dir .cache] \\
        start|stop|status|reset|run

start   spawn ``run`` in the background (log and pid under the state dir) and wait until it answers;
        exit 0 at once when this emulator already runs on that port
run     foreground: apply the fidelity patches (tools/emulator/patches.py), serve until SIGTERM/SIGINT
stop    SIGTERM the emulator of that port and wait for it to exit (exit 0 when it was not running)
status  exit 0 and print the URL when up, 3 when down, 1 when something else answers on the port
reset   forget every resource (POST /moto-api/reset); exit 3 when down

Environment: EMULATOR_DISABLE_PATCHES=G1,G5 (skip those patches), EMULATOR_VPC_LINK_PENDING_SECONDS
and EMULATOR_TARGET_INITIAL_SECONDS (realism knobs, see tools/emulator/README.md), EMULATOR_LOG_REQUESTS=1
(a log line per request, see tune_server).
Only the standard library and moto are used.
"""

import argparse
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
EXIT_DOWN = 3
EXIT_FOREIGN = 1


class LauncherError(Exception):
    """A failure reported to the user as one line and exit status 1 (or ``code``)."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


def loopback_host(value):
    """argparse type: an IPv4 literal inside 127.0.0.0/8, nothing else (hard rule)."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        address = None
    if address is None or address.version != 4 or address not in ipaddress.ip_network("127.0.0.0/8"):
        raise argparse.ArgumentTypeError(
            f"refusing host {value!r}: the emulator binds only to loopback IPv4 addresses (127.0.0.0/8)"
        )
    return str(address)


def port_number(value):
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {value!r}")
    return port


class Emulator:
    """One emulator instance, identified by host and port; its files live in the state dir."""

    def __init__(self, host, port, state_dir):
        self.host = host
        self.port = port
        self.state_dir = os.path.abspath(state_dir)
        self.url = f"http://{host}:{port}"
        self.pidfile = os.path.join(self.state_dir, f"emulator-{port}.pid")
        self.logfile = os.path.join(self.state_dir, f"emulator-{port}.log")

    # ---- probes ---------------------------------------------------------------------------------

    def _request(self, path, method="GET", data=None, timeout=2.0):
        request = urllib.request.Request(self.url + path, method=method, data=data)
        with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec - loopback only
            return response.status, response.read()

    def probe(self):
        """("ours", info) when the patched emulator answers, ("foreign", None), or ("down", None)."""
        try:
            status, body = self._request("/moto-api/emulator")
            if status == 200:
                return "ours", json.loads(body)
            return "foreign", None
        except urllib.error.HTTPError:
            return "foreign", None
        except (urllib.error.URLError, OSError, ValueError):
            return "down", None

    def read_pid(self):
        try:
            with open(self.pidfile, encoding="utf-8") as handle:
                return int(handle.read().strip())
        except (OSError, ValueError):
            return None

    @staticmethod
    def is_our_process(pid):
        """True when ``pid`` is alive and is a ``launcher.py ... run`` process (guards against reuse)."""
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return False
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:
            return True  # no /proc: trust the live pid
        return any(arg.endswith(b"launcher.py") for arg in argv) and b"run" in argv

    def running_pid(self):
        pid = self.read_pid()
        if pid is not None and self.is_our_process(pid):
            return pid
        return None

    def log_tail(self, lines=30):
        try:
            with open(self.logfile, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def _remove_pidfile(self, pid=None):
        if pid is None or self.read_pid() == pid:
            try:
                os.unlink(self.pidfile)
            except FileNotFoundError:
                pass

    # ---- commands -------------------------------------------------------------------------------

    def start(self):
        _disabled_patches()  # a typo in EMULATOR_DISABLE_PATCHES fails here, before anything is spawned
        state, info = self.probe()
        pid = self.running_pid()
        if state == "ours" and pid is not None and info.get("pid") == pid:
            print(f"emulator already running at {self.url} (pid {pid}, patches {','.join(info['patches'])})")
            return 0
        if state == "ours":
            raise LauncherError(
                f"an emulator already answers at {self.url} (pid {info.get('pid')}) but {self.pidfile} does not "
                "name it: stop it first"
            )
        if state == "foreign":
            raise LauncherError(f"port {self.port} on {self.host} is taken by something that is not this emulator")
        if pid is not None:
            raise LauncherError(f"emulator pid {pid} exists but does not answer at {self.url}; run stop first")
        self._remove_pidfile()

        os.makedirs(self.state_dir, exist_ok=True)
        command = [
            sys.executable,
            os.path.abspath(__file__),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--state-dir",
            self.state_dir,
            "run",
        ]
        with open(self.logfile, "ab") as log:
            process = subprocess.Popen(  # nosec - fixed argv, our own interpreter and script
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        with open(self.pidfile, "w", encoding="utf-8") as handle:
            handle.write(f"{process.pid}\n")

        print(f"starting emulator at {self.url} (pid {process.pid}, log {self.logfile})", flush=True)
        deadline = time.monotonic() + READY_TIMEOUT
        next_report = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self._remove_pidfile(process.pid)
                raise LauncherError(
                    f"emulator exited with status {process.returncode} before answering; log tail:\n{self.log_tail()}"
                )
            state, info = self.probe()
            if state == "ours" and info.get("pid") == process.pid:
                print(f"emulator up at {self.url} (patches {','.join(info['patches']) or 'none'})")
                return 0
            if time.monotonic() >= next_report:
                print(f"  waiting for {self.url} ...", flush=True)
                next_report += 2.0
            time.sleep(0.1)
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        self._remove_pidfile(process.pid)
        raise LauncherError(f"emulator did not answer within {READY_TIMEOUT:.0f} s; log tail:\n{self.log_tail()}")

    def stop(self):
        pid = self.running_pid()
        if pid is None:
            self._remove_pidfile()
            print(f"emulator not running on port {self.port}")
            return 0
        cpu = _cpu_seconds(pid)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and self.is_our_process(pid):
            _reap(pid)
            time.sleep(0.05)
        if self.is_our_process(pid):
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
            _reap(pid)
        self._remove_pidfile(pid)
        print(f"emulator stopped (pid {pid}{'' if cpu is None else f', cpu {cpu:.0f} s'})")
        return 0

    def status(self):
        state, info = self.probe()
        if state == "ours":
            print(self.url)
            print(
                f"pid {info.get('pid')}, moto {info.get('moto')}, patches {','.join(info['patches']) or 'none'}, "
                f"knobs {json.dumps(info.get('knobs', {}), sort_keys=True)}"
            )
            return 0
        if state == "foreign":
            print(f"{self.url} answers but is not the patched emulator", file=sys.stderr)
            return EXIT_FOREIGN
        print(f"emulator down at {self.url}", file=sys.stderr)
        return EXIT_DOWN

    def reset(self):
        try:
            status, _body = self._request("/moto-api/reset", method="POST", data=b"", timeout=10.0)
        except (urllib.error.URLError, OSError) as exc:
            print(f"emulator down at {self.url}: {exc}", file=sys.stderr)
            return EXIT_DOWN
        if status != 200:
            raise LauncherError(f"reset answered HTTP {status}")
        print(f"emulator state reset at {self.url}")
        return 0

    def run(self):
        patches = _patches_module()
        disabled = _disabled_patches()
        applied = patches.apply(disabled=disabled)
        print(
            f"moto {patches.MOTO_VERSION}: patches applied {','.join(applied) or 'none'}; "
            f"disabled {','.join(disabled) or 'none'}; knobs {json.dumps(patches.KNOBS, sort_keys=True)}",
            flush=True,
        )

        _check_port_free(self.host, self.port)
        from moto.server import ThreadedMotoServer

        print(f"server tuning: {', '.join(tune_server()) or 'none'}", flush=True)

        stopping = threading.Event()

        def on_signal(signum, _frame):
            print(f"signal {signum}: stopping", flush=True)
            stopping.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

        server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        server.start()
        os.makedirs(self.state_dir, exist_ok=True)
        with open(self.pidfile, "w", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
        print(f"serving {self.url} (pid {os.getpid()})", flush=True)
        try:
            while not stopping.wait(0.2):
                pass
        finally:
            server.stop()
            self._remove_pidfile(os.getpid())
            print("stopped", flush=True)
        return 0


def tune_server(environ=None):
    """Two costs of moto's server on every request that tell nothing, left out (not fidelity: what the
    emulator answers is the same). A profile of the emulator under a converge of 100 services over 20
    accounts put them at about a sixth of its time:

    - werkzeug logs a line per request (``"POST / HTTP/1.1" 200``, no action named) to the log file.
      Errors are still logged; EMULATOR_LOG_REQUESTS=1 keeps the request lines.
    - moto lists its own package directory (``os.listdir`` and an ``isdir`` per entry) on every request
      whose host names no service, which is every request to ``127.0.0.1:<port>``. Listed once here.

    One more changes what DescribeImages lists, and nothing this collection reads: moto fills the EC2
    backend of every new account and region with its 1,227 ECS-optimized images (each with an EBS
    volume and a snapshot), about a fifth of the emulator's CPU in that converge (1.8 of 7.9 CPU-s).
    They are left out unless EMULATOR_ECS_AMIS=1; moto's default images and the latest Amazon Linux
    ones (the demo instances' ``al2023-ami-2023.*-x86_64``) stay.

    Returns what it changed."""
    import logging

    from moto import backends

    environ = os.environ if environ is None else environ
    changed = []
    if environ.get("EMULATOR_LOG_REQUESTS", "") in ("", "0"):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        changed.append("request log off")
    if not getattr(backends.list_of_moto_modules, "listed_once", False):
        modules = tuple(backends.list_of_moto_modules())

        def list_of_moto_modules():
            return iter(modules)

        list_of_moto_modules.listed_once = True
        backends.list_of_moto_modules = list_of_moto_modules
        changed.append("moto modules listed once")
    if environ.get("EMULATOR_ECS_AMIS", "") in ("", "0") and _skip_ecs_amis():
        changed.append("no ECS-optimized images")
    return changed


ECS_AMIS = "ec2/resources/ecs/optimized_amis/"


def _skip_ecs_amis():
    """moto's EC2 backends load no ECS-optimized images (see tune_server); True when this call changed that."""
    from moto.ec2.models import amis

    if getattr(amis.load_resource, "skips_ecs_amis", False):
        return False
    load_resource = amis.load_resource

    def load_resource_but_ecs_amis(filename, *args, **kwargs):
        if filename.startswith(ECS_AMIS):
            return []
        return load_resource(filename, *args, **kwargs)

    load_resource_but_ecs_amis.skips_ecs_amis = True
    amis.load_resource = load_resource_but_ecs_amis
    return True


def _patches_module():
    """tools/emulator/patches.py (importing it does not import moto)."""
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import patches  # noqa: E402

    return patches


def _disabled_patches():
    return _patches_module().parse_ids(os.environ.get("EMULATOR_DISABLE_PATCHES", ""))


def _check_port_free(host, port):
    """Fail now rather than hang: ThreadedMotoServer.start() waits forever when the bind fails."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as exc:
        raise LauncherError(f"cannot bind {host}:{port}: {exc}") from None
    finally:
        probe.close()


def _cpu_seconds(pid):
    """User + system CPU seconds that ``pid`` has used so far (None without /proc)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _reap(pid):
    """Collect ``pid`` if it is our child (start then stop in one process, as the tests do)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--host", type=loopback_host, default="127.0.0.1", help="loopback IPv4 (127.0.0.0/8)")
    parser.add_argument("--port", type=port_number, default=5000)
    parser.add_argument("--state-dir", default=".cache", help="pid and log files (default .cache)")
    parser.add_argument("command", choices=("start", "stop", "status", "reset", "run"))
    args = parser.parse_args(argv)
    emulator = Emulator(args.host, args.port, args.state_dir)
    try:
        status = getattr(emulator, args.command)()
    except (LauncherError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return getattr(exc, "code", 1)
    if args.command == "run":
        # The server is stopped and the pidfile gone; tearing down moto's in-memory state at interpreter
        # exit takes seconds and has nothing left to save, so leave now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


if __name__ == "__main__":
    sys.exit(main())
