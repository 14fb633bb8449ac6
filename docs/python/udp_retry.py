# tcp-udp-chat, lesson 14: loss, made visible (docs/14-loss.md)
# docs/python/udp_retry.py
# The chat's UDP client, made to notice silence: it waits a while for each answer, sends the
# same datagram again when none comes, and gives up after TRIES sends.
"""Run: python3 docs/python/udp_retry.py [PORT [SECONDS]]
against the UDP server on 127.0.0.1 (port 8002 unless given), waiting SECONDS for each
answer (5 unless given). Ctrl-D ends it."""

import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8002
WAIT = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0  # seconds, for each answer
TRIES = 3  # sends of one message, the first one included

server = ("127.0.0.1", PORT)

# The with statement closes the socket when the block ends, however it ends: at Ctrl-D,
# and also on Ctrl-C or an error, which end the block with an exception.
with socket.socket(type=socket.SOCK_DGRAM) as sock:
    sock.settimeout(WAIT)  # recvfrom now raises socket.timeout instead of waiting for ever
    while True:
        try:
            line = input("客户端说:")
        except EOFError:  # Ctrl-D: end the prompt's line, leave the loop and the with block
            print()
            break
        for attempt in range(1, TRIES + 1):
            sock.sendto(line.encode("utf-8"), server)
            try:
                answer, sender = sock.recvfrom(1024)
            except socket.timeout:  # the same class as TimeoutError since Python 3.10
                print(f"(no answer in {WAIT:g} s to try {attempt} of {TRIES})")
                continue
            print(answer.decode("utf-8"), sender)
            break
        else:  # the for loop ran out: no try was answered
            print(f"(gave up after {TRIES} tries; the server may have it all the same)")

print(sock)  # <socket.socket [closed] fd=-1, ...>: the with block closed it
