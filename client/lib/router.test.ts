import { expect, test } from "bun:test";
import { matchRoute } from "./router.ts";

test("patterns match whole paths and decode their params", () => {
  expect(matchRoute("/m/:code", "/m/k7fq-xm3t-rpzw")).toEqual({ code: "k7fq-xm3t-rpzw" });
  expect(matchRoute("/teams/:id", "/teams/a%20b/")).toEqual({ id: "a b" });
  expect(matchRoute("/", "/")).toEqual({});
  expect(matchRoute("/m/:code", "/m")).toBeNull();
  expect(matchRoute("/m/:code", "/m/a/b")).toBeNull();
  expect(matchRoute("/teams", "/team")).toBeNull();
});
