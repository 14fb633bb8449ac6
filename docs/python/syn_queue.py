# tcp-udp-chat, lesson 20: the accept queue overflowing at the third ACK (docs/20-accept-overflow.md)
# docs/python/syn_queue.py
# How many half-open connections a listener keeps, and what becomes of the SYNs beyond them.
"""Run as root inside a namespace of your own (it adds an nftables rule there, and removes it):
    ip netns exec lab python3 docs/python/syn_queue.py [BACKLOG [CLIENTS]]      (default: 4 8)
Every client's third ACK is held back, so each stays half-open on the server's side."""

import socket
import struct
import sys

import netlab

PORT = 8001
BACKLOG = int(sys.argv[1]) if len(sys.argv) > 1 else 4
CLIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 8


def sysctl(name):
    with open(f"/proc/sys/net/ipv4/{name}") as f:
        return f.read().strip()


def half_open():
    return sum(1 for local, _, state in netlab.sockets() if local == PORT and state == "SYN-RECV")


def main():
    netlab.require_namespace("syn_queue.py")
    listener = socket.create_server(("127.0.0.1", PORT), backlog=BACKLOG)
    cookies, drops = netlab.counter("TcpExtSyncookiesSent"), netlab.counter("TcpExtListenDrops")
    print(f"listen({BACKLOG}) on 127.0.0.1:{PORT}; {CLIENTS} clients connect at once, their third ACKs held back")
    print(f"net.ipv4.tcp_syncookies = {sysctl('tcp_syncookies')}, "
          f"net.ipv4.tcp_max_syn_backlog = {sysctl('tcp_max_syn_backlog')}")
    clients = []
    with netlab.rules(f"tcp dport {PORT} tcp flags == ack"):
        for _ in range(CLIENTS):
            client = socket.socket()
            client.setblocking(False)
            client.connect_ex(("127.0.0.1", PORT))  # the SYN goes; no waiting for the answer
            clients.append(client)
        counted = lambda: (half_open(), netlab.counter("TcpExtSyncookiesSent") - cookies,
                           netlab.counter("TcpExtListenDrops") - drops)
        netlab.wait_until(lambda: sum(counted()) >= CLIENTS, "every SYN to be answered or dropped")
        queued, cookied, dropped = counted()
        for label, n in [("in the SYN queue (SYN-RECV)", queued),
                         ("answered with a SYN cookie (TcpExtSyncookiesSent)", cookied),
                         ("SYN dropped: the client will send it again (TcpExtListenDrops)", dropped)]:
            print(f"{n:4}  {label}")
    for client in clients:  # closed with RST: nothing lingers for the next run
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    listener.close()


if __name__ == "__main__":
    main()
