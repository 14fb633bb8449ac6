// tcp-udp-chat: TCP chat client, a mirror of the article's "TCP客户端(多人聊天版)".
// Article: "python 网络通信协议/TCP,UD", https://www.lsjlt.com/news/180678.html
// The numbers in the comments are the program's own line numbers as the article prints them.
//
// Run:  make tcp-client            (or, on Node >= 22.18: node tcp/client.ts [--port N] [--trace])
// First start the server (make tcp-server). Type byebye to end the conversation.
//
// What it does better than the original, each a lesson in docs/06-pitfalls.md: a server that
// goes away, stdin ending, Ctrl-C, split or broken UTF-8, control characters and a
// refused connection all end in a one-line note instead of a traceback.
import { Socket } from "node:net";
import { chatArgs, seconds } from "../shared/args.ts";
import { BYEBYE } from "../shared/byebye.ts";
import { input } from "../shared/input.ts";
import { print } from "../shared/print.ts";
import { safeText } from "../shared/safe-text.ts";
import { connect } from "../shared/tcp-connect.ts";
import { peerDone, recv } from "../shared/tcp-recv.ts";
import { close, NOTHING_TO_SEND, send } from "../shared/tcp-send.ts";

const args = chatArgs({
  script: "tcp/client.ts",
  about: "TCP chat client",
  port: 8001,
  server: false,
  options: {
    timeout: seconds(10, "seconds of silence before a hint, when nothing better is known"),
  },
});

const client = new Socket({ allowHalfOpen: true }); // 3  client = socket.socket(), FIN = half-close

const ipPort = { host: args.host, port: args.port }; // 5  ip_port = '127.0.0.1', 8001

await connect(client, ipPort); // 7  client.connect(ip_port)
const prompt = { signal: peerDone(client), emptyNote: NOTHING_TO_SEND }; // ends if 高望 resets
const hint = { after: args.timeout }; // no answer to our first message: what that may mean

// 9  while 1
while (true) {
  const toServerMsg = await input("宝宝说:", prompt); // 10  to_server_msg = input('宝宝说:')
  if (toServerMsg === null) break; // stdin ended, or the server reset: a note is on stderr

  send(client, toServerMsg); // 12  client.send(to_server_msg.encode('utf-8'))

  // 14  if to_server_msg == 'byebye'
  if (toServerMsg === BYEBYE) {
    break; // 16  break
  }

  const fromServerMsg = await recv(client, 1024, hint); // 18  client.recv(1024), decoded as in 20
  if (fromServerMsg === null) break; // the server closed or reset: a note is on stderr

  print("来自高望的消息:", safeText(fromServerMsg)); // 20  print('来自高望的消息:', ...)
}

close(client); // 23  client.close()
