/**
 * Playing the other side of any of the four programs, the same way for all: start it (a
 * server: until it is bound at its port; a client: with the checker's server waiting for it),
 * bring it to its first prompt, and make a message arrive for it. A server's partner is a
 * client of the checker's; a client's partner is the checker's server, reached once the
 * person at the client has typed `hi`. The robustness scenarios that only differ in the
 * bytes that arrive (split, not UTF-8, control characters, long) are written once on top.
 *
 * @example
 * ```ts
 * import { partner } from "./drive.ts";
 * const other = await partner(ctx); // a client connected, or a server that has read "hi"
 * await other.send(Buffer.from([0xff, 0xfe]));
 * ```
 * @module
 */
import type { Context } from "../context.ts";
import { boundOn, unread } from "../kernel.ts";
import type { TcpListener, TcpPeer, UdpPeer } from "../peers.ts";
import type { Program } from "../program.ts";
import { fail } from "../scenario.ts";
import { t } from "../text.ts";
import { arrives, prompted, secs, stuck } from "./steps.ts";

/** The other side of the conversation, as the checker plays it. */
export interface Partner {
  /** Send `bytes` to the program as the next message. */
  send(bytes: string | Buffer): Promise<void>;
  /** The port the program's message lines name (UDP prints the sender's address). */
  from: number;
  /** The TCP connection, for the TCP roles. */
  tcp?: TcpPeer;
  /** The checker's UDP socket, for the UDP roles. */
  udp?: UdpPeer;
  /** The program's own port on this conversation (a UDP client's, chosen by its kernel). */
  programPort?: number;
  /** The bytes the program has received and not read yet (TCP, Linux), if known. */
  unread(): number | undefined;
}

/** Start the server program and wait until it is bound at the port. */
export async function startServer(
  ctx: Context,
  side: "server" | "client" = "server",
  name?: string,
): Promise<Program> {
  const program = ctx.start(side, name);
  const where = await ctx.bound(program);
  if (where.length > 0) return program;
  if (!program.running || ctx.flooded())
    throw await stuck(ctx, program, t("it to listen", "它开始监听"));
  const what = ctx.info.kind === "tcp" ? t("listens", "监听") : t("is bound", "绑定");
  throw fail(
    t(
      `nothing ${what.en} on port ${ctx.port} after ${secs(ctx.deadline)}.`,
      `${secs(ctx.deadline)} 后端口 ${ctx.port} 上仍然没有程序${what.zh}。`,
    ),
    t(
      `the article's server binds ('127.0.0.1', ${ctx.port}); if yours uses another port, give it with --port N, or put {port} in its command line where the port goes.`,
      `文章的服务端绑定 ('127.0.0.1', ${ctx.port})；如果你的程序用别的端口，用 --port N 告诉检查程序，或者在命令行里端口的位置写 {port}。`,
    ),
  );
}

/** Wait for the client program's connection to the checker's server. */
export async function accepted(ctx: Context, listener: TcpListener, n = 1): Promise<TcpPeer> {
  const came = await ctx.until(() => listener.accepted.length >= n);
  const conn = listener.accepted[n - 1];
  if (came && conn) return conn;
  throw await stuck(
    ctx,
    ctx.program,
    t(`it to connect to 127.0.0.1:${ctx.port}`, `它连接 127.0.0.1:${ctx.port}`),
  );
}

/**
 * Bring the program to its first prompt: a server after a first message, `hi`; a client at
 * once. Returns the partner for a server, or for a client the partner to come.
 */
export async function atPrompt(ctx: Context): Promise<Partner | undefined> {
  const { side, prompt } = ctx.info;
  if (side === "server") {
    const other = await partner(ctx);
    await other.send("hi");
    ctx.expect += ctx.info.shown("hi", other.from) + prompt;
    await prompted(ctx, 1);
    return other;
  }
  if (ctx.info.kind === "tcp") await ctx.listen();
  else await ctx.udp("server", ctx.port);
  ctx.start();
  ctx.expect += prompt;
  await prompted(ctx, 1);
  return undefined;
}

/**
 * A conversation partner, ready to send the program a message: for a server, a client that
 * has connected (TCP) or a socket that will send (UDP); for a client, the checker's server,
 * once the person at the client has typed `hi` and it has arrived.
 */
export async function partner(ctx: Context): Promise<Partner> {
  const { side, kind, prompt } = ctx.info;
  if (side === "server") {
    await startServer(ctx);
    if (kind === "tcp") {
      const client = await ctx.connect("client");
      return {
        send: (b) => client.send(b),
        from: ctx.port,
        tcp: client,
        unread: () => unread(ctx.port, client.sock.localPort ?? 0),
      };
    }
    const a = await ctx.udp("A");
    return { send: (b) => a.send(b, ctx.port), from: a.port, udp: a, unread: () => undefined };
  }
  if (kind === "tcp") {
    const listener = await ctx.listen();
    ctx.start();
    ctx.expect += prompt;
    await prompted(ctx, 1);
    ctx.program.type("hi");
    const server = await accepted(ctx, listener);
    await arrives(ctx, server, "hi");
    return {
      send: (b) => server.send(b),
      from: ctx.port,
      tcp: server,
      unread: () => unread(server.sock.remotePort ?? 0, ctx.port),
    };
  }
  const server = await ctx.udp("server", ctx.port);
  ctx.start();
  ctx.expect += prompt;
  await prompted(ctx, 1);
  ctx.program.type("hi");
  const came = await ctx.until(() => server.datagrams.length > 0);
  const first = server.datagrams[0];
  if (!came || !first) throw await stuck(ctx, ctx.program, t("its datagram", "它发出的数据报"));
  return {
    send: (b) => server.send(b, first.from),
    from: ctx.port,
    udp: server,
    programPort: first.from,
    unread: () => undefined,
  };
}

/** Whether the server program is bound at all addresses (0.0.0.0 or ::), and where it is bound. */
export function boundWhere(ctx: Context): string[] {
  return boundOn(ctx.info.kind, ctx.port).map((b) => b.address);
}
