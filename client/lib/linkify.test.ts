import { describe, expect, test } from "bun:test";
import { linkify } from "./linkify.ts";

describe("linkify", () => {
  test("http and https URLs become links; the text around them stays", () => {
    expect(linkify("see https://example.com/a?b=1#c and http://x.test/p")).toEqual([
      { text: "see " },
      { text: "https://example.com/a?b=1#c", href: "https://example.com/a?b=1#c" },
      { text: " and " },
      { text: "http://x.test/p", href: "http://x.test/p" },
    ]);
  });

  test("only http: and https: — javascript:, data:, a bare domain stay text", () => {
    for (const text of ["javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", "data:text/html,<b>x</b>", "example.com", "ftp://x.test/f", "https://", "http:// spaced"]) {
      expect(linkify(text).filter((s) => s.href)).toEqual([]);
      expect(linkify(text).map((s) => s.text).join("")).toBe(text);
    }
  });

  test("a sentence's punctuation and an enclosing bracket are not part of the link", () => {
    expect(linkify("Read https://example.com/doc.")).toEqual([{ text: "Read " }, { text: "https://example.com/doc", href: "https://example.com/doc" }, { text: "." }]);
    expect(linkify("(at https://example.com/x)").map((s) => s.href).filter(Boolean)).toEqual(["https://example.com/x"]);
    expect(linkify("https://en.wikipedia.org/wiki/Foo_(bar)").map((s) => s.href)).toEqual(["https://en.wikipedia.org/wiki/Foo_(bar)"]);
  });

  test("a link hidden in a javascript: URL does not make it one", () => {
    const segments = linkify("javascript:fetch('https://evil.test')");
    expect(segments.every((s) => !s.href || s.href.startsWith("https://"))).toBe(true);
    expect(segments.map((s) => s.text).join("")).toBe("javascript:fetch('https://evil.test')");
  });
});
