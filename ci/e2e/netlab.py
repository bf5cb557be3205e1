"""Network namespaces for end-to-end tests: created with unique names, always removed.

Only addresses from 192.0.2.0/24 and 198.18.0.0/15 are used, and only inside the
namespaces a test creates (the machine's rules for tests on a kernel network)."""
import contextlib
import itertools
import os
import re
import signal
import subprocess
import time

_counter = itertools.count()

# Every namespace and link this suite creates is named PREFIX + PID%100000 + "x" + N,
# PREFIX one of these: remove_stale() finds leftovers of dead runs by that shape.
PREFIXES = ("pxsrv", "pxcli", "pxc1", "pxc2", "pxa", "pxb", "pxqd")


def unique(prefix: str) -> str:
    # Interface names are at most 15 characters.
    # A prefix missing from PREFIXES works, but its leftovers are not cleaned up.
    name = f"{prefix}{os.getpid() % 100000}x{next(_counter)}"
    assert len(name) <= 15, name
    return name


def _cmdline(pid: str) -> bytes:
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ")
    except OSError:
        return b""


def _parent(pid: str) -> str:
    try:
        # The fields after the command name (which may hold spaces and parentheses).
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1]
    except (OSError, IndexError):
        return ""


def _live_pytest_tags():
    """PID%100000 of every running pytest (another engineer's suite may be running) and
    of every process a pytest started: pytest-xdist's workers (`pytest -n 2`) run as
    `python -c "import sys;exec(eval(...))"`, so their command line does not say
    pytest, but their parent's does, and they name their namespaces by their own PID.
    The caller is alive too, whatever its command line."""
    pids = [e for e in os.listdir("/proc") if e.isdigit()]
    pytest_pids = {pid for pid in pids if b"pytest" in _cmdline(pid)}
    tags = {int(pid) % 100000 for pid in pids if pid in pytest_pids or _parent(pid) in pytest_pids}
    tags.add(os.getpid() % 100000)
    return tags


def remove_stale(include_own: bool = False, prefixes=PREFIXES):
    """Removes namespaces and root-namespace links named like this suite's (PREFIX +
    tag + "x" + N, PREFIX one of `prefixes`) whose run is over (no pytest, nor a
    process a pytest started, with that PID tag is alive); with include_own, this
    process's too. Returns the names removed."""
    live = _live_pytest_tags()
    own = os.getpid() % 100000
    if include_own:
        live.discard(own)
    pattern = re.compile(r"^(" + "|".join(re.escape(p) for p in prefixes) + r")(\d{1,5})x(\d+)$")
    removed = []
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split("\n")
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout.split("\n")
    for kind, names in (("netns", [l.split()[0] for l in netns if l.strip()]),
                        ("link", [l.split(":")[1].strip().split("@")[0] for l in links if l.count(":") >= 2])):
        for name in names:
            m = pattern.match(name)
            if not m or int(m.group(2)) in live:
                continue
            if kind == "netns":
                for pid in subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout.split():
                    with contextlib.suppress(ProcessLookupError, ValueError):
                        os.kill(int(pid), signal.SIGKILL)
                subprocess.run(["ip", "netns", "del", name], capture_output=True)
            else:
                subprocess.run(["ip", "link", "del", name], capture_output=True)
            removed.append(name)
    return removed


def sh(*args, ns=None, check=True, **kw):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + [str(a) for a in args]
    kw.setdefault("timeout", 60)
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return r


@contextlib.contextmanager
def namespaces(*prefixes):
    """Yields fresh namespace names; deletes them (and with them their links) on exit."""
    names = [unique(p) for p in prefixes]
    try:
        for n in names:
            sh("ip", "netns", "add", n)
            sh("ip", "-n", n, "link", "set", "lo", "up")
        yield names
    finally:
        for n in names:
            # Kill whatever still runs inside, then remove the namespace.
            pids = subprocess.run(["ip", "netns", "pids", n], capture_output=True, text=True).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


def veth(ns_a: str, ns_b: str):
    """A veth pair with one end in each namespace, both up. Returns (end_a, end_b).
    If any step fails the pair is deleted (wherever its ends are) before raising."""
    a, b = unique("pxa"), unique("pxb")
    sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
    try:
        sh("ip", "link", "set", a, "netns", ns_a)
        sh("ip", "link", "set", b, "netns", ns_b)
        sh("ip", "-n", ns_a, "link", "set", a, "up")
        sh("ip", "-n", ns_b, "link", "set", b, "up")
    except BaseException:
        # Deleting either end deletes the pair; try each place an end may be.
        for args in (["ip", "link", "del", a], ["ip", "-n", ns_a, "link", "del", a],
                     ["ip", "link", "del", b], ["ip", "-n", ns_b, "link", "del", b]):
            subprocess.run(args, capture_output=True)
        raise
    return a, b


class Server:
    """`pxelab serve` running inside a namespace."""

    def __init__(self, pxelab, ns, config, args, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w")
        cmd = ["ip", "netns", "exec", ns, str(pxelab), "serve", "-c", str(config)] + [str(a) for a in args]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            if "ready on" in self.output():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"pxelab serve exited {self.proc.returncode}:\n{self.output()}")
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"pxelab serve never became ready:\n{self.output()}")

    def output(self) -> str:
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def kill(self):
        return self.stop(signal.SIGKILL)
