# tcp-udp-chat, lesson 18: many clients in Python (docs/18-many-clients.md)
# docs/python/room_asyncio.py
# asyncio: one thread, an event loop, and a coroutine per client that reads as if it blocked.
"""Run: python3 docs/python/room_asyncio.py [PORT]   then: nc 127.0.0.1 8005"""

import asyncio
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8005

members = set()  # every member's StreamWriter


async def member(reader, writer):
    port = writer.get_extra_info("peername")[1]
    members.add(writer)
    writer.write(b"* welcome, [%d]: %d here\n" % (port, len(members)))
    try:
        async for line in reader:  # each await lets the loop serve the others meanwhile
            for other in members - {writer}:
                other.write(b"[%d] %s" % (port, line))
    except ConnectionResetError:
        pass
    finally:
        members.discard(writer)
        writer.close()


async def main():
    server = await asyncio.start_server(member, "127.0.0.1", PORT, backlog=100)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on 127.0.0.1:{port} (tcp)", file=sys.stderr, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
