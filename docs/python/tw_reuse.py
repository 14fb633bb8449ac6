# tcp-udp-chat, lesson 22: closing edge cases (docs/22-closing.md)
# docs/python/tw_reuse.py
# A client short of ports: connect() fails while its old connections sit in TIME-WAIT, unless
# net.ipv4.tcp_tw_reuse lets the kernel take one over.
"""Run as root inside a namespace of your own, with two ports for connect():
    ip netns exec lab sysctl -w net.ipv4.ip_local_port_range="40000 40001"
    ip netns exec lab python3 docs/python/tw_reuse.py"""

import errno
import os
import socket
import time

import netlab

PORT = 8001


def sysctl(name):
    path = f"/proc/sys/net/ipv4/{name}"
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return " ".join(f.read().split())


def main():
    netlab.require_namespace("tw_reuse.py")
    reuse = sysctl("tcp_tw_reuse")
    delay = sysctl("tcp_tw_reuse_delay")  # Linux 6.14 and later; before, always 1 s
    print(f"ip_local_port_range = {sysctl('ip_local_port_range')}, tcp_tw_reuse = {reuse}"
          + (f", tcp_tw_reuse_delay = {delay} ms" if delay else ""))
    server = socket.create_server(("127.0.0.1", PORT))
    for n in (1, 2, 3):
        start, told = time.monotonic(), False
        while True:
            client = socket.socket()
            try:
                client.connect(("127.0.0.1", PORT))
                break
            except OSError as err:
                client.close()
                if err.errno != errno.EADDRNOTAVAIL or time.monotonic() - start > 5:
                    raise
                if not told:
                    told = True
                    rows = netlab.ss("-tno", "state", "time-wait").splitlines()
                    print(f"connection {n}: connect() fails: {err}; "
                          f"both ports are in TIME-WAIT, {rows[0].split()[-1]}")
                if reuse == "0":
                    return
                time.sleep(0.01)
        waited = time.monotonic() - start
        port = client.getsockname()[1]
        again = f" after {waited:.2f} s: a TIME-WAIT of port {port} taken over" if waited > 0.05 else ""
        print(f"connection {n}: from port {port}{again}; the client closes first")
        conn, _ = server.accept()
        client.close()
        conn.close()
        netlab.wait_until(lambda: (port, PORT, "TIME-WAIT") in netlab.sockets(), "TIME-WAIT")


if __name__ == "__main__":
    main()
