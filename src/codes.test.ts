import { describe, expect, test } from "bun:test";
import { generateCode, normalizeCode } from "./codes.ts";

describe("codes", () => {
  test("a generated code is 3 groups of 4 symbols without look-alikes", () => {
    for (let i = 0; i < 200; i++) {
      const code = generateCode();
      expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
      expect(normalizeCode(code)).toBe(code);
    }
  });

  test("codes do not repeat (60 random bits)", () => {
    const seen = new Set(Array.from({ length: 10_000 }, () => generateCode()));
    expect(seen.size).toBe(10_000);
  });

  test("every symbol of the alphabet can appear", () => {
    const code = generateCode((b) => b.map((_, i) => i * 3));
    expect(code).toBe("0369-cfjn-rvy1");
    expect(generateCode((b) => b.map((_, i) => i + 20))).toBe("mnpq-rstv-wxyz");
  });

  test("typed input is forgiving about case, spaces, dashes and look-alikes", () => {
    expect(normalizeCode("K7FQ XM3T RPZW")).toBe("k7fq-xm3t-rpzw");
    expect(normalizeCode("k7fqxm3trpzw")).toBe("k7fq-xm3t-rpzw");
    expect(normalizeCode("oiLa-aaaa-aaaa")).toBe("011a-aaaa-aaaa");
  });

  test("things that cannot be codes are refused", () => {
    expect(normalizeCode("")).toBeNull();
    expect(normalizeCode("k7fq-xm3t-rpz")).toBeNull();
    expect(normalizeCode("k7fq-xm3t-rpzu")).toBeNull();
    expect(normalizeCode("../../etc/passwd")).toBeNull();
    expect(normalizeCode("x".repeat(10_000))).toBeNull();
  });
});
