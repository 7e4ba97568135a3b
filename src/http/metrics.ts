import { createHash, timingSafeEqual } from "node:crypto";
import type PromClient from "prom-client";

/** prom-client's module, handed in by whoever loaded it (main.ts does only when METRICS_TOKEN is set). */
export type Prom = typeof PromClient;

/** True when `authorization` is `Bearer <token>`; compared in constant time (over digests, so lengths leak nothing). */
export function bearerMatches(authorization: string | null, token: string): boolean {
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) return false;
  const digest = (v: string) => createHash("sha256").update(v).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}

/**
 * What the app counts. Without METRICS_TOKEN there is no /metrics to read them, so nothing is
 * counted and prom-client is never loaded (~4 MB of an idle server's memory): `noMetrics()`.
 */
export interface Metrics {
  sockets: { inc(labels: { channel: string }): void; dec(labels: { channel: string }): void };
  notesUpdates: { inc(): void };
  relayMessages: { inc(labels: { direction: string }): void };
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Gauges read from the rooms when scraped. */
  roomGauges(read: () => { rooms: number; participants: number }): void;
  /** The exposition text for a scrape. */
  scrape(): Promise<{ body: string; contentType: string }>;
}

/** Counts nothing (no METRICS_TOKEN: nobody may read the figures). */
export function noMetrics(): Metrics {
  const none = { inc() {}, dec() {} };
  return {
    sockets: none,
    notesUpdates: none,
    relayMessages: none,
    observeRequest() {},
    roomGauges() {},
    async scrape() {
      return { body: "", contentType: "text/plain; version=0.0.4; charset=utf-8" };
    },
  };
}

/** Loads prom-client and counts with it when `enabled` (METRICS_TOKEN is set); else `noMetrics()`. */
export async function loadMetrics(enabled: boolean): Promise<Metrics> {
  return enabled ? createMetrics((await import("prom-client")).default) : noMetrics();
}

/** One registry per app, so tests and several apps in a process never share counters. */
export function createMetrics(client: Prom): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "dictate_" });
  const httpRequests = new client.Counter({
    name: "dictate_http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new client.Histogram({
    name: "dictate_http_request_duration_seconds",
    help: "HTTP request latency by method and route",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const sockets = new client.Gauge({
    name: "dictate_sockets",
    help: "Open WebSockets on this node by channel (room, notes)",
    labelNames: ["channel"] as const,
    registers: [registry],
  });
  const notesUpdates = new client.Counter({
    name: "dictate_notes_updates_total",
    help: "Notes updates made durable and applied by rooms on this node",
    registers: [registry],
  });
  const relayMessages = new client.Counter({
    name: "dictate_relay_messages_total",
    help: "Socket frames relayed between nodes over Redis, by direction (out, in, rejected: dropped for a missing or bad signature)",
    labelNames: ["direction"] as const,
    registers: [registry],
  });
  return {
    async scrape() {
      return { body: await registry.metrics(), contentType: registry.contentType };
    },
    sockets,
    notesUpdates,
    relayMessages,
    observeRequest(method: string, route: string, status: number, seconds: number) {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
    },
    roomGauges(read) {
      new client.Gauge({
        name: "dictate_rooms",
        help: "Live rooms owned by this node",
        registers: [registry],
        collect() {
          this.set(read().rooms);
        },
      });
      new client.Gauge({
        name: "dictate_participants",
        help: "Participants in rooms owned by this node (held seats included)",
        registers: [registry],
        collect() {
          this.set(read().participants);
        },
      });
    },
  };
}
