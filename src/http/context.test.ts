import { describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { clientAddressOf, requestContext } from "./context.ts";
import type { SessionStore } from "../auth/index.ts";

const req = (xff?: string) => new Request("http://localhost/ip", { headers: xff ? { "x-forwarded-for": xff } : {} });

describe("client address", () => {
  test("TRUST_PROXY=0 ignores X-Forwarded-For: the peer's address", () => {
    expect(clientAddressOf(req("6.6.6.6"), "10.0.0.2", 0)).toBe("10.0.0.2");
  });

  test("one trusted proxy: the right-most hop, not a forged left-most one", () => {
    expect(clientAddressOf(req("6.6.6.6, 203.0.113.7"), "10.0.0.2", 1)).toBe("203.0.113.7");
    expect(clientAddressOf(req("203.0.113.7"), "10.0.0.2", 1)).toBe("203.0.113.7");
  });

  test("two trusted proxies: the hop the outer proxy saw; several headers count as one list", () => {
    const twoHeaders = new Request("http://localhost/", { headers: [["x-forwarded-for", "6.6.6.6"], ["x-forwarded-for", "203.0.113.7, 10.0.0.9"]] });
    expect(clientAddressOf(twoHeaders, "10.0.0.2", 2)).toBe("203.0.113.7");
    expect(clientAddressOf(req("6.6.6.6, 203.0.113.7, 10.0.0.9"), "10.0.0.2", 2)).toBe("203.0.113.7");
  });

  test("fewer hops than trusted proxies: the left-most there is; none: the peer", () => {
    expect(clientAddressOf(req("203.0.113.7"), "10.0.0.2", 3)).toBe("203.0.113.7");
    expect(clientAddressOf(req(), "10.0.0.2", 1)).toBe("10.0.0.2");
    expect(clientAddressOf(req(" , "), "10.0.0.2", 1)).toBe("10.0.0.2");
  });

  test("through requestContext, as routes see it", async () => {
    const sessions = { lookup: async () => null } as unknown as SessionStore;
    const app = new Elysia().use(requestContext({ sessions, trustProxy: 1 })).get("/ip", ({ clientAddress }) => clientAddress());
    const res = await app.handle(req("6.6.6.6, 198.51.100.4"));
    expect(await res.text()).toBe("198.51.100.4");
  });
});
