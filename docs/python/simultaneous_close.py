# tcp-udp-chat, lesson 22: closing edge cases (docs/22-closing.md)
# docs/python/simultaneous_close.py
# Both sides close at once: each FIN crosses the other, both pass through CLOSING, both end in TIME-WAIT.
"""Run as root inside a namespace of your own (it adds nftables rules there, and removes them):
    ip netns exec lab python3 docs/python/simultaneous_close.py
On loopback one FIN always arrives before the other side has closed, so the rules hold both
FINs back until both sides have sent theirs, then let them through one direction at a time."""

import socket

import netlab

PORT = 8001


def states(client_port):
    """Each side's state, as ss names it: {"client": ..., "server": ...}."""
    sides = {}
    for local, remote, state in netlab.sockets():
        if local == client_port and remote == PORT:
            sides["client"] = state
        elif local == PORT and remote == client_port:
            sides["server"] = state
    return sides


def show(when, client_port):
    sides = states(client_port)
    print(f"{when:44} client {sides.get('client', '-'):11} server {sides.get('server', '-')}")


def main():
    netlab.require_namespace("simultaneous_close.py")
    listener = socket.create_server(("127.0.0.1", PORT))
    client = socket.create_connection(("127.0.0.1", PORT))
    server, _ = listener.accept()
    listener.close()
    port = client.getsockname()[1]
    show("connected", port)
    with netlab.rules(f"tcp sport {PORT} tcp flags & fin == fin"):  # the server's FIN held back
        with netlab.rules(f"tcp dport {PORT} tcp flags & fin == fin"):  # the client's FIN held back
            client.shutdown(socket.SHUT_WR)
            server.shutdown(socket.SHUT_WR)
            show("both call shutdown(SHUT_WR): both FINs sent", port)
        netlab.wait_until(lambda: states(port).get("server") == "CLOSING", "CLOSING")
        show("the client's FIN gets through (sent again)", port)
    netlab.wait_until(lambda: set(states(port).values()) == {"TIME-WAIT"}, "TIME-WAIT on both sides")
    show("the server's FIN gets through (sent again)", port)
    client.close()
    server.close()


if __name__ == "__main__":
    main()
