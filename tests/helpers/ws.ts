/**
 * A test client for the room socket: collects every message, waits for the ones you name, and
 * records how the socket closed.
 */
export interface RoomClient {
  ws: WebSocket;
  messages: any[];
  send(message: object | string | Uint8Array): void;
  /** The next message (after those already taken) matching `type` and `where`. */
  next(type: string, where?: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  closed: Promise<{ code: number; reason: string }>;
  close(code?: number, reason?: string): void;
}

export function wsUrl(httpUrl: string, path: string) {
  return httpUrl.replace(/^http/, "ws") + path;
}

export async function openRoomSocket(url: string, options: { cookie?: string | null; origin?: string; headers?: Record<string, string> } = {}): Promise<RoomClient> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  const ws = new WebSocket(url, { headers } as never);
  const messages: any[] = [];
  let taken = 0;
  const waiters: (() => void)[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.addEventListener("close", (e) => {
      resolve({ code: e.code, reason: e.reason });
      for (const w of waiters.splice(0)) w();
    });
  });
  ws.addEventListener("message", (e) => {
    messages.push(typeof e.data === "string" ? JSON.parse(e.data) : e.data);
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error(`could not open ${url}`)), { once: true });
  });
  void taken;
  const cursor = new Map<string, number>();
  return {
    ws,
    messages,
    send(message) {
      ws.send(typeof message === "string" || message instanceof Uint8Array ? message : JSON.stringify(message));
    },
    async next(type, where = () => true, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const from = cursor.get(type) ?? 0;
        const index = messages.findIndex((m, i) => i >= from && m?.type === type && where(m));
        if (index >= 0) {
          cursor.set(type, index + 1);
          return messages[index];
        }
        if (ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting for ${type}; got ${JSON.stringify(messages.slice(-5))}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${type}; got ${JSON.stringify(messages.slice(-5))}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    closed,
    close(code = 1000, reason = "") {
      ws.close(code, reason);
    },
  };
}
