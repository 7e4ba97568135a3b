import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "./config.ts";

describe("loadConfig", () => {
  test("nothing set means the embedded defaults", () => {
    const c = loadConfig({}, "/srv/dictate");
    expect(c).toMatchObject({
      port: 3000,
      host: "0.0.0.0",
      publicUrl: "http://localhost:3000",
      dataDir: "/srv/dictate/data",
      databaseUrl: null,
      redisUrl: null,
      janusUrl: null,
      recordingsDir: "/srv/dictate/data/recordings",
      s3: null,
      turn: null,
      logLevel: "info",
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  test("real services are used when their variables are set", () => {
    const c = loadConfig({
      PORT: "8080",
      PUBLIC_URL: "https://meet.example.com/",
      DATABASE_URL: "postgres://u:p@db:5432/dictate",
      REDIS_URL: "redis://cache:6379",
      CLUSTER_SECRET: "a-long-cluster-secret",
      JANUS_URL: "ws://janus:8188",
      S3_BUCKET: "recordings",
      S3_ENDPOINT: "http://minio:9000",
      S3_PUBLIC_ENDPOINT: "https://files.example.com",
      S3_ACCESS_KEY_ID: "k",
      S3_SECRET_ACCESS_KEY: "s",
      TURN_URLS: "turn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349",
      TURN_SECRET: "shh",
      LOG_LEVEL: "DEBUG",
    });
    expect(c.publicUrl).toBe("https://meet.example.com");
    expect(c.s3).toEqual({ bucket: "recordings", endpoint: "http://minio:9000", publicEndpoint: "https://files.example.com", region: "us-east-1", accessKeyId: "k", secretAccessKey: "s" });
    expect(c.turn).toEqual({ urls: ["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"], secret: "shh" });
    expect(c.logLevel).toBe("debug");
  });

  test("every bad value is listed in one error", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "70000", DATABASE_URL: "mysql://x", REDIS_URL: "not a url", LOG_LEVEL: "loud", TURN_URLS: "http://x", S3_BUCKET: "b", S3_ACCESS_KEY_ID: "k" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(7);
    expect(problems.join("\n")).toContain("PORT");
    expect(problems.join("\n")).toContain("DATABASE_URL");
    expect(problems.join("\n")).toContain("REDIS_URL");
    expect(problems.join("\n")).toContain("LOG_LEVEL");
    expect(problems.join("\n")).toContain("TURN_SECRET");
    expect(problems.join("\n")).toContain("S3_SECRET_ACCESS_KEY");
    expect((error as Error).message.split("\n")[0]).toBe("Invalid configuration:");
  });

  test("REDIS_URL needs CLUSTER_SECRET, said plainly", () => {
    expect(() => loadConfig({ REDIS_URL: "redis://cache:6379" })).toThrow(/CLUSTER_SECRET must be set when REDIS_URL is set/);
    expect(() => loadConfig({ REDIS_URL: "redis://cache:6379", CLUSTER_SECRET: "short" })).toThrow(/CLUSTER_SECRET must be at least 16 characters/);
    const c = loadConfig({ REDIS_URL: "redis://cache:6379", CLUSTER_SECRET: "a-long-cluster-secret" });
    expect(c.clusterSecret).toBe("a-long-cluster-secret");
    expect(loadConfig({}).clusterSecret).toBeNull();
  });

  test("SECRET_KEY is read, and refused when short", () => {
    expect(loadConfig({}).secretKey).toBeNull();
    expect(loadConfig({ SECRET_KEY: "s".repeat(32) }).secretKey).toBe("s".repeat(32));
    expect(() => loadConfig({ SECRET_KEY: "short" })).toThrow(/SECRET_KEY must be at least 32 characters/);
  });

  test("METRICS_TOKEN and JANUS_API_SECRET are read; unset means none", () => {
    expect(loadConfig({}).metricsToken).toBeNull();
    expect(loadConfig({}).janusApiSecret).toBeNull();
    const c = loadConfig({ METRICS_TOKEN: "scrape-me", JANUS_URL: "ws://janus:8188", JANUS_API_SECRET: "janus-secret" });
    expect(c.metricsToken).toBe("scrape-me");
    expect(c.janusApiSecret).toBe("janus-secret");
  });

  test("TRUST_PROXY is a hop count; the old true means one hop", () => {
    expect(loadConfig({}).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: "true" }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: "false" }).trustProxy).toBe(0);
    expect(() => loadConfig({ TRUST_PROXY: "-1" })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: "maybe" })).toThrow(/TRUST_PROXY/);
  });
});
