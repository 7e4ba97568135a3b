import { afterAll, beforeAll, expect, test } from "bun:test";
import { schema } from "../../../src/db/index.ts";
import { createS3BlobStore } from "../../../src/storage/index.ts";
import { createTestApp, type TestApp } from "../../helpers/app.ts";
import { startTestS3 } from "../../helpers/s3.ts";

let s3: Awaited<ReturnType<typeof startTestS3>>;
let t: TestApp;
beforeAll(async () => {
  s3 = await startTestS3();
  t = await createTestApp("pglite", { blobs: createS3BlobStore(s3.options) });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await s3?.cleanup();
});

test("with S3, the media endpoint redirects to a short-lived presigned URL that plays; deleting the recording deletes the object", async () => {
  const owner = await t.signedUp("s3owner");
  const meeting = (await owner.post("/api/meetings", { title: "Stored in S3" })).body.meeting;
  const key = `recordings/${meeting.id}.webm`;
  await t.blobs.put(key, new Uint8Array([26, 69, 223, 163, 1, 2, 3]), "video/webm");
  const [rec] = await t.database.db
    .insert(schema.recordings)
    .values({ meetingId: meeting.id, title: "S3 take", status: "ready", blobKey: key, mime: "video/webm", bytes: 7, durationMs: 1000, startedBy: owner.user.id })
    .returning();

  const res = await owner.get(`/api/recordings/${rec!.id}/media`);
  expect(res.status).toBe(302);
  const location = res.headers.get("location")!;
  expect(location).toStartWith(s3.endpoint);
  expect(location).toContain("X-Amz-Expires=300");
  const played = await fetch(location, { headers: { range: "bytes=0-3" } });
  expect(played.status).toBe(206);
  expect([...new Uint8Array(await played.arrayBuffer())]).toEqual([26, 69, 223, 163]);

  expect(await t.blobs.head(key)).not.toBeNull();
  expect((await owner.del(`/api/recordings/${rec!.id}`)).status).toBe(204);
  expect(await t.blobs.head(key)).toBeNull();
});
