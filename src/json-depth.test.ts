import { describe, expect, test } from "bun:test";
import { nestsDeeperThan } from "./json-depth.ts";

describe("nestsDeeperThan", () => {
  test("counts arrays and objects, not brackets inside strings", () => {
    expect(nestsDeeperThan(`{"type":"chat","text":"[[[[[[{{{{"}`, 1)).toBe(false);
    expect(nestsDeeperThan(`{"a":[{"b":[1]}]}`, 4)).toBe(false);
    expect(nestsDeeperThan(`{"a":[{"b":[1]}]}`, 3)).toBe(true);
    expect(nestsDeeperThan(`"\\"[[[["`, 0)).toBe(false);
  });

  test("a 64 KB frame of nested arrays is too deep; a flat 64 KB message is not", () => {
    expect(nestsDeeperThan("[".repeat(32_768) + "]".repeat(32_768), 32)).toBe(true);
    expect(nestsDeeperThan(JSON.stringify({ type: "chat", text: "[".repeat(65_000) }), 32)).toBe(false);
  });

  test("objects and arrays alike, and escaped quotes inside strings", () => {
    expect(nestsDeeperThan("[[[]]]", 3)).toBe(false);
    expect(nestsDeeperThan("[[[[]]]]", 3)).toBe(true);
    expect(nestsDeeperThan('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":{"b":[{}]}}', 3)).toBe(true);
    expect(nestsDeeperThan(JSON.stringify({ a: "[[[[[[", b: '\\"[[[[' }), 1)).toBe(false);
    expect(nestsDeeperThan("[".repeat(1_000_000), 32)).toBe(true);
  });
});
