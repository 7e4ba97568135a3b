/**
 * scripts/test.sh under CI=true: a suite skipped because a real component is missing counts as
 * failed in the closing line and fails the run, so CI cannot pass on fakes alone (issue 12).
 */
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../../..");
const FIXTURE = "./tests/integration/ci/skips.fixture.ts";

async function runTestScript(ci: boolean) {
  const proc = Bun.spawn(["bash", "scripts/test.sh", FIXTURE], {
    cwd: ROOT,
    // The type-check is the whole project's and slow; what is under test here is the counting.
    env: { ...process.env, CI: ci ? "true" : "", TYPECHECK: "0" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { closing: stdout.trim().split("\n").at(-1), stderr, exitCode };
}

describe("scripts/test.sh counts skips", () => {
  test("with CI=true, skipped tests are counted as failed, named, and the run exits non-zero", async () => {
    const run = await runTestScript(true);
    expect(run.closing).toBe("1 passed, 2 failed, 0 skipped");
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain("a suite that needs a missing component > first");
    expect(run.stderr).toContain("a suite that needs a missing component > second");
  });

  test("without CI, the same run passes and reports the skips as skipped", async () => {
    const run = await runTestScript(false);
    expect(run.closing).toBe("1 passed, 0 failed, 2 skipped");
    expect(run.exitCode).toBe(0);
  });
});
