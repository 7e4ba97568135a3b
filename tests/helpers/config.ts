import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type Config } from "../../src/config.ts";

/**
 * A valid configuration for tests: embedded defaults in a fresh temp dir, quiet logs. The per-address
 * caps are off (every in-process request comes from one "address"); the caps' own tests turn them on.
 */
export function testConfig(overrides: Partial<Config> = {}): Readonly<Config> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), "dictate-test-"));
  const base = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", PORT: "0", HOST: "127.0.0.1", PUBLIC_URL: "http://localhost:3000" });
  const caps = { ...base.caps, signupsPerHour: 0, meetingsPerHour: 0, socketsPerMinute: 0, guestRoomsPerAddress: 0 };
  return Object.freeze({ ...base, caps, ...overrides });
}
