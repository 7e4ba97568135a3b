/**
 * The only reader of the environment. `loadConfig(env)` validates every variable once, reports
 * every problem in one message, and returns a frozen, typed configuration.
 */
import { isAbsolute, resolve } from "node:path";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface S3Config {
  bucket: string;
  endpoint: string | null;
  /** Where browsers reach the storage for downloads, when not at `endpoint`. */
  publicEndpoint: string | null;
  region: string;
  accessKeyId: string | null;
  secretAccessKey: string | null;
}

export interface Config {
  port: number;
  host: string;
  /** Origin people use to reach the app, without a trailing slash (e.g. https://meet.example.com). */
  publicUrl: string;
  dataDir: string;
  /** Postgres connection string; null means embedded PGlite in `dataDir/db`. */
  databaseUrl: string | null;
  /** Redis connection string; null means in-process room directory and rate limits. */
  redisUrl: string | null;
  /** Every Redis key and channel starts with this. */
  redisPrefix: string;
  /** Janus WebSocket URL; null means start an embedded Janus. */
  janusUrl: string | null;
  janusBin: string;
  /** UDP ports the embedded Janus uses for media, e.g. "20000-20200". */
  janusRtpPorts: string;
  /** Public IP the embedded Janus announces when the machine is behind 1:1 NAT (cloud VMs). */
  janusPublicIp: string | null;
  recordingsDir: string;
  s3: S3Config | null;
  turn: { urls: string[]; secret: string } | null;
  logLevel: LogLevel;
  /**
   * How many proxies in front of the app append to X-Forwarded-For (0: ignore the header). The
   * client address is the right-most hop those proxies did not add.
   */
  trustProxy: number;
  /** Key of the HMAC on relay messages between nodes; required with `redisUrl`. */
  clusterSecret: string | null;
  /** Bearer token /metrics requires; null means /metrics answers 404. */
  metricsToken: string | null;
  /** `api_secret` of the Janus at `janusUrl` (the embedded Janus gets a random one per start). */
  janusApiSecret: string | null;
  /** How long an emptied room, or a dropped seat, is kept before it is released. */
  roomGraceMs: number;
  sessionTtlMs: number;
  /** How long a recording job stays claimed by a worker that stops renewing it (a crashed node). */
  recordingJobLeaseMs: number;
  /** Caps on what one client address may do (0: no cap), and on a meeting's size. */
  caps: AbuseCaps;
  /** The largest a meeting's notes may grow (encoded Yjs state), in bytes. */
  notesMaxBytes: number;
  /** Key for the calendar feed tokens; null: one made once and kept in the database. */
  secretKey: string | null;
}

export interface AbuseCaps {
  signupsPerHour: number;
  meetingsPerHour: number;
  socketsPerMinute: number;
  /** Rooms one address may be in at once as a guest (each live room holds Janus resources). */
  guestRoomsPerAddress: number;
  seatsPerRoom: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

type Env = Record<string, string | undefined>;

/** Validates `env` and returns the configuration; throws one ConfigError naming every bad value. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Readonly<Config> {
  const problems: string[] = [];
  const str = (name: string): string | null => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, protocols: string[]): string | null => {
    const raw = str(name);
    if (raw === null) return null;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must be a ${protocols.join(" or ")} URL (got "${raw}")`);
        return null;
      }
      return raw;
    } catch {
      problems.push(`${name} is not a valid URL (got "${raw}")`);
      return null;
    }
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name)?.toLowerCase();
    if (raw === undefined || raw === null) return fallback;
    if (["1", "true", "yes", "on"].includes(raw)) return true;
    if (["0", "false", "no", "off"].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const dir = (value: string) => (isAbsolute(value) ? value : resolve(cwd, value));

  const port = int("PORT", 3000, 0, 65535);
  const host = str("HOST") ?? "0.0.0.0";
  const publicUrlRaw = url("PUBLIC_URL", ["http:", "https:"]);
  const publicUrl = publicUrlRaw ? new URL(publicUrlRaw).origin : `http://localhost:${port}`;
  const dataDir = dir(str("DATA_DIR") ?? "./data");

  const logLevelRaw = (str("LOG_LEVEL") ?? "info").toLowerCase();
  if (!LOG_LEVELS.includes(logLevelRaw as LogLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")} (got "${logLevelRaw}")`);
  }

  const bucket = str("S3_BUCKET");
  const s3: S3Config | null = bucket
    ? {
        bucket,
        endpoint: url("S3_ENDPOINT", ["http:", "https:"]),
        publicEndpoint: url("S3_PUBLIC_ENDPOINT", ["http:", "https:"]),
        region: str("S3_REGION") ?? "us-east-1",
        accessKeyId: str("S3_ACCESS_KEY_ID"),
        secretAccessKey: str("S3_SECRET_ACCESS_KEY"),
      }
    : null;
  if (s3 && (s3.accessKeyId === null) !== (s3.secretAccessKey === null)) {
    problems.push("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together");
  }

  const turnUrls = (str("TURN_URLS") ?? "").split(",").map((u) => u.trim()).filter(Boolean);
  const turnSecret = str("TURN_SECRET");
  for (const u of turnUrls) {
    if (!/^turns?:[^\s]+$/.test(u)) problems.push(`TURN_URLS entries must start with turn: or turns: (got "${u}")`);
  }
  if ((turnUrls.length > 0) !== (turnSecret !== null)) {
    problems.push("TURN_URLS and TURN_SECRET must be set together");
  }

  const redisPrefix = str("REDIS_PREFIX") ?? "dictate:";
  const rtpPorts = str("JANUS_RTP_PORTS") ?? "20000-20200";
  const rtpMatch = /^(\d{1,5})-(\d{1,5})$/.exec(rtpPorts);
  if (!rtpMatch || Number(rtpMatch[1]) < 1024 || Number(rtpMatch[2]) > 65535 || Number(rtpMatch[1]) >= Number(rtpMatch[2])) {
    problems.push(`JANUS_RTP_PORTS must be a range like 20000-20200 within 1024-65535 (got "${rtpPorts}")`);
  }
  const trustProxyRaw = str("TRUST_PROXY")?.toLowerCase() ?? "0";
  const trustProxyNamed: Record<string, number> = { true: 1, yes: 1, on: 1, false: 0, no: 0, off: 0 };
  let trustProxy = trustProxyNamed[trustProxyRaw] ?? Number(trustProxyRaw);
  if (!Number.isInteger(trustProxy) || trustProxy < 0 || trustProxy > 10) {
    problems.push(`TRUST_PROXY must be the number of proxies in front, 0 to 10 (true means 1) (got "${trustProxyRaw}")`);
    trustProxy = 0;
  }
  const redisUrl = url("REDIS_URL", ["redis:", "rediss:"]);
  const clusterSecret = str("CLUSTER_SECRET");
  if (redisUrl !== null && clusterSecret === null) {
    problems.push("CLUSTER_SECRET must be set when REDIS_URL is set: nodes sign their relay messages with it (e.g. `openssl rand -hex 32`, the same on every node)");
  } else if (clusterSecret !== null && clusterSecret.length < 16) {
    problems.push("CLUSTER_SECRET must be at least 16 characters");
  }
  const secretKey = str("SECRET_KEY");
  if (secretKey !== null && secretKey.length < 32) problems.push("SECRET_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)");
  const publicIp = str("JANUS_PUBLIC_IP");
  if (publicIp !== null && !/^(\d{1,3}\.){3}\d{1,3}$/.test(publicIp)) problems.push(`JANUS_PUBLIC_IP must be an IPv4 address (got "${publicIp}")`);
  const config: Config = {
    port,
    host,
    publicUrl,
    dataDir,
    databaseUrl: url("DATABASE_URL", ["postgres:", "postgresql:"]),
    redisUrl,
    redisPrefix,
    janusUrl: url("JANUS_URL", ["ws:", "wss:"]),
    janusBin: str("JANUS_BIN") ?? "janus",
    janusRtpPorts: rtpPorts,
    janusPublicIp: publicIp,
    recordingsDir: dir(str("RECORDINGS_DIR") ?? resolve(dataDir, "recordings")),
    s3,
    turn: turnSecret && turnUrls.length > 0 ? { urls: turnUrls, secret: turnSecret } : null,
    logLevel: logLevelRaw as LogLevel,
    trustProxy,
    clusterSecret,
    metricsToken: str("METRICS_TOKEN"),
    janusApiSecret: str("JANUS_API_SECRET"),
    roomGraceMs: int("ROOM_GRACE_MS", 30_000, 0, 3_600_000),
    sessionTtlMs: int("SESSION_TTL_DAYS", 30, 1, 365) * 86_400_000,
    recordingJobLeaseMs: int("RECORDING_JOB_LEASE_MS", 60_000, 1_000, 3_600_000),
    caps: {
      signupsPerHour: int("SIGNUPS_PER_HOUR", 20, 0, 1_000_000),
      meetingsPerHour: int("MEETINGS_PER_HOUR", 60, 0, 1_000_000),
      socketsPerMinute: int("SOCKETS_PER_MINUTE", 300, 0, 1_000_000),
      guestRoomsPerAddress: int("GUEST_ROOMS_PER_ADDRESS", 10, 0, 100_000),
      seatsPerRoom: int("MAX_SEATS_PER_ROOM", 50, 1, 10_000),
    },
    notesMaxBytes: int("NOTES_MAX_BYTES", 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    secretKey,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
