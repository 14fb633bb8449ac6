# tcp-udp-chat, lesson 22: closing edge cases (docs/22-closing.md)
# docs/python/linger.py
# close() sends a FIN and leaves TIME-WAIT; with SO_LINGER 0 it sends an RST and leaves nothing.
"""Run: python3 docs/python/linger.py"""

import socket
import struct
import subprocess
import time


def states(port, server_port):
    """The state of both ends of this one connection, once the closing is over.

    Both ports are named: another connection may use the same port number with another
    peer (a port is unique per pair of ends, not on its own)."""
    ends = (f"( sport = :{port} and dport = :{server_port} )"
            f" or ( sport = :{server_port} and dport = :{port} )")
    deadline = time.monotonic() + 5
    while True:
        rows = subprocess.run(["ss", "-Htan", ends], capture_output=True, text=True, check=True).stdout
        found = [row.split()[0] for row in rows.splitlines()]
        if not any(s.startswith(("FIN-WAIT", "LAST-ACK")) for s in found) or time.monotonic() > deadline:
            return " ".join(found) or "none"
        time.sleep(0.005)


def close_and_see(linger):
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    conn, _ = listener.accept()
    port, server_port = client.getsockname()[1], listener.getsockname()[1]
    if linger:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
    try:
        heard = f"returns {conn.recv(1024)!r}"
    except ConnectionResetError as err:
        heard = f"raises ConnectionResetError: {err}"
    conn.close()
    how = "SO_LINGER on, 0 s, then close()" if linger else "close()"
    print(f"client {how}: the server's recv() {heard}")
    print(f"  then the server closes too; the client's port is left in: {states(port, server_port)}")


if __name__ == "__main__":
    close_and_see(linger=False)
    close_and_see(linger=True)
