import { describe, expect, test } from "bun:test";
import { AppError } from "../errors.ts";
import { containsNul, MAX_JSON_DEPTH, parseJsonBody } from "./body.ts";

const post = (body: string, type: string | null = "application/json") =>
  new Request("http://localhost/api/x", { method: "POST", body, headers: type ? { "content-type": type } : {} });

async function refusal(request: Request, limit = 1024) {
  try {
    await parseJsonBody(request, limit);
  } catch (err) {
    if (err instanceof AppError) return { status: err.status, code: err.code, message: err.message };
    throw err;
  }
  throw new Error("accepted");
}


describe("containsNul", () => {
  test("finds NUL in strings and keys at any depth, iteratively", () => {
    expect(containsNul({ a: ["x", { b: "y\u0000" }] })).toBe(true);
    expect(containsNul({ "k\u0000": 1 })).toBe(true);
    expect(containsNul({ a: ["x", { b: "y" }], n: null, t: true })).toBe(false);
    let deep: unknown = "\u0000";
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(containsNul(deep)).toBe(true);
  });
});

describe("parseJsonBody", () => {
  test("parses JSON; null for no body", async () => {
    expect(await parseJsonBody(post('{"a":[1,"b"]}'), 1024)).toEqual({ a: [1, "b"] });
    expect(await parseJsonBody(new Request("http://localhost/api/x", { method: "DELETE" }), 1024)).toBeNull();
  });

  test("refuses what is too big, not JSON, malformed, too deep or holding NUL, each with its status", async () => {
    expect(await refusal(post(`{"a":"${"x".repeat(2000)}"}`))).toMatchObject({ status: 413, code: "INVALID_ARGUMENT" });
    expect(await refusal(post('{"a":1}', "text/plain"))).toMatchObject({ status: 400, code: "INVALID_ARGUMENT" });
    expect(await refusal(post('{"a":1}', null))).toMatchObject({ status: 400 });
    expect(await refusal(post('{"a":'))).toMatchObject({ status: 400, message: "The body is not valid JSON" });
    expect(await refusal(post(`${"[".repeat(MAX_JSON_DEPTH + 1)}${"]".repeat(MAX_JSON_DEPTH + 1)}`))).toMatchObject({ status: 400, message: expect.stringContaining("nested") });
    expect(await refusal(post('{"a":"\\u0000"}'))).toMatchObject({ status: 422 });
  });
});
