import { describe, expect, test } from "bun:test";
import { AppError } from "./errors.ts";
import { normalizeName, requireDisplayName, requireName, requireUsername } from "./names.ts";

describe("normalizeName", () => {
  test("trims and applies NFKC", () => {
    expect(normalizeName("  Ｄｅｓｉｇｎ ")).toEqual({ ok: true, value: "Design" });
    expect(normalizeName("ﬁle Ⅻ")).toEqual({ ok: true, value: "file XII" });
    expect(normalizeName("\u3000café\u3000")).toEqual({ ok: true, value: "café" });
    // Composed and decomposed forms end up the same.
    expect(normalizeName("cafe\u0301")).toEqual(normalizeName("caf\u00e9"));
    expect(normalizeName("Zoë 山田 — ok!")).toEqual({ ok: true, value: "Zoë 山田 — ok!" });
  });

  test.each([
    ["a bidi override", "abc\u202Edef"],
    ["a bidi isolate", "abc\u2066def"],
    ["a left-to-right mark", "abc\u200Edef"],
    ["a zero-width space", "abc\u200Bdef"],
    ["a zero-width joiner", "abc\u200Ddef"],
    ["a byte-order mark", "\uFEFFabc"],
    ["a soft hyphen", "ab\u00ADc"],
    ["a NUL", "ab\u0000c"],
    ["a tab", "ab\tc"],
    ["a newline", "ab\nc"],
    ["DEL", "ab\u007Fc"],
    ["a C1 control", "ab\u0085c"],
    ["a line separator", "ab\u2028c"],
    ["a paragraph separator", "ab\u2029c"],
    ["a lone surrogate", "ab\uD800c"],
  ])("refuses %s with a message", (_label, raw) => {
    const r = normalizeName(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/invisible|control/i);
  });

  test("a control character at the end is refused, not trimmed away", () => {
    expect(normalizeName("abc\u0007").ok).toBe(false);
    expect(normalizeName("abc\u200B").ok).toBe(false);
  });

  test("length is counted after normalisation, in characters", () => {
    expect(normalizeName("   ", { minLength: 1 })).toEqual({ ok: false, message: expect.stringMatching(/enter/i) });
    expect(normalizeName("", { minLength: 0 })).toEqual({ ok: true, value: "" });
    expect(normalizeName("abcd", { maxLength: 3 })).toEqual({ ok: false, message: expect.stringMatching(/3 characters at most/) });
    // One ligature expands to many letters under NFKC.
    expect(normalizeName("\uFDFA", { maxLength: 5 }).ok).toBe(false);
    expect(normalizeName("😀😀😀", { maxLength: 3 })).toEqual({ ok: true, value: "😀😀😀" });
  });
});

describe("requireName", () => {
  test("returns the normalised value or throws a 422 field error", () => {
    expect(requireName("name", " Ｔｅａｍ ")).toBe("Team");
    let caught: unknown;
    try {
      requireName("title", "x\u202Ey");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    const e = caught as AppError;
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.status).toBe(422);
    expect(e.fields?.title).toMatch(/invisible|control/i);
  });
});

describe("display names and usernames", () => {
  test("a display name may hold spaces (runs become one); a username may not", () => {
    expect(requireDisplayName("  Ada   Lovelace ")).toBe("Ada Lovelace");
    expect(requireDisplayName("María José de la Cruz")).toBe("María José de la Cruz");
    expect(requireDisplayName("Ｊｏｈｎ　Ｓｍｉｔｈ")).toBe("John Smith");
    expect(() => requireUsername("ada lovelace")).toThrow(AppError);
    expect(requireUsername("ada_lovelace")).toBe("ada_lovelace");
  });

  test("a display name is refused when empty, too long, or with a tab, newline or invisible character", () => {
    for (const bad of ["", "   ", "a".repeat(61), "Ada\tLovelace", "Ada\nLovelace", "Ada\u200BLovelace", "Ada\u202ELovelace"]) {
      let caught: unknown;
      try {
        requireDisplayName(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(bad)).toBeInstanceOf(AppError);
      expect((caught as AppError).fields?.displayName).toBeString();
    }
    expect(requireDisplayName("a".repeat(60))).toHaveLength(60);
  });
});
