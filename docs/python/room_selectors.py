# tcp-udp-chat, lesson 18: many clients in Python (docs/18-many-clients.md)
# docs/python/room_selectors.py
# One thread and selectors: the kernel says which sockets are ready, and only those are read.
"""Run: python3 docs/python/room_selectors.py [PORT]   then: nc 127.0.0.1 8005"""

import selectors
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8005

selector = selectors.DefaultSelector()  # epoll on Linux
members = {}  # socket -> [its port, the bytes of a line not yet ended]


def arrive(server):
    conn, (host, port) = server.accept()
    conn.setblocking(False)
    selector.register(conn, selectors.EVENT_READ)
    members[conn] = [port, b""]
    conn.sendall(b"* welcome, [%d]: %d here\n" % (port, len(members)))


def leave(conn):
    selector.unregister(conn)
    del members[conn]
    conn.close()


def hear(conn):
    try:
        data = conn.recv(4096)  # ready: this does not wait
    except ConnectionResetError:
        data = b""
    if not data:
        return leave(conn)
    port, rest = members[conn]
    *lines, members[conn][1] = (rest + data).split(b"\n")
    for line in lines:
        for other in [m for m in members if m is not conn]:
            try:
                other.sendall(b"[%d] %s\n" % (port, line))
            except OSError:  # gone, or its kernel buffer is full (BlockingIOError): it does not read
                leave(other)


def main():
    server = socket.create_server(("127.0.0.1", PORT), backlog=100)
    server.setblocking(False)
    selector.register(server, selectors.EVENT_READ)
    print(f"listening on 127.0.0.1:{server.getsockname()[1]} (tcp)", file=sys.stderr, flush=True)
    while True:
        for key, _ in selector.select():  # wait until some socket is ready
            if key.fileobj is server:
                arrive(server)
            elif key.fileobj in members:  # not let go earlier in this round
                hear(key.fileobj)


if __name__ == "__main__":
    main()
