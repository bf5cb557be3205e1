"""Network namespaces for end-to-end tests: created with unique names, always removed.

Only addresses from 192.0.2.0/24 and 198.18.0.0/15 are used, and only inside the
namespaces a test creates (the machine's rules for tests on a kernel network)."""
import contextlib
import itertools
import os
import signal
import subprocess
import time

_counter = itertools.count()


def unique(prefix: str) -> str:
    # Interface names are at most 15 characters.
    return f"{prefix}{os.getpid() % 100000}{next(_counter)}"[:15]


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
    """A veth pair with one end in each namespace, both up. Returns (end_a, end_b)."""
    a, b = unique("pxa"), unique("pxb")
    sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
    sh("ip", "link", "set", a, "netns", ns_a)
    sh("ip", "link", "set", b, "netns", ns_b)
    sh("ip", "-n", ns_a, "link", "set", a, "up")
    sh("ip", "-n", ns_b, "link", "set", b, "up")
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
