import { expect, test } from "bun:test";
import { parseMeetingCode } from "./meeting-code.ts";

test("a typed code, a code with spaces and a pasted link all give the code", () => {
  expect(parseMeetingCode("k7fq-xm3t-rpzw")).toBe("k7fq-xm3t-rpzw");
  expect(parseMeetingCode("  K7FQ XM3T RPZW ")).toBe("k7fq-xm3t-rpzw");
  expect(parseMeetingCode("k7fqxm3trpzw")).toBe("k7fq-xm3t-rpzw");
  expect(parseMeetingCode("https://meet.example.com/m/k7fq-xm3t-rpzw?x=1")).toBe("k7fq-xm3t-rpzw");
});

test("what cannot be a code is refused", () => {
  expect(parseMeetingCode("")).toBeNull();
  expect(parseMeetingCode("hello")).toBeNull();
  expect(parseMeetingCode("../../api/me")).toBeNull();
});
