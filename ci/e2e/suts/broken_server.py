#!/usr/bin/python3
"""A boot server that misbehaves on purpose (issue 10, "A server that misbehaves"), run
as a `command` SUT by ci/e2e/test_sut_misbehaving.py. Its config file (--config) holds
one word, the way it misbehaves:

  check-fails  its own config check (`broken_server.py --check CONFIG`) exits 1
  never-ready  runs, logs, and never binds UDP 67
  crash        binds 67 and 69, exits 3 at the first DHCP message it receives
  hang         binds 67 and 69, ignores SIGTERM, never answers
  garbage      answers every DHCP message with 40 bytes that are not BOOTP
  flood        sends 300-byte broadcasts to UDP 68, 5000 a second (bounded: pxelab
               keeps every frame in its trace and pcap, which has no size cap)
Addresses: the bridge's own (198.18.0.0/15, inside the run's namespace) only."""
import signal
import socket
import sys
import time


def log(*a):
    print(*a, flush=True)


def bound(port, iface):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.bind(("0.0.0.0", port))
    return s


def main():
    if sys.argv[1] == "--check":
        mode = open(sys.argv[2]).read().strip()
        if mode == "check-fails":
            log("broken_server: config line 1: 'check-fails' is not a valid setting")
            return 1
        return 0
    mode, iface = open(sys.argv[1]).read().strip(), sys.argv[2]
    log(f"broken_server: mode {mode} on {iface}")
    if mode == "never-ready":
        while True:
            log("broken_server: still starting...")
            time.sleep(1)
    dhcp, tftp = bound(67, iface), bound(69, iface)
    if mode == "hang":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        log("broken_server: ignoring SIGTERM")
        while True:
            time.sleep(1)
    if mode == "flood":
        junk = bytes(300)
        n = 0
        while True:
            dhcp.sendto(junk, ("255.255.255.255", 68))
            n += 1
            if n % 50 == 0:
                time.sleep(0.01)
            if n % 10000 == 0:
                log(f"broken_server: {n} broadcasts sent")
    while True:
        data, peer = dhcp.recvfrom(2048)
        log(f"broken_server: {len(data)} bytes from {peer}")
        if mode == "crash":
            log("broken_server: segmentation fault (on purpose)")
            return 3
        if mode == "garbage":
            dhcp.sendto(b"\x02garbage, not a BOOTP reply" + bytes(13), ("255.255.255.255", 68))


if __name__ == "__main__":
    sys.exit(main())
