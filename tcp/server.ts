// tcp-udp-chat: TCP chat server, a mirror of the article's "TCP服务端(多人聊天版)".
// Article: "python 网络通信协议/TCP,UD", https://www.lsjlt.com/news/180678.html
// The numbers in the comments are the program's own line numbers as the article prints them.
//
// Run:  make tcp-server            (or, on Node >= 22.18: node tcp/server.ts [--port N] [--trace])
// Then: make tcp-client            in a second terminal, and chat; the client ends with byebye.
//
// What it does better than the original, each a lesson in docs/06-pitfalls.md: a client that
// leaves without byebye, stdin ending, Ctrl-C, split or broken UTF-8, control characters
// and network errors all end in a one-line note instead of a traceback.
import { createServer } from "node:net";
import { chatArgs } from "../shared/args.ts";
import { isByebye } from "../shared/byebye.ts";
import { input, inputEnded } from "../shared/input.ts";
import { print } from "../shared/print.ts";
import { safeText } from "../shared/safe-text.ts";
import { accept, closeServer, listen } from "../shared/tcp-listen.ts";
import { peerDone, recv } from "../shared/tcp-recv.ts";
import { close, NOTHING_TO_SEND, send } from "../shared/tcp-send.ts";

const args = chatArgs({
  script: "tcp/server.ts",
  about: "TCP chat server",
  port: 8001,
  server: true,
});

// 3  server = socket.socket(): as with Python's socket, nothing is read before accept, and
//    a FIN from the client is a half-close (it may still read our answer)
const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
// 5  SO_REUSEADDR: Node sets it on every TCP server it creates, so no line is needed here.
const ipPort = { host: args.host, port: args.port }; // 7  ip_port = ('127.0.0.1', 8001)
await listen(server, ipPort, 3); // 9, 11  server.bind(ip_port); server.listen(3)

// 13  while 1  (and stdin still open)
while (!inputEnded()) {
  const [conn] = await accept(server); // 14  conn, addr = server.accept()
  const prompt = { signal: peerDone(conn), emptyNote: NOTHING_TO_SEND }; // ends if 宝宝 resets

  // 16  while 1
  while (true) {
    const fromClientMsg = await recv(conn, 1024); // 17  conn.recv(1024), decoded as in 18
    if (fromClientMsg === null) break; // the client closed or reset, without byebye: see stderr
    print("来自宝宝的消息:", safeText(fromClientMsg)); // 18  print('来自宝宝的消息:', ...)

    // 20  if ... == 'byebye'
    if (isByebye(fromClientMsg)) {
      break; // 21  break
    }

    const toClientMsg = await input("高望>>>", prompt); // 23  to_client_msg = input('高望>>>')
    if (toClientMsg === null) break; // stdin ended, or the client reset while we typed
    send(conn, toClientMsg); // 24  conn.send(to_client_msg.encode('utf-8'))
  }

  close(conn); // 26  conn.close()
}
closeServer(server); // stdin ended: stop listening and exit 0 (Python would raise EOFError)
