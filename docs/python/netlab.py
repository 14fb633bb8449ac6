# tcp-udp-chat: the instruments of the lessons that change the kernel's settings (20, 21, 22)
# docs/python/netlab.py
# Refuse to run outside a network namespace; read ss and the kernel's counters; add nftables rules.
"""Used by overflow.py, syn_queue.py, fragments.py, simultaneous_close.py and tw_reuse.py:

    import netlab
    netlab.require_namespace("overflow.py")       # exits with a hint on the host's own network
    with netlab.rules("tcp sport 40001 tcp flags == ack drop"):
        ...                                        # the rule holds inside the with block
    netlab.counter("TcpExtListenOverflows")        # nstat's names, read from /proc/net
    netlab.sockets()                               # [(local port, remote port, "SYN-RECV"), ...]
"""

import os
import subprocess
import sys
import time
from contextlib import contextmanager


def require_namespace(script):
    """Exit unless this process runs in a namespace made by `ip netns add` (not the machine's own)."""
    mine = os.stat("/proc/self/ns/net")
    try:
        named = [os.stat(f"/run/netns/{name}") for name in os.listdir("/run/netns")]
    except OSError:  # no namespace made yet, or not allowed to look
        named = []
    if not any((n.st_dev, n.st_ino) == (mine.st_dev, mine.st_ino) for n in named):
        sys.exit(
            f"{script} changes the network's settings: run it as root inside a namespace,\n"
            f"  ip netns add lab && ip -n lab link set lo up\n"
            f"  ip netns exec lab python3 docs/python/{script}"
        )


def ss(*args):
    """The rows ss prints for args, without its header."""
    return subprocess.run(["ss", "-H", *args], capture_output=True, text=True, check=True).stdout


STATES = {"01": "ESTAB", "02": "SYN-SENT", "03": "SYN-RECV", "04": "FIN-WAIT-1", "05": "FIN-WAIT-2",
          "06": "TIME-WAIT", "07": "CLOSE", "08": "CLOSE-WAIT", "09": "LAST-ACK", "0A": "LISTEN",
          "0B": "CLOSING"}


def sockets():
    """Every IPv4 TCP socket here, as (local port, remote port, state as ss names it).

    The same table as ss, read from /proc/net/tcp: cheap enough to ask every few milliseconds."""
    with open("/proc/net/tcp") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    return [(int(r[1].split(":")[1], 16), int(r[2].split(":")[1], 16), STATES.get(r[3], r[3]))
            for r in rows]


def counter(name):
    """A counter of /proc/net/snmp or /proc/net/netstat, by nstat's name (IpFragCreates, TcpExtListenOverflows)."""
    for path in ("/proc/net/snmp", "/proc/net/netstat"):
        with open(path) as f:
            lines = f.read().split("\n")
        for names, values in zip(lines[0::2], lines[1::2]):
            group, *fields = names.split()
            for field, value in zip(fields, values.split()[1:]):
                if group.rstrip(":") + field == name:
                    return int(value)
    raise KeyError(name)


def wait_until(check, what, seconds=10):
    """Poll check() until it is true; exit with `what` if it never is."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            sys.exit(f"gave up waiting for {what} after {seconds} s")
        time.sleep(0.005)


tables = 0


@contextmanager
def rules(*matches):
    """nftables rules that drop what each match matches, on the way in; removed on leaving."""
    global tables
    tables += 1
    name = f"netlab{tables}"
    body = "".join(f"    {match} drop\n" for match in matches)
    table = f"table inet {name} {{\n  chain input {{\n    type filter hook input priority 0;\n{body}  }}\n}}\n"
    subprocess.run(["nft", "-f", "-"], input=table, text=True, check=True)
    try:
        yield
    finally:
        subprocess.run(["nft", "delete", "table", "inet", name], check=False)
