# tcp-udp-chat, lesson 20: the accept queue overflowing at the third ACK (docs/20-accept-overflow.md)
# docs/python/overflow.py
# A client believes it is connected while the server's full accept queue drops its third ACK.
"""Run as root inside a namespace of your own (it adds an nftables rule there, and removes it):
    ip netns exec lab python3 docs/python/overflow.py
It reads net.ipv4.tcp_abort_on_overflow, so run it again after changing that."""

import select
import socket
import struct
import time

import netlab

PORT = 8001


def main():
    netlab.require_namespace("overflow.py")
    with open("/proc/sys/net/ipv4/tcp_abort_on_overflow") as f:
        abort = f.read().strip() == "1"
    listener = socket.create_server(("127.0.0.1", PORT), backlog=0)
    print(f"listen(0) on 127.0.0.1:{PORT}: its accept queue holds 1 connection")
    a = socket.socket()
    a.bind(("127.0.0.1", 0))
    port = a.getsockname()[1]
    with netlab.rules(f"tcp sport {port} tcp flags == ack"):  # A's pure ACKs, its third ACK first
        print(f"A connects from port {port}; its third ACK is held back on the way")
        start = time.monotonic()
        a.connect(("127.0.0.1", PORT))
        state = netlab.ss("-tn", "state", "established", f"sport = :{port}")
        print(f"A: connect() returned: A believes it is connected ({'ESTAB' if state else '?'})")
        local, peer = netlab.ss("-tn", "state", "syn-recv", f"dport = :{port}").split()[2:4]
        print(f"server: A is still in the SYN queue: SYN-RECV {local} <- {peer}")
        b = socket.create_connection(("127.0.0.1", PORT))
        queued = netlab.ss("-ltn", f"sport = :{PORT}").split()[1]
        print(f"B connects: its handshake completes; the accept queue is full (Recv-Q {queued})")
        overflows = netlab.counter("TcpExtListenOverflows")
        a.send(b"hello")
        print("A sends b'hello': its segment carries the ACK the server is waiting for")
        netlab.wait_until(lambda: netlab.counter("TcpExtListenOverflows") > overflows, "an overflow")
        now = netlab.counter("TcpExtListenOverflows")
        print(f"server: no room in the accept queue: ListenOverflows {overflows} -> {now}, A's segment dropped")
        if abort:
            print("tcp_abort_on_overflow = 1: the server answers with RST")
            a.settimeout(5)
            try:
                a.recv(1024)
            except ConnectionResetError as err:
                print(f"A: recv() raises ConnectionResetError: {err}")
        else:
            print("tcp_abort_on_overflow = 0: the server keeps A in SYN-RECV, and A waits")
            resent = netlab.counter("TcpExtTCPSynRetrans")
            netlab.wait_until(lambda: netlab.counter("TcpExtTCPSynRetrans") > resent, "a SYN-ACK again")
            print(f"{time.monotonic() - start:6.2f} s  the server sends its SYN-ACK again (TCPSynRetrans +1)")
            listener.accept()[0].close()
            print(f"{time.monotonic() - start:6.2f} s  the server accepts B: the queue has room again")
            select.select([listener], [], [], 10)
            conn, _ = listener.accept()
            print(f"{time.monotonic() - start:6.2f} s  A's data comes again and completes the handshake: "
                  f"accept() returns A, recv() {conn.recv(1024)!r}")
            conn.close()
        b.close()
    # closed with RST (SO_LINGER 0, lesson 22): no TIME-WAIT keeps the port from the next run
    a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    a.close()


if __name__ == "__main__":
    main()
