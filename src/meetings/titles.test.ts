import { describe, expect, test } from "bun:test";
import { AppError } from "../errors.ts";
import { instantMeetingTitle, requireTimeZone, shortDateTime } from "./titles.ts";

describe("instant meeting titles", () => {
  const at = new Date("2026-12-02T18:14:09Z");

  test("are the starter's name and the local day and time in their zone", () => {
    expect(instantMeetingTitle("Ada Lovelace", at, "Europe/London")).toBe("Ada Lovelace's meeting, 2 Dec 18:14");
    expect(instantMeetingTitle("Ada Lovelace", at, "Europe/Berlin")).toBe("Ada Lovelace's meeting, 2 Dec 19:14");
    expect(instantMeetingTitle("Ada", at, "America/Los_Angeles")).toBe("Ada's meeting, 2 Dec 10:14");
    // Past midnight in the starter's zone: their date, not the server's.
    expect(instantMeetingTitle("Ada", at, "Asia/Tokyo")).toBe("Ada's meeting, 3 Dec 03:14");
    expect(instantMeetingTitle("Ada", at, "Asia/Kolkata")).toBe("Ada's meeting, 2 Dec 23:44");
  });

  test("say UTC when the zone is not known", () => {
    expect(instantMeetingTitle("Ada", at)).toBe("Ada's meeting, 2 Dec 18:14 UTC");
    expect(shortDateTime(new Date("2026-09-05T07:03:00Z"))).toBe("5 Sep 07:03 UTC");
    expect(shortDateTime(new Date("2026-01-01T00:00:00Z"), "UTC")).toBe("1 Jan 00:00");
  });

  test("stay within a title's 200 characters", () => {
    const long = "x".repeat(300);
    const title = instantMeetingTitle(long, at, "UTC");
    expect([...title].length).toBeLessThanOrEqual(200);
    expect(title.endsWith("…'s meeting, 2 Dec 18:14")).toBe(true);
  });
});

describe("requireTimeZone", () => {
  test.each(["Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5", "Asia/Kolkata"])("accepts %s", (zone) => {
    expect(requireTimeZone(zone)).toBeString();
  });

  test.each(["Mars/Olympus_Mons", "Europe/Berlin; drop table", "../../etc/passwd", "", "a".repeat(65), "Europe/Nowhere", "+05:00"])("refuses %p with a 422 on timeZone", (zone) => {
    let caught: unknown;
    try {
      requireTimeZone(zone);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).status).toBe(422);
    expect((caught as AppError).fields?.timeZone).toBeString();
  });
});
