// y-websocket reference server peer for bench/notes-sync.ts: @y/websocket-server's documented
// setupWSConnection behind the `ws` package (what its own bin does), in-memory documents, run under
// Node 20 as a child of the benchmark. The document name is the URL path (`/room-1` → "room-1").
//
//   PORT=1234 HOST=127.0.0.1 /usr/bin/node bench/notes-sync/ywebsocket-server.mjs
//
// Prints one JSON line {"listening": port} once it accepts connections.
import http from "node:http";
import WebSocket from "ws";
import { setupWSConnection } from "@y/websocket-server/utils";
import { watchParent } from "./peer-common.mjs";

const port = Number(process.env.PORT);
const host = process.env.HOST || "127.0.0.1";
if (!Number.isInteger(port) || port <= 0) throw new Error("PORT must be set to a port number");
if (process.env.YPERSISTENCE) throw new Error("YPERSISTENCE must not be set: the benchmark compares in-memory servers");

const wss = new WebSocket.Server({ noServer: true });
wss.on("connection", setupWSConnection);

const server = http.createServer((_request, response) => {
  response.writeHead(200, { "Content-Type": "text/plain" });
  response.end("okay");
});
server.on("upgrade", (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
});
server.listen(port, host, () => {
  const address = server.address();
  console.log(JSON.stringify({ listening: typeof address === "object" && address ? address.port : port, server: "y-websocket" }));
});

const stop = () => {
  for (const client of wss.clients) client.terminate();
  server.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
watchParent(stop);
