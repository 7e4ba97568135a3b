import { expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { turnCredentials } from "./turn.ts";

test("TURN credentials follow the TURN REST API: expiring username, HMAC-SHA1 password", () => {
  const now = Date.UTC(2026, 10, 27, 12, 0, 0);
  const server = turnCredentials({ urls: ["turn:turn.example.com:3478"], secret: "s3cret" }, "participant:1", now, 3600);
  expect(server.urls).toEqual(["turn:turn.example.com:3478"]);
  expect(server.username).toBe(`${now / 1000 + 3600}:participant1`);
  // Known answer, computed independently of the function under test.
  expect(server.credential).toBe(createHmac("sha1", "s3cret").update(`${now / 1000 + 3600}:participant1`).digest("base64"));
  expect(server.credential).toHaveLength(28);
  expect(turnCredentials({ urls: ["turn:x"], secret: "other" }, "participant:1", now, 3600).credential).not.toBe(server.credential);
});
