import { describe, expect, test } from "bun:test";
import type { S3Config } from "../config.ts";
import { securityHeaders } from "./security-headers.ts";

const s3 = (endpoint: string | null, publicEndpoint: string | null): S3Config => ({
  bucket: "b",
  endpoint,
  publicEndpoint,
  region: "us-east-1",
  accessKeyId: null,
  secretAccessKey: null,
});
const directive = (headers: Readonly<Record<string, string>>, name: string) =>
  headers["content-security-policy"]!.split("; ").find((d) => d.startsWith(`${name} `));

describe("securityHeaders", () => {
  test("http: ws origin in connect-src, no HSTS, no storage in media-src", () => {
    const h = securityHeaders({ publicUrl: "http://localhost:3000", s3: null });
    expect(directive(h, "connect-src")).toBe("connect-src 'self' ws://localhost:3000");
    expect(directive(h, "media-src")).toBe("media-src 'self' blob:");
    expect(directive(h, "script-src")).toBe("script-src 'self' 'wasm-unsafe-eval'");
    expect(h["strict-transport-security"]).toBeUndefined();
    expect(h["x-frame-options"]).toBe("DENY");
    expect(Object.isFrozen(h)).toBe(true);
  });

  test("https: wss, HSTS; the S3 public endpoint (else the endpoint) in media-src", () => {
    const h = securityHeaders({ publicUrl: "https://meet.example.com", s3: s3("http://minio:9000", "https://files.example.com/") });
    expect(directive(h, "connect-src")).toBe("connect-src 'self' wss://meet.example.com");
    expect(directive(h, "media-src")).toBe("media-src 'self' blob: https://files.example.com");
    expect(h["strict-transport-security"]).toStartWith("max-age=");
    const internal = securityHeaders({ publicUrl: "https://meet.example.com", s3: s3("http://minio:9000", null) });
    expect(directive(internal, "media-src")).toBe("media-src 'self' blob: http://minio:9000");
  });

});
