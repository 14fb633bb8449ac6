# tcp-udp-chat, lesson 18: many clients in Python (docs/18-many-clients.md)
# docs/python/room_threads.py
# One thread per client: each line a client sends goes to every other client.
"""Run: python3 docs/python/room_threads.py [PORT]   then, in other terminals: nc 127.0.0.1 8005"""

import socket
import sys
import threading

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8005

members = set()  # every connected socket, shared by all the threads
lock = threading.Lock()  # one thread at a time may touch members, or send


def serve(conn, port):
    """Run in a thread of its own: read this client's lines until it leaves."""
    with lock:
        members.add(conn)
        conn.sendall(b"* welcome, [%d]: %d here\n" % (port, len(members)))
    try:
        for line in conn.makefile("rb"):  # a whole line each time, however the bytes came
            with lock:
                for other in members - {conn}:
                    try:
                        other.sendall(b"[%d] %s" % (port, line))
                    except OSError:
                        pass  # that member is leaving: its own thread lets it go
    except OSError:
        pass  # this client reset the connection
    finally:
        with lock:
            members.discard(conn)
        conn.close()


def main():
    server = socket.create_server(("127.0.0.1", PORT), backlog=100)
    print(f"listening on 127.0.0.1:{server.getsockname()[1]} (tcp)", file=sys.stderr, flush=True)
    while True:
        conn, (host, port) = server.accept()  # the only thing the main thread does
        threading.Thread(target=serve, args=(conn, port), daemon=True).start()


if __name__ == "__main__":
    main()
