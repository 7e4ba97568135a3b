import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type Config } from "../../src/config.ts";

/** A valid configuration for tests: embedded defaults in a fresh temp dir, quiet logs. */
export function testConfig(overrides: Partial<Config> = {}): Readonly<Config> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), "dictate-test-"));
  const base = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", PORT: "0", HOST: "127.0.0.1", PUBLIC_URL: "http://localhost:3000" });
  return Object.freeze({ ...base, ...overrides });
}
