# tcp-udp-chat, lesson 17: Nagle, delayed ACK and TCP_NODELAY (docs/17-nagle.md)
# docs/python/nodelay_glue.py
# TCP_NODELAY sends each send() at once, in a segment of its own; one recv() still returns both.
"""Run: python3 docs/python/nodelay_glue.py"""

import fcntl
import socket
import struct
import termios
import time

DATA_SEGS_IN = 152  # offset of tcpi_data_segs_in in Linux's struct tcp_info


def unread(sock):
    """Bytes waiting in the kernel for sock's recv() (the FIONREAD ioctl, as ss's Recv-Q)."""
    return struct.unpack("i", fcntl.ioctl(sock, termios.FIONREAD, b"\0\0\0\0"))[0]


def main():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    conn, _ = listener.accept()
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print('client: TCP_NODELAY on; send(b"hello"), then send(b"world")')
    client.send(b"hello")
    client.send(b"world")
    deadline = time.monotonic() + 5
    while unread(conn) < 10 and time.monotonic() < deadline:
        time.sleep(0.001)  # the server is simply slower to read than the bytes are to arrive
    info = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    segments = struct.unpack_from("I", info, DATA_SEGS_IN)[0]
    print(f"server: its kernel received {segments} data segments, {unread(conn)} bytes unread")
    print(f"server: one recv(1024) returns {conn.recv(1024)!r}")


if __name__ == "__main__":
    main()
