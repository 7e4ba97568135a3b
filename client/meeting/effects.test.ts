import { describe, expect, test } from "bun:test";
import { createManualClock } from "../../tests/helpers/clock.ts";
import type { TrackProcessor } from "../lazy/effects-types.ts";
import { createEffects, type EffectName } from "./effects.ts";
import { createFakeRtc, createSocketFactory, FakeStream, FakeTrack } from "./fakes.ts";
import { createRoomState } from "./room-state.ts";

const CODE = "k7fq-xm3t-rpzw";
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

/** Effects whose parts resolve when the test says so; each processed track and whether it was stopped. */
function fakeParts() {
  const started: { name: EffectName; source: FakeTrack; out: FakeTrack; stopped: boolean }[] = [];
  const pending: { resolve(): void; reject(err: Error): void }[] = [];
  const make = (name: EffectName) => (source: MediaStreamTrack) =>
    new Promise<TrackProcessor>((resolve, reject) => {
      const entry = { name, source: source as unknown as FakeTrack, out: new FakeTrack(name === "blur" ? "video" : "audio"), stopped: false };
      pending.push({
        resolve: () => {
          started.push(entry);
          resolve({ track: entry.out as unknown as MediaStreamTrack, stop: () => void ((entry.stopped = true), entry.out.stop()) });
        },
        reject,
      });
    });
  return { started, pending, start: { blur: make("blur"), noise: make("noise") } };
}

function joinedRoom(parts: ReturnType<typeof fakeParts>, prefs = { blur: false, noise: false }) {
  const sockets = createSocketFactory();
  const rtc = createFakeRtc();
  const saved: unknown[] = [];
  const errors: string[] = [];
  const effects = createEffects({ start: parts.start, prefs, save: (p) => void saved.push(p), onError: (m) => void errors.push(m) });
  const room = createRoomState({ code: CODE, name: "Ada", url: "ws://meet.test/x", socketFactory: sockets.factory, rtc: rtc.rtc, clock: createManualClock(), effects });
  return { sockets, rtc, room, saved, errors };
}

async function live(t: ReturnType<typeof joinedRoom>) {
  t.sockets.last.open();
  t.sockets.last.receive({
    type: "welcome",
    self: { id: "p-ada", name: "Ada", userId: null, role: "guest", audioMutedBy: null, audioMuted: false, videoMuted: false, handRaised: false, handRaisedAt: null, publishing: { camera: false, screen: false }, connection: "live" },
    participants: [],
    iceServers: [],
    recording: null,
    media: { available: true },
    chat: [],
    resumeToken: "r",
    meeting: { code: CODE, title: "T", teamId: null, canRename: false },
    settings: { lobby: false, locked: false, selfUnmute: true },
  });
  await flush();
  const publish = t.sockets.last.sentOfType("media.publish")[0]!;
  t.sockets.last.receive({ type: "media.answer", kind: "camera", sdp: "v=0 answer", id: publish.id });
  await flush();
  return t.rtc.pcs[0]!;
}

const senderTracks = (pc: { getSenders(): { track: FakeTrack | null }[] }) => pc.getSenders().map((s) => s.track);

describe("background blur and noise suppression in the room", () => {
  test("switched on mid-meeting: the processed track replaces the sent one (no new publish) and shows locally; off: the microphone again, the processing stopped", async () => {
    const parts = fakeParts();
    const t = joinedRoom(parts);
    const pc = await live(t);
    const [mic, cam] = [t.rtc.captured[0]!.getAudioTracks()[0]!, t.rtc.captured[0]!.getVideoTracks()[0]!];
    expect(senderTracks(pc)).toEqual([mic, cam]);

    t.room.setEffect("noise", true);
    expect(t.room.noise.value).toBe("loading");
    expect(t.saved).toEqual([{ blur: false, noise: true }]);
    parts.pending[0]!.resolve();
    await flush();
    const processed = parts.started[0]!;
    expect(processed.source).toBe(mic);
    expect(t.room.noise.value).toBe("on");
    expect(senderTracks(pc)).toEqual([processed.out, cam]);
    expect(pc.replaced).toEqual([processed.out]);
    expect(t.room.localStream.value!.getAudioTracks()).toEqual([processed.out as unknown as MediaStreamTrack]);
    // Swapped in place: one publish in all.
    expect(t.sockets.last.sentOfType("media.publish")).toHaveLength(1);
    expect(t.rtc.pcs).toHaveLength(1);

    // Muting reaches the processed track too.
    t.room.toggleMic();
    expect(processed.out.enabled).toBe(false);
    t.room.toggleMic();

    t.room.setEffect("noise", false);
    await flush();
    expect(t.room.noise.value).toBe("off");
    expect(processed.stopped).toBe(true);
    expect(senderTracks(pc)).toEqual([mic, cam]);
    expect(mic.readyState).toBe("live");
    expect(t.room.localStream.value!.getAudioTracks()).toEqual([mic as unknown as MediaStreamTrack]);
    t.room.dispose();
  });

  test("remembered as on: blur starts on the captured camera by itself; leaving stops it", async () => {
    const parts = fakeParts();
    const t = joinedRoom(parts, { blur: true, noise: false });
    const pc = await live(t);
    expect(t.room.blur.value).toBe("loading");
    parts.pending[0]!.resolve();
    await flush();
    const blurred = parts.started[0]!;
    expect(blurred.source).toBe(t.rtc.captured[0]!.getVideoTracks()[0]!);
    expect(senderTracks(pc)[1]).toBe(blurred.out);
    t.room.leave();
    expect(blurred.stopped).toBe(true);
  });

  test("a part that fails to load: told once, switched off, the plain track stays", async () => {
    const parts = fakeParts();
    const t = joinedRoom(parts);
    const pc = await live(t);
    t.room.setEffect("blur", true);
    parts.pending[0]!.reject(new Error("404"));
    await flush();
    expect(t.room.blur.value).toBe("off");
    expect(t.room.error.value).toBe("Background blur could not be started, so your camera is sent as it is");
    expect(senderTracks(pc)[1]).toBe(t.rtc.captured[0]!.getVideoTracks()[0]!);
    t.room.dispose();
  });

  test("switched off while still loading: the late processor is stopped, never sent", async () => {
    const parts = fakeParts();
    const t = joinedRoom(parts);
    const pc = await live(t);
    t.room.setEffect("blur", true);
    t.room.setEffect("blur", false);
    parts.pending[0]!.resolve();
    await flush();
    expect(parts.started[0]!.stopped).toBe(true);
    expect(pc.replaced).toEqual([]);
    t.room.dispose();
  });

  test("the pre-join screen's effects carry over to the room without restarting", async () => {
    const parts = fakeParts();
    const effects = createEffects({ start: parts.start, prefs: { blur: true, noise: false }, save: () => {}, onError: () => {} });
    const stream = new FakeStream([new FakeTrack("audio"), new FakeTrack("video")]) as unknown as MediaStream;
    const preview: (MediaStreamTrack | null)[] = [];
    effects.attach(stream, (kind, track) => kind === "video" && preview.push(track));
    parts.pending[0]!.resolve();
    await flush();
    expect(preview).toEqual([parts.started[0]!.out as unknown as MediaStreamTrack]);
    const sockets = createSocketFactory();
    const rtc = createFakeRtc();
    const room = createRoomState({ code: CODE, name: "Ada", url: "ws://meet.test/x", socketFactory: sockets.factory, rtc: rtc.rtc, clock: createManualClock(), stream, effects });
    const pc = await live({ sockets, rtc, room, saved: [], errors: [] });
    expect(parts.pending).toHaveLength(1);
    expect(senderTracks(pc)[1]).toBe(parts.started[0]!.out);
    room.dispose();
    expect(parts.started[0]!.stopped).toBe(true);
  });
});
