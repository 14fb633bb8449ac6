# tcp-udp-chat, lesson 17: Nagle, delayed ACK and TCP_NODELAY (docs/17-nagle.md)
# docs/python/nagle.py
# Write, write, read on 127.0.0.1: how long each round takes with Nagle on, off, and with one send.
"""Each round the client sends "hello" and "world" in two send() calls, then waits for the
server's "ok", which the server sends once it has all 10 bytes. Run: python3 docs/python/nagle.py"""

import socket
import statistics
import threading
import time

ROUNDS = 10
REQUEST = b"helloworld"


def serve(conn):
    """Answer "ok" each time a whole request (10 bytes) has arrived."""
    while True:
        got = b""
        while len(got) < len(REQUEST):
            data = conn.recv(1024)
            if not data:
                return
            got += data
        conn.sendall(b"ok")


def rounds(nodelay, sends):
    """The time of each round, in ms, on a new connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    conn, _ = listener.accept()
    listener.close()
    if nodelay:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for part in sends:
            client.send(part)
        assert client.recv(1024) == b"ok"
        times.append((time.perf_counter() - start) * 1000)
    client.close()
    return times


def main():
    print(f'write, write, read on 127.0.0.1: "hello" then "world", answered "ok"; {ROUNDS} rounds each')
    print(f"{'':22}{'round 1':>10}   rounds 2-{ROUNDS}: median (min-max)")
    for name, nodelay, sends in [
        ("Nagle on (default)", False, [b"hello", b"world"]),
        ("TCP_NODELAY", True, [b"hello", b"world"]),
        ("one send of both", False, [REQUEST]),
    ]:
        first, *rest = rounds(nodelay, sends)
        median = statistics.median(rest)
        print(f"{name:22}{first:7.2f} ms   {median:6.2f} ms ({min(rest):.2f}-{max(rest):.2f})")


if __name__ == "__main__":
    main()
