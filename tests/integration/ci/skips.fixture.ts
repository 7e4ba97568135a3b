/**
 * Run only by test-script.test.ts, through scripts/test.sh (the name keeps it out of `bun test`'s
 * discovery): one test that passes, and a suite skipped the way the real-component suites skip.
 */
import { describe, expect, test } from "bun:test";

test("a test that runs", () => {
  expect([1, 2, 3].reduce((a, b) => a + b)).toBe(6);
});

describe.skipIf(Bun.which("dictate-component-that-is-not-installed") === null)("a suite that needs a missing component", () => {
  test("first", () => expect(true).toBe(true));
  test("second", () => expect(true).toBe(true));
});
