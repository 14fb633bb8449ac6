// tcp-udp-chat: UDP chat server, a mirror of the article's "UDP服务端(多人聊天版)".
// Article: "python 网络通信协议/TCP,UD", https://www.lsjlt.com/news/180678.html
// The article prints this program without line numbers; the comments count its lines
// the same way as the others, from "1 import socket".
//
// Run:  make udp-server            (or, on Node >= 22.18: node udp/server.ts [--port N] [--trace])
// Then: make udp-client            in a second terminal. There is no connection: each
// message is one datagram, and the server answers whoever sent the last one.
//
// What it does better than the original, each a lesson in docs/06-pitfalls.md: stdin ending,
// Ctrl-C, broken UTF-8, control characters, a datagram over 1024 bytes and a port in use
// end in a one-line note instead of a traceback or silence.
import { chatArgs, share } from "../shared/args.ts";
import { input } from "../shared/input.ts";
import { print } from "../shared/print.ts";
import { safeText } from "../shared/safe-text.ts";
import { bind, close, recvfrom, sendto, udpSocket } from "../shared/udp.ts";

const args = chatArgs({
  script: "udp/server.ts",
  about: "UDP chat server",
  port: 8002,
  server: true,
  options: { drop: share(0, "lose this share of incoming datagrams on purpose") },
});

const udpServer = udpSocket(args.host, args.drop); // 3  udp_server = socket.socket(type=socket.SOCK_DGRAM)

const ipPort = { host: args.host, port: args.port }; // 5  ip_port = ('127.0.0.1', 8002)

await bind(udpServer, ipPort); // 7  udp_server.bind(ip_port)

// 9  while 1
while (true) {
  const [fromClientMsg, clientAddr] = await recvfrom(udpServer, 1024); // 10  recvfrom(1024)

  print(safeText(fromClientMsg), clientAddr); // 12  print(from_client_msg.decode('utf-8'), client_addr)

  const toClientMsg = await input("服务端说;"); // 15  to_client_msg = input('服务端说;')
  if (toClientMsg === null) break; // stdin ended: exit 0 (Python would raise EOFError)

  sendto(udpServer, toClientMsg, clientAddr); // 17  udp_server.sendto(..., client_addr)
}
close(udpServer);
