// Hocuspocus peer for bench/notes-sync.ts: @hocuspocus/server with its defaults (in-memory
// documents, no extensions), run under Node 20 as a child of the benchmark.
//
//   PORT=1234 HOST=127.0.0.1 /usr/bin/node bench/notes-sync/hocuspocus-server.mjs
//
// Prints one JSON line {"listening": port} once it accepts connections.
import { Server } from "@hocuspocus/server";
import { watchParent } from "./peer-common.mjs";

const port = Number(process.env.PORT);
const host = process.env.HOST || "127.0.0.1";
if (!Number.isInteger(port) || port <= 0) throw new Error("PORT must be set to a port number");

const server = new Server({ port, address: host, quiet: true, stopOnSignals: false });
await server.listen();
console.log(JSON.stringify({ listening: server.address.port, server: "hocuspocus" }));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  // destroy() waits for every document to unload; do not let it hold the exit up.
  setTimeout(() => process.exit(0), 1_000).unref();
  try {
    await server.destroy();
  } finally {
    process.exit(0);
  }
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
watchParent(stop);
