# tcp-udp-chat, lesson 21: sizes (docs/21-sizes.md)
# docs/python/sizes.py
# The largest UDP datagram, recv(1024) on a longer datagram, and on a longer TCP message.
"""Run: python3 docs/python/sizes.py"""

import socket

LONG = 2000  # bytes: longer than the article's recv(1024)


def udp():
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.connect(receiver.getsockname())
    for size in (65507, 65508):
        try:
            sender.send(b"x" * size)
            print(f"UDP: a datagram of {size} bytes is sent and received whole: {len(receiver.recv(65535))} bytes")
        except OSError as err:
            print(f"UDP: a datagram of {size} bytes cannot be sent: {err!r}")
    sender.send(b"x" * LONG)
    sender.send(b"next")
    print(f"UDP: {LONG} bytes sent in one datagram, then b'next'")
    print(f"  recvfrom(1024) returns {len(receiver.recvfrom(1024)[0])} bytes; the other {LONG - 1024} are gone")
    print(f"  recvfrom(1024) again returns {receiver.recvfrom(1024)[0]!r}: the next datagram")
    sender.send(b"x" * LONG)
    data, _, flags, _ = receiver.recvmsg(1024)
    print(f"  recvmsg(1024) says so: {len(data)} bytes, flags MSG_TRUNC: {bool(flags & socket.MSG_TRUNC)}")


def tcp():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    conn, _ = listener.accept()
    client.sendall(b"x" * LONG)
    client.close()
    reads = []
    while data := conn.recv(1024):
        reads.append(len(data))
    print(f"TCP: {LONG} bytes sent in one sendall(); recv(1024) returns {' + '.join(map(str, reads))}: nothing is lost")


if __name__ == "__main__":
    udp()
    tcp()
