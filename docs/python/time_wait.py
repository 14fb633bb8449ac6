# tcp-udp-chat, lesson 22: closing edge cases (docs/22-closing.md)
# docs/python/time_wait.py
# A server that closes first keeps a TIME-WAIT per connection; it goes on serving all the same.
"""Run: python3 docs/python/time_wait.py [CONNECTIONS]     (default 200)"""

import socket
import subprocess
import sys
import time

import netlab

CONNECTIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def time_wait_rows(port, expected, overflows):
    """How many TIME-WAIT rows the port has, once each of the `expected` closes has either made
    one or been refused one (tcp_max_tw_buckets: TcpExtTCPTimeWaitOverflow counts those)."""
    deadline = time.monotonic() + 5
    while True:
        rows = subprocess.run(["ss", "-Htn", "state", "time-wait", f"sport = :{port}"],
                              capture_output=True, text=True, check=True).stdout
        refused = netlab.counter("TcpExtTCPTimeWaitOverflow") - overflows
        if len(rows.splitlines()) + refused >= expected or time.monotonic() > deadline:
            return len(rows.splitlines())
        time.sleep(0.005)


def main():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    overflows = netlab.counter("TcpExtTCPTimeWaitOverflow")
    for _ in range(CONNECTIONS):  # a short request each, answered, and closed by the server first
        client = socket.create_connection(("127.0.0.1", port))
        conn, _ = server.accept()
        client.sendall(b"hello")
        conn.recv(1024)
        conn.sendall(b"bye")
        conn.close()
        client.recv(1024)
        client.close()
    print(f"{CONNECTIONS} connections, each closed by the server first: "
          f"{time_wait_rows(port, CONNECTIONS, overflows)} TIME-WAIT rows on the server's port {port}")
    client = socket.create_connection(("127.0.0.1", port))
    server.accept()[0].close()
    client.close()
    print("the server still accepts new clients: each TIME-WAIT holds one 4-tuple, not the port")
    server.close()
    again = socket.socket()
    try:
        again.bind(("127.0.0.1", port))
        print("a new server binds the port")
    except OSError as err:
        print(f"a new server without SO_REUSEADDR cannot bind the port: {err!r}")
    again.close()
    again = socket.socket()
    again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    again.bind(("127.0.0.1", port))
    print("with SO_REUSEADDR (as the article's server sets it) it can")


if __name__ == "__main__":
    main()
