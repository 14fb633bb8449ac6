// tcp-udp-chat: UDP chat client, a mirror of the article's "UDP客户端(多人聊天版)".
// Article: "python 网络通信协议/TCP,UD", https://www.lsjlt.com/news/180678.html
// The numbers in the comments are the program's own line numbers as the article prints them.
//
// Run:  make udp-client            (or, on Node >= 22.18: node udp/client.ts [--port N] [--timeout S])
// First start the server (make udp-server). There is no connection and no byebye: each
// line is one datagram; stop with Ctrl-D or Ctrl-C.
//
// What it does better than the original, each a lesson in docs/06-pitfalls.md: when no reply
// comes it says what that means, as far as it is known, instead of waiting in silence
// (--connect hears a refusal); stdin ending, Ctrl-C, broken UTF-8, control characters and
// a bad host end in a one-line note.
import { chatArgs, flag, seconds } from "../shared/args.ts";
import { input } from "../shared/input.ts";
import { print } from "../shared/print.ts";
import { safeText } from "../shared/safe-text.ts";
import { close, connectUdp, recvfrom, sendto, udpSocket } from "../shared/udp.ts";

const args = chatArgs({
  script: "udp/client.ts",
  about: "UDP chat client",
  port: 8002,
  server: false,
  options: {
    timeout: seconds(30, "seconds of silence before a hint, when nothing better is known"),
    connect: flag("connect the UDP socket: a refusal (ICMP) is heard at once"),
  },
});

const udpClient = udpSocket(args.host); // 3  udp_client = socket.socket(type=socket.SOCK_DGRAM)

const ipPort = { host: args.host, port: args.port }; // 5  ip_port = ('127.0.0.1', 8002)
if (args.connect) await connectUdp(udpClient, ipPort); // not in the article: udp_client.connect(ip_port)

// 7  while 1
while (true) {
  const toServerMsg = await input("客户端说:"); // 8  to_server_msg = input('客户端说:')
  if (toServerMsg === null) break; // stdin ended: exit 0 (Python would raise EOFError)

  sendto(udpClient, toServerMsg, ipPort); // 10  udp_client.sendto(..., ip_port)

  const hint = { after: args.timeout, to: ipPort }; // when no reply comes: what that means
  const [fromServerMsg, serverAddr] = await recvfrom(udpClient, 1024, hint); // 12  recvfrom(1024)

  print(safeText(fromServerMsg), serverAddr); // 14  print(from_server_msg.decode('utf-8'), server_addr)
}
close(udpClient);
