/**
 * The Janus adapter and the embedded-Janus launcher against a real Janus (no browser, so no media
 * flows: publishers answer canned offers whose only candidate is an mDNS name Janus ignores, and
 * nothing is ever sent anywhere). What needs live media is in live-media.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Janode, { type JanodeConnection } from "janode";
import VideoRoomPlugin, { type VideoRoomHandle } from "janode/plugins/videoroom";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { AppError } from "../../../src/errors.ts";
import {
  createJanusMediaServer,
  startEmbeddedJanus,
  type EmbeddedJanus,
  type JanusMediaServer,
  type MediaEvent,
} from "../../../src/media/index.ts";
import { eventually } from "../../helpers/eventually.ts";
import { chromeLikeOffer } from "./chrome-offer.ts";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const hasJanus = Bun.which("janus") !== null;

/** Whether `pid` is a running process (a zombie waiting for its reaper counts as gone). */
function running(pid: number) {
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected a rejection");
}

describe("without a running Janus", () => {
  test("a missing binary resolves to a clear message instead of throwing", async () => {
    const work = mkdtempSync(join(tmpdir(), "dictate-janus-missing-"));
    try {
      const result = await startEmbeddedJanus({ bin: join(work, "no-such-janus"), workDir: work, logger });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toContain("Janus is not installed");
      if (!result.ok) expect(result.message).toContain("apt-get install janus");
      const byName = await startEmbeddedJanus({ bin: "dictate-no-such-janus-binary", workDir: work, logger });
      expect(byName).toMatchObject({ ok: false, message: expect.stringContaining("Janus is not installed") });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test("an unreachable Janus leaves media unavailable, refuses rooms with UNAVAILABLE, and close() stops the retries", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = listener.port;
    listener.stop(true);
    const media = createJanusMediaServer({ url: `ws://127.0.0.1:${port}`, logger, reconnect: { minMs: 20, maxMs: 50 }, requestTimeoutMs: 1000 });
    expect(await media.ready(500)).toBe(false);
    expect(media.available).toBe(false);
    expect((await rejection(media.openRoom("nowhere"))).code).toBe("UNAVAILABLE");
    await Bun.sleep(150); // a few retries go by
    await media.close();
    expect((await rejection(media.openRoom("nowhere"))).code).toBe("UNAVAILABLE");
  });

  test.skipIf(!hasJanus)("a Janus without its plugins resolves to a clear message", async () => {
    const work = mkdtempSync(join(tmpdir(), "dictate-janus-nolibs-"));
    try {
      const result = await startEmbeddedJanus({ bin: "janus", workDir: work, libDir: join(work, "nothing-here"), logger });
      expect(result).toMatchObject({ ok: false, message: expect.stringContaining("libjanus_videoroom.so") });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasJanus)("Janus adapter on an embedded Janus", () => {
  let work: string;
  let janus: EmbeddedJanus;
  let media: JanusMediaServer;
  /** An independent janode client that looks at Janus's state from the outside. */
  let observer: { connection: JanodeConnection; handle: VideoRoomHandle };
  const statuses: boolean[] = [];

  const openObserver = async () => {
    const connection = await Janode.connect({ address: { url: janus.url, apisecret: janus.apiSecret }, retry_time_secs: 0, max_retries: 0 });
    const session = await connection.create();
    return { connection, handle: await session.attach(VideoRoomPlugin) };
  };
  const participantsIn = async (room: number) =>
    ((await observer.handle.message({ request: "listparticipants", room })).plugindata.data.participants ?? []) as {
      id: number;
      display?: string;
      publisher: boolean;
    }[];
  const roomInfo = async (room: number) =>
    ((await observer.handle.message({ request: "list" })).plugindata.data.list as { room: number; record: boolean; rec_dir?: string }[]).find(
      (r) => r.room === room,
    );

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "dictate-janus-"));
    const started = await startEmbeddedJanus({ bin: "janus", workDir: join(work, "janus"), logger, restartBackoff: { minMs: 50, maxMs: 200 } });
    if (!started.ok) throw new Error(started.message);
    janus = started.janus;
    media = createJanusMediaServer({ url: () => janus.url, apiSecret: janus.apiSecret, logger, reconnect: { minMs: 50, maxMs: 300 }, requestTimeoutMs: 5000 });
    media.onStatus((up) => statuses.push(up));
    expect(await media.ready()).toBe(true);
    expect(media.available).toBe(true);
    observer = await openObserver();
  });

  afterAll(async () => {
    await observer?.connection.close().catch(() => undefined);
    await media?.close();
    await janus?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("the generated config loads only the VideoRoom plugin and the WebSockets transport, on loopback", () => {
    expect(janus.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const conf = join(work, "janus", "conf");
    expect(readFileSync(join(conf, "janus.transport.websockets.jcfg"), "utf8")).toContain('ws_ip = "127.0.0.1"');
    expect(readFileSync(join(conf, "janus.jcfg"), "utf8")).toContain('rtp_port_range = "20000-20200"');
    expect(readFileSync(join(conf, "janus.jcfg"), "utf8")).not.toContain("@");
    expect(existsSync(join(work, "janus", "plugins", "libjanus_videoroom.so"))).toBe(true);
    expect(existsSync(join(work, "janus", "transports", "libjanus_websockets.so"))).toBe(true);
  });

  test("the embedded Janus has a random api_secret: a request without it, or with another, is refused", async () => {
    expect(janus.apiSecret).toMatch(/^[0-9a-f]{32,}$/);
    expect(readFileSync(join(work, "janus", "conf", "janus.jcfg"), "utf8")).toContain(`api_secret = "${janus.apiSecret}"`);
    const ask = (body: Record<string, unknown>) =>
      new Promise<{ janus: string; error?: { code: number } }>((resolve, reject) => {
        const ws = new WebSocket(janus.url, "janus-protocol");
        const timer = setTimeout(() => reject(new Error("no answer from Janus")), 5000);
        ws.onopen = () => ws.send(JSON.stringify({ transaction: crypto.randomUUID(), ...body }));
        ws.onmessage = (e) => {
          clearTimeout(timer);
          ws.close();
          resolve(JSON.parse(String(e.data)));
        };
        ws.onerror = () => reject(new Error("websocket error"));
      });
    for (const body of [{ janus: "create" }, { janus: "create", apisecret: "not-the-secret" }]) {
      const refused = await ask(body);
      expect(refused.janus).toBe("error");
      expect(refused.error?.code).toBe(403);
    }
    const created = (await ask({ janus: "create", apisecret: janus.apiSecret })) as { janus: string; data?: { id: number } };
    expect(created.janus).toBe("success");
    await ask({ janus: "destroy", session_id: created.data!.id, apisecret: janus.apiSecret });
  });

  test("each room has a random secret: another client on the API cannot destroy it or turn recording on", async () => {
    const room = await media.openRoom("room-secret-code");
    // Janus answers 429 without a secret and 433 with a wrong one; janode may reject with it or resolve with it in plugindata.
    const refusal = (request: Record<string, unknown>) =>
      observer.handle.message(request).then(
        (res: { plugindata?: { data?: { error_code?: number; error?: string } } }) => `${res.plugindata?.data?.error_code ?? "ok"} ${res.plugindata?.data?.error ?? ""}`,
        (err: Error) => err.message,
      );
    expect(await refusal({ request: "destroy", room: room.janusRoomId })).toMatch(/^429 Missing mandatory element \(secret\)/);
    expect(await refusal({ request: "destroy", room: room.janusRoomId, secret: "guessed" })).toMatch(/^433 Unauthorized/);
    expect(await refusal({ request: "enable_recording", room: room.janusRoomId, record: true })).toMatch(/^429 /);
    expect(await refusal({ request: "enable_recording", room: room.janusRoomId, record: true, secret: "guessed" })).toMatch(/^433 /);
    expect(await roomInfo(room.janusRoomId)).toMatchObject({ room: room.janusRoomId, record: false });
    // The adapter, holding the secret, still manages it.
    await room.setRecording(true, join(work, "rec-secret"));
    expect((await roomInfo(room.janusRoomId))?.record).toBe(true);
    await room.setRecording(false, join(work, "rec-secret"));
    await room.destroy();
    expect(await roomInfo(room.janusRoomId)).toBeUndefined();
  });

  test("publishing a camera answers the offer with Opus and VP8 and a complete candidate list", async () => {
    const [room, same] = await Promise.all([media.openRoom("pub-test-code"), media.openRoom("pub-test-code")]);
    expect(same).toBe(room);
    expect(Number.isSafeInteger(room.janusRoomId)).toBe(true);
    const events: MediaEvent[] = [];
    room.onEvent((e) => events.push(e));

    const { answerSdp, feedId } = await room.publish("ana", "camera", chromeLikeOffer(1), "Ana");
    expect(Number.isSafeInteger(feedId) && feedId > 0).toBe(true);
    expect(answerSdp.startsWith("v=0")).toBe(true);
    expect(answerSdp).toContain("a=setup:active");
    expect(answerSdp).toMatch(/m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111/);
    expect(answerSdp).toContain("a=rtpmap:111 opus/48000/2");
    expect(answerSdp).toContain("a=rtpmap:96 VP8/90000");
    expect(answerSdp).toContain("a=recvonly");
    expect(answerSdp).toContain("a=end-of-candidates");
    expect(answerSdp).toMatch(/a=fingerprint:sha-256 [0-9A-F:]+/);

    // (Janus lists it as a participant; "publisher" turns true only once media flows.)
    expect(await participantsIn(room.janusRoomId)).toEqual([expect.objectContaining({ id: feedId, display: "Ana" })]);

    // Publishing the same kind again replaces the feed.
    const again = await room.publish("ana", "camera", chromeLikeOffer(2), "Ana");
    expect(again.feedId).not.toBe(feedId);
    expect(events).toContainEqual({ type: "feed-down", feedId, participantId: "ana", kind: "camera" });
    const screen = await room.publish("ana", "screen", chromeLikeOffer(3), "Ana (screen)");
    await eventually(async () => expect((await participantsIn(room.janusRoomId)).map((p) => p.id).sort()).toEqual([again.feedId, screen.feedId].sort()));

    await room.unpublish("ana", "screen");
    expect(events).toContainEqual({ type: "feed-down", feedId: screen.feedId, participantId: "ana", kind: "screen" });
    await eventually(async () => expect((await participantsIn(room.janusRoomId)).map((p) => p.id)).toEqual([again.feedId]));
    await room.unpublish("ana", "screen"); // nothing published: a no-op

    await room.leave("ana");
    expect(events.filter((e) => e.type === "feed-down").map((e) => (e as { feedId: number }).feedId)).toEqual([feedId, screen.feedId, again.feedId]);
    await eventually(async () => expect(await participantsIn(room.janusRoomId)).toEqual([]));
    await room.leave("ana"); // idempotent
    await room.destroy();
  });

  test("a host's mute: Janus accepts moderate on the camera's audio, and a camera published later starts muted", async () => {
    const room = await media.openRoom("moderate-test-code");
    await room.publish("gus", "camera", chromeLikeOffer(11), "Gus");
    await room.muteAudio("gus", true);
    await room.muteAudio("gus", true); // idempotent
    // Republishing while muted sends moderate again for the new feed (it would throw if Janus refused it).
    await room.publish("gus", "camera", chromeLikeOffer(12), "Gus");
    await room.muteAudio("gus", false);
    await room.muteAudio("nobody", true); // nothing published yet: only remembered
    await room.leave("gus");
    await room.destroy();
  });

  test("Janus's refusals become AppErrors", async () => {
    const room = await media.openRoom("refusals-code");
    const bad = await rejection(room.publish("ben", "camera", "this is not sdp", "Ben"));
    expect(bad.code).toBe("INVALID_ARGUMENT");
    expect(bad.message).toContain("Invalid SDP");
    expect((await rejection(room.publish("ben", "camera", "", "Ben"))).code).toBe("INVALID_ARGUMENT");

    // A publisher whose WebRTC is not up cannot be subscribed to (Janus: 428).
    const { feedId } = await room.publish("ben", "camera", chromeLikeOffer(4), "Ben");
    const notLive = await rejection(room.subscribe("cy", [feedId]));
    expect(notLive.code).toBe("NOT_FOUND");
    expect(notLive.message).toContain(`Feed ${feedId} is not live`);
    expect((await rejection(room.subscribe("cy", [424242]))).code).toBe("NOT_FOUND");
    expect((await rejection(room.subscribe("cy", [-1]))).code).toBe("INVALID_ARGUMENT");
    // Nothing to subscribe to and no subscriber yet: nothing to negotiate.
    expect(await room.subscribe("cy", [])).toBeNull();
    expect((await rejection(room.answer("cy", "v=0\r\n"))).code).toBe("NOT_FOUND");
    expect((await rejection(room.setRecording(true, "relative/dir"))).code).toBe("INVALID_ARGUMENT");
    await room.destroy();
  });

  test("recording toggles on the room and keyframes can be requested from every publisher", async () => {
    const room = await media.openRoom("recording-code");
    await room.publish("dee", "camera", chromeLikeOffer(5), "Dee");
    const dir = join(work, "recordings", "rec-1");
    await room.setRecording(true, dir);
    expect(await roomInfo(room.janusRoomId)).toMatchObject({ record: true, rec_dir: dir });
    await room.requestKeyframes();
    await room.setRecording(false, dir);
    expect(await roomInfo(room.janusRoomId)).toMatchObject({ record: false });
    await room.destroy();
  });

  test("destroy removes the Janus room and its participants; the closed room refuses calls; the key can be reopened", async () => {
    const room = await media.openRoom("destroy-code");
    const events: MediaEvent[] = [];
    room.onEvent((e) => events.push(e));
    const { feedId } = await room.publish("eve", "camera", chromeLikeOffer(6), "Eve");
    expect(await roomInfo(room.janusRoomId)).toBeDefined();

    await Promise.all([room.destroy(), room.destroy()]);
    expect(await roomInfo(room.janusRoomId)).toBeUndefined();
    expect(events).toEqual([{ type: "feed-down", feedId, participantId: "eve", kind: "camera" }]);
    expect((await rejection(room.publish("eve", "camera", chromeLikeOffer(7), "Eve"))).code).toBe("UNAVAILABLE");
    await room.leave("eve");

    const reopened = await media.openRoom("destroy-code");
    expect(reopened).not.toBe(room);
    expect(reopened.janusRoomId).not.toBe(room.janusRoomId);
    await reopened.destroy();
  });

  test("when Janus is killed the launcher restarts it and the adapter reconnects; old rooms are gone", async () => {
    const room = await media.openRoom("crash-code");
    await room.publish("fay", "camera", chromeLikeOffer(8), "Fay");
    const oldPid = janus.pid!;
    const url = janus.url;
    statuses.length = 0;
    await observer.connection.close().catch(() => undefined);

    process.kill(oldPid, "SIGKILL");
    await eventually(() => expect(statuses).toEqual([false, true]), { timeoutMs: 10_000 });
    expect(media.available).toBe(true);
    expect(janus.pid).not.toBeNull();
    expect(janus.pid).not.toBe(oldPid);
    expect(janus.url).toBe(url);

    expect((await rejection(room.publish("fay", "camera", chromeLikeOffer(9), "Fay"))).code).toBe("UNAVAILABLE");
    await room.destroy(); // harmless on a lost room

    observer = await openObserver();
    const fresh = await media.openRoom("crash-code");
    expect(fresh).not.toBe(room);
    const { feedId } = await fresh.publish("fay", "camera", chromeLikeOffer(10), "Fay");
    expect(await participantsIn(fresh.janusRoomId)).toEqual([expect.objectContaining({ id: feedId })]);
    await fresh.destroy();
  });

  test("a closed media server refuses to open rooms", async () => {
    const other = createJanusMediaServer({ url: janus.url, apiSecret: janus.apiSecret, logger });
    expect(await other.ready()).toBe(true);
    const room = await other.openRoom("closing-code");
    await other.close();
    expect(await roomInfo(room.janusRoomId)).toBeUndefined();
    expect((await rejection(other.openRoom("closing-code"))).code).toBe("UNAVAILABLE");
    expect(other.available).toBe(false);
  });
});

describe.skipIf(!hasJanus)("embedded Janus lifecycle", () => {
  test("stop() ends Janus and frees its port", async () => {
    const work = mkdtempSync(join(tmpdir(), "dictate-janus-stop-"));
    try {
      const started = await startEmbeddedJanus({ bin: "janus", workDir: work, logger });
      if (!started.ok) throw new Error(started.message);
      const pid = started.janus.pid!;
      await started.janus.stop();
      expect(started.janus.pid).toBeNull();
      expect(running(pid)).toBe(false);
      expect(existsSync(join(work, "janus.pid"))).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test("a Janus orphaned by an earlier run that was killed is stopped before a new one starts", async () => {
    const work = mkdtempSync(join(tmpdir(), "dictate-janus-orphan-"));
    let orphan = 0;
    try {
      // An earlier app process starts Janus, then dies without stopping it.
      const script = `import { startEmbeddedJanus } from ${JSON.stringify(join(import.meta.dir, "../../../src/media/index.ts"))};
        import pino from "pino";
        const r = await startEmbeddedJanus({ bin: "janus", workDir: ${JSON.stringify(work)}, logger: pino({ level: "silent" }) });
        console.log(JSON.stringify(r.ok ? { pid: r.janus.pid } : { error: r.message }));
        setInterval(() => {}, 1000);`;
      const earlier = Bun.spawn([process.execPath, "-e", script], { cwd: join(import.meta.dir, "../../.."), stdout: "pipe", stderr: "inherit" });
      const reader = earlier.stdout.getReader();
      const first = JSON.parse(new TextDecoder().decode((await reader.read()).value));
      expect(first.error).toBeUndefined();
      orphan = first.pid;
      earlier.kill("SIGKILL");
      await earlier.exited;
      expect(running(orphan)).toBe(true);

      const started = await startEmbeddedJanus({ bin: "janus", workDir: work, logger });
      if (!started.ok) throw new Error(started.message);
      expect(running(orphan)).toBe(false);
      await started.janus.stop();
    } finally {
      if (orphan && running(orphan)) process.kill(orphan, "SIGKILL");
      rmSync(work, { recursive: true, force: true });
    }
  });
});
