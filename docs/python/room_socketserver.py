# tcp-udp-chat, lesson 18: many clients in Python (docs/18-many-clients.md)
# docs/python/room_socketserver.py
# socketserver.ThreadingTCPServer: the same room, the threads made by the standard library.
"""Run: python3 docs/python/room_socketserver.py [PORT]   then: nc 127.0.0.1 8005"""

import socketserver
import sys
import threading

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8005

members = set()  # every member's wfile
lock = threading.Lock()


class Member(socketserver.StreamRequestHandler):
    """One per client, its handle() in a thread of its own."""

    def handle(self):
        port = self.client_address[1]
        with lock:
            members.add(self.wfile)
            self.wfile.write(b"* welcome, [%d]: %d here\n" % (port, len(members)))
        try:
            for line in self.rfile:
                with lock:
                    for other in members - {self.wfile}:
                        try:
                            other.write(b"[%d] %s" % (port, line))
                        except OSError:
                            pass  # that member is leaving: its own thread lets it go
        except OSError:
            pass  # this client reset the connection
        finally:
            with lock:
                members.discard(self.wfile)


class Room(socketserver.ThreadingTCPServer):
    allow_reuse_address = True  # SO_REUSEADDR, as the article's server sets it
    daemon_threads = True  # Ctrl-C ends the program without waiting for the members
    request_queue_size = 100  # the listen() backlog


def main():
    with Room(("127.0.0.1", PORT), Member) as room:
        print(f"listening on 127.0.0.1:{room.server_address[1]} (tcp)", file=sys.stderr, flush=True)
        room.serve_forever()


if __name__ == "__main__":
    main()
