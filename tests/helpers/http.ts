import type { App } from "../../src/http/index.ts";

export interface HttpReply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/**
 * A browser-like client over `app.handle`: keeps the session cookie, sends JSON. `raw` bodies
 * (strings) go out as they are, to test malformed input.
 */
export function createClient(app: App, base = "http://localhost") {
  let cookie: string | null = null;
  async function request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options: { headers?: Record<string, string>; raw?: boolean } = {},
  ): Promise<HttpReply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (cookie) headers.cookie = cookie;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = options.raw ? String(body) : JSON.stringify(body);
      headers["content-type"] ??= "application/json";
      // As a real HTTP client would; Request does not add it for a string body.
      headers["content-length"] = String(Buffer.byteLength(payload));
    }
    const res = await app.handle(new Request(base + path, { method, headers, body: payload }));
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) {
      const value = setCookie.split(";")[0]!;
      cookie = value.endsWith("=") ? null : value;
    }
    const text = await res.text();
    let parsed: unknown = text;
    if (res.headers.get("content-type")?.includes("json") && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }
  return {
    request,
    get: <T = any>(path: string, o?: { headers?: Record<string, string> }) => request<T>("GET", path, undefined, o),
    post: <T = any>(path: string, body?: unknown, o?: { headers?: Record<string, string>; raw?: boolean }) => request<T>("POST", path, body, o),
    patch: <T = any>(path: string, body?: unknown, o?: { headers?: Record<string, string>; raw?: boolean }) => request<T>("PATCH", path, body, o),
    del: <T = any>(path: string, body?: unknown) => request<T>("DELETE", path, body),
    get cookie() {
      return cookie;
    },
    set cookie(value: string | null) {
      cookie = value;
    },
  };
}
export type TestClient = ReturnType<typeof createClient>;

let counter = 0;
/** Unique sign-up data per call, so suites can share one database. */
export function newUser(label = "user") {
  const n = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return { email: `${label}-${n}@example.com`, username: `${label}_${n}`.slice(0, 32), password: "correct horse battery" };
}
