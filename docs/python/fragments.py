# tcp-udp-chat, lesson 21: sizes (docs/21-sizes.md)
# docs/python/fragments.py
# MTU 1500: a 3000-byte datagram leaves as IP fragments; TCP cuts its stream to the MSS instead.
"""Run as root inside a namespace whose lo has Ethernet's MTU:
    ip -n lab link set lo mtu 1500
    ip netns exec lab python3 docs/python/fragments.py"""

import socket
import struct

import netlab

SIZE = 3000
IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_MTU = 10, 2, 14  # <linux/in.h>; Python's socket lacks them
DATA_SEGS_OUT = 156  # offset of tcpi_data_segs_out in struct tcp_info


def udp():
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.connect(receiver.getsockname())
    print(f"UDP: the path's MTU is {sender.getsockopt(socket.IPPROTO_IP, IP_MTU)} bytes")
    made, joined = netlab.counter("IpFragCreates"), netlab.counter("IpReasmOKs")
    sender.send(b"x" * SIZE)
    got = len(receiver.recv(65535))
    print(f"  one datagram of {SIZE} bytes: {netlab.counter('IpFragCreates') - made} IP fragments "
          f"(IpFragCreates), put together again {netlab.counter('IpReasmOKs') - joined} time (IpReasmOKs); "
          f"recv() returns {got} bytes")
    sender.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)  # "don't fragment"
    try:
        sender.send(b"x" * SIZE)
    except OSError as err:
        print(f"  with IP_PMTUDISC_DO (don't fragment) the same send fails: {err!r}")


def tcp():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    conn, _ = listener.accept()
    mss = client.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
    made = netlab.counter("IpFragCreates")
    client.sendall(b"x" * SIZE)
    got = 0
    while got < SIZE:
        got += len(conn.recv(65535))
    info = client.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    segments = struct.unpack_from("I", info, DATA_SEGS_OUT)[0]
    print(f"TCP: MSS {mss} bytes (1500 - 20 IP - 20 TCP - 12 of timestamps)")
    print(f"  {SIZE} bytes in one sendall(): {segments} segments, "
          f"{netlab.counter('IpFragCreates') - made} IP fragments")


if __name__ == "__main__":
    netlab.require_namespace("fragments.py")
    udp()
    tcp()
