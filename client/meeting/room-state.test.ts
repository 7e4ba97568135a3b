import { describe, expect, test } from "bun:test";
import { createManualClock } from "../../tests/helpers/clock.ts";
import { createFakeRtc, createSocketFactory, fakeOffer, layerMark, type FakePeerConnection, type FakeStream } from "./fakes.ts";
import type { Participant } from "./protocol.ts";
import { createRoomState, type RoomStateDeps } from "./room-state.ts";

const CODE = "k7fq-xm3t-rpzw";

function participant(id: string, name: string, over: Partial<Participant> = {}): Participant {
  return { id, name, userId: null, role: "guest", audioMutedBy: null, audioMuted: false, videoMuted: false, handRaised: false, handRaisedAt: null, publishing: { camera: false, screen: false }, connection: "live", ...over };
}

const ada = participant("p-ada", "Ada");
const bob = participant("p-bob", "Bob");
const cy = participant("p-cy", "Cy");

function welcome(self: Participant, others: Participant[] = [], over: Record<string, unknown> = {}) {
  return {
    type: "welcome",
    self,
    participants: [self, ...others],
    iceServers: [{ urls: "turn:turn.example:3478", username: "u", credential: "c" }],
    recording: null,
    media: { available: true },
    chat: [],
    resumeToken: "resume-1",
    meeting: { code: CODE, title: "Standup", teamId: null },
    settings: { lobby: false, locked: false, selfUnmute: true },
    ...over,
  };
}

/** Lets promise chains (capture, offer, gathering) run. */
async function flush() {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

function setup(over: Partial<RoomStateDeps> = {}) {
  const clock = createManualClock();
  const sockets = createSocketFactory();
  const rtc = createFakeRtc();
  const room = createRoomState({
    code: CODE,
    name: "Ada",
    url: `ws://meet.test/ws/meetings/${CODE}`,
    socketFactory: sockets.factory,
    rtc: rtc.rtc,
    clock,
    connection: { keepalive: { intervalMs: 15_000, timeoutMs: 5_000 }, backoff: { minMs: 100, maxMs: 1_000 } },
    ...over,
  });
  return { clock, sockets, rtc, room };
}

/** Joins as Ada with `others` present, and completes the camera publish. */
async function joined(others: Participant[] = [], over: Partial<RoomStateDeps> = {}) {
  const t = setup(over);
  t.sockets.last.open();
  t.sockets.last.receive(welcome(ada, others));
  await flush();
  const publish = t.sockets.last.sentOfType("media.publish")[0]!;
  t.sockets.last.receive({ type: "media.answer", kind: "camera", sdp: "v=0 camera-answer", id: publish.id });
  await flush();
  return { ...t, cameraPc: t.rtc.pcs[0]! };
}

describe("joining", () => {
  test("says hello with the name, and is live with everyone once welcomed", () => {
    const { sockets, room } = setup();
    expect(room.status.value).toBe("connecting");
    expect(sockets.last.url).toBe(`ws://meet.test/ws/meetings/${CODE}`);
    sockets.last.open();
    expect(sockets.last.sent).toEqual([{ type: "hello", name: "Ada" }]);
    sockets.last.receive(welcome(ada, [bob]));
    expect(room.status.value).toBe("live");
    expect(room.self.value?.id).toBe("p-ada");
    expect(room.participants.value.map((p) => p.name)).toEqual(["Ada", "Bob"]);
    expect(room.meeting.value?.title).toBe("Standup");
    expect(room.mediaAvailable.value).toBe(true);
    room.dispose();
  });

  test("captures the camera and publishes it on a sendonly PeerConnection with the welcome's ICE servers", async () => {
    const { sockets, rtc, room, cameraPc } = await joined([bob]);
    expect(rtc.captured).toHaveLength(1);
    expect(room.localStream.value).toBe(rtc.captured[0] as unknown as MediaStream);
    const publish = sockets.last.sentOfType("media.publish");
    expect(publish).toHaveLength(1);
    expect(publish[0]).toMatchObject({ kind: "camera", sdp: expect.stringContaining("m=audio") });
    expect(cameraPc.config.iceServers).toEqual([{ urls: "turn:turn.example:3478", username: "u", credential: "c" }]);
    expect(cameraPc.transceivers.map((t) => [t.direction, t.sender.track?.kind])).toEqual([
      ["sendonly", "audio"],
      ["sendonly", "video"],
    ]);
    // The answer is applied to the PeerConnection that made the offer.
    expect(cameraPc.remoteDescription).toEqual({ type: "answer", sdp: "v=0 camera-answer" });
    room.dispose();
  });

  test("sends its offer when ICE gathering stalls, after the timeout", async () => {
    const t = setup({ gatherTimeoutMs: 2_000 });
    const create = t.rtc.rtc.createPeerConnection;
    t.rtc.rtc.createPeerConnection = (config) => {
      const pc = create(config) as unknown as FakePeerConnection;
      pc.stallGathering = true;
      return pc as unknown as RTCPeerConnection;
    };
    t.sockets.last.open();
    t.sockets.last.receive(welcome(ada));
    await flush();
    expect(t.sockets.last.sentOfType("media.publish")).toHaveLength(0);
    t.clock.advance(2_000);
    await flush();
    expect(t.sockets.last.sentOfType("media.publish")).toHaveLength(1);
    t.room.dispose();
  });

  test("leaving while ICE gathering stalls leaves no timer behind", async () => {
    const t = setup({ gatherTimeoutMs: 2_000 });
    const create = t.rtc.rtc.createPeerConnection;
    t.rtc.rtc.createPeerConnection = (config) => {
      const pc = create(config) as unknown as FakePeerConnection;
      pc.stallGathering = true;
      return pc as unknown as RTCPeerConnection;
    };
    t.sockets.last.open();
    t.sockets.last.receive(welcome(ada));
    await flush();
    t.room.leave();
    await flush();
    expect(t.clock.pending()).toBe(0);
    expect(t.sockets.last.sentOfType("media.publish")).toHaveLength(0);
  });

  test("a guest refused at hello ends closed, with the server's reason", () => {
    const { sockets, room } = setup({ name: undefined });
    sockets.last.open();
    expect(sockets.last.sent).toEqual([{ type: "hello" }]);
    sockets.last.receive({ type: "error", code: "INVALID_ARGUMENT", message: "Guests must give a name" });
    expect(room.status.value).toBe("closed");
    expect(room.closedReason.value).toBe("refused");
    expect(room.error.value).toBe("Guests must give a name");
  });

  test("with media unavailable it shows the camera locally but publishes nothing", async () => {
    const { sockets, rtc, room } = setup();
    sockets.last.open();
    sockets.last.receive(welcome(ada, [], { media: { available: false } }));
    await flush();
    expect(room.mediaAvailable.value).toBe(false);
    expect(room.localStream.value).not.toBeNull();
    expect(rtc.pcs).toHaveLength(0);
    expect(sockets.last.sentOfType("media.publish")).toHaveLength(0);
    room.dispose();
  });

  test("media coming back while the camera is still being captured publishes once the capture is done", async () => {
    const { sockets, room } = setup();
    sockets.last.open();
    sockets.last.receive(welcome(ada, [], { media: { available: false } }));
    sockets.last.receive({ type: "media.restart", available: true });
    await flush();
    expect(room.mediaAvailable.value).toBe(true);
    expect(sockets.last.sentOfType("media.publish").map((m) => m.kind)).toEqual(["camera"]);
    room.dispose();
  });

  test("without a camera it joins with the microphone alone and says so", async () => {
    const t = setup();
    t.rtc.failUserMedia = { name: "NotFoundError", when: (c) => !!c.video };
    t.sockets.last.open();
    t.sockets.last.receive(welcome(ada));
    await flush();
    expect(t.room.localStream.value?.getVideoTracks()).toHaveLength(0);
    expect(t.room.localStream.value?.getAudioTracks()).toHaveLength(1);
    expect(t.room.error.value).toBe("Your camera is not available");
    expect(t.sockets.last.sentOfType("media.publish")).toHaveLength(1);
    t.room.dispose();
  });
});

describe("participants", () => {
  test("joins, updates and leaves show in the list and the tiles", async () => {
    const { sockets, room } = await joined([bob]);
    sockets.last.receive({ type: "participant.joined", participant: cy });
    expect(room.tiles.value.map((t) => [t.participant.name, t.kind, t.isSelf])).toEqual([
      ["Ada", "camera", true],
      ["Bob", "camera", false],
      ["Cy", "camera", false],
    ]);
    sockets.last.receive({ type: "participant.updated", participant: { ...bob, audioMuted: true } });
    expect(room.participants.value.find((p) => p.id === "p-bob")?.audioMuted).toBe(true);
    sockets.last.receive({ type: "speaking", participantId: "p-cy" });
    expect(room.speaking.value).toBe("p-cy");
    expect(room.tiles.value.find((t) => t.participant.id === "p-cy")?.speaking).toBe(true);
    sockets.last.receive({ type: "participant.left", participant: cy });
    expect(room.participants.value.map((p) => p.name)).toEqual(["Ada", "Bob"]);
    expect(room.speaking.value).toBeNull();
    room.dispose();
  });
});

describe("receiving media", () => {
  test("answers each offer on one recvonly PeerConnection and groups tracks by participant and kind", async () => {
    const { sockets, rtc, room } = await joined([bob, cy]);
    sockets.last.receive({
      type: "media.offer",
      sdp: fakeOffer("janus-1", [["0", "audio"], ["1", "video"], ["2", "audio"], ["3", "video"]]),
      streams: {
        "0": { participantId: "p-bob", kind: "camera", media: "audio" },
        "1": { participantId: "p-bob", kind: "camera", media: "video" },
        "2": { participantId: "p-cy", kind: "camera", media: "audio" },
        "3": { participantId: "p-cy", kind: "camera", media: "video" },
      },
    });
    await flush();
    const sub = rtc.pcs[1]!;
    expect(sub.remoteDescription?.type).toBe("offer");
    const answer = sockets.last.sentOfType("media.answer");
    expect(answer).toHaveLength(1);
    expect(answer[0]!.sdp).toBe(sub.localDescription!.sdp);
    const bobStream = room.remoteStreams.value.get("p-bob")?.camera as unknown as FakeStream;
    expect(bobStream.getTracks().map((t) => t.kind).sort()).toEqual(["audio", "video"]);
    expect(bobStream.getTracks()).toEqual([sub.transceivers[0]!.receiver.track, sub.transceivers[1]!.receiver.track]);
    expect(room.tiles.value.find((t) => t.participant.id === "p-cy")?.stream).toBe(room.remoteStreams.value.get("p-cy")!.camera!);
    sockets.last.receive({ type: "ack", id: answer[0]!.id });

    // A renegotiation on the same SFU handle: same PeerConnection, Bob's stream object unchanged,
    // and Bob's screen shows up as a tile of its own.
    sockets.last.receive({
      type: "media.offer",
      sdp: fakeOffer("janus-1", [["0", "audio"], ["1", "video"], ["2", "audio"], ["3", "video"], ["4", "video"]]),
      streams: {
        "0": { participantId: "p-bob", kind: "camera", media: "audio" },
        "1": { participantId: "p-bob", kind: "camera", media: "video" },
        "2": { participantId: "p-cy", kind: "camera", media: "audio" },
        "3": { participantId: "p-cy", kind: "camera", media: "video" },
        "4": { participantId: "p-bob", kind: "screen", media: "video" },
      },
    });
    await flush();
    expect(rtc.pcs).toHaveLength(2);
    expect(room.remoteStreams.value.get("p-bob")?.camera as unknown).toBe(bobStream);
    expect(room.remoteStreams.value.get("p-bob")?.screen?.getVideoTracks()).toHaveLength(1);
    expect(room.tiles.value.map((t) => `${t.participant.name}:${t.kind}`)).toEqual(["Ada:camera", "Bob:camera", "Cy:camera", "Bob:screen"]);
    room.dispose();
  });

  test("an offer from a new SFU handle (new ICE username) gets a new PeerConnection", async () => {
    const { sockets, rtc, room } = await joined([bob]);
    const streams = { "0": { participantId: "p-bob", kind: "camera", media: "video" } };
    sockets.last.receive({ type: "media.offer", sdp: fakeOffer("janus-1", [["0", "video"]]), streams });
    await flush();
    const first = rtc.pcs[1]!;
    sockets.last.receive({ type: "ack", id: sockets.last.sentOfType("media.answer")[0]!.id });
    sockets.last.receive({ type: "media.offer", sdp: fakeOffer("janus-2", [["0", "video"]]), streams });
    await flush();
    expect(first.signalingState).toBe("closed");
    expect(rtc.pcs[2]!.remoteDescription?.sdp).toContain("janus-2");
    expect(sockets.last.sentOfType("media.answer")).toHaveLength(2);
    room.dispose();
  });
});

describe("camera layers (media.layers)", () => {
  const active = (pc: FakePeerConnection) =>
    pc.transceivers
      .find((t) => t.sender.track?.kind === "video")!
      .sender.encodings.map(layerMark)
      .join(" ");

  test("the encodings above the highest layer anyone receives are kept warm (the smallest size, 60 kbit/s), and come back whole when asked", async () => {
    const { sockets, room, cameraPc } = await joined([bob]);
    expect(active(cameraPc)).toBe("f+ h+ q+");
    sockets.last.receive({ type: "media.layers", kind: "camera", max: 0 });
    await flush();
    expect(active(cameraPc)).toBe("f~ h~ q+");
    const rates = () =>
      cameraPc.transceivers.find((t) => t.sender.track?.kind === "video")!.sender.encodings.map((e) => [e.rid, e.maxBitrate, e.scaleResolutionDownBy]);
    expect(rates()).toEqual([["f", 60_000, 4], ["h", 60_000, 4], ["q", 150_000, 4]]);
    sockets.last.receive({ type: "media.layers", kind: "camera", max: 1 });
    await flush();
    expect(active(cameraPc)).toBe("f~ h+ q+");
    sockets.last.receive({ type: "media.layers", kind: "camera", max: 2 });
    await flush();
    expect(active(cameraPc)).toBe("f+ h+ q+");
    expect(rates()).toEqual([["f", 1_200_000, 1], ["h", 500_000, 2], ["q", 150_000, 4]]);
    room.dispose();
  });

  test("0 then 2 while the browser still applies the first: the camera ends with every layer on", async () => {
    const { sockets, room, cameraPc } = await joined([bob]);
    cameraPc.holdParameters = true;
    sockets.last.receive({ type: "media.layers", kind: "camera", max: 0 });
    sockets.last.receive({ type: "media.layers", kind: "camera", max: 2 });
    await flush();
    // The second word waits for the first call: asked meanwhile, getParameters still says "all on".
    expect(cameraPc.parameterSets).toEqual(["f~ h~ q+"]);
    cameraPc.settleParameters();
    await flush();
    expect(cameraPc.parameterSets).toEqual(["f~ h~ q+", "f+ h+ q+"]);
    cameraPc.settleParameters();
    await flush();
    expect(active(cameraPc)).toBe("f+ h+ q+");
    room.dispose();
  });

  test("a refused setParameters is tried again a second later", async () => {
    const { clock, sockets, room, cameraPc } = await joined([bob]);
    cameraPc.holdParameters = true;
    sockets.last.receive({ type: "media.layers", kind: "camera", max: 1 });
    await flush();
    cameraPc.settleParameters(new Error("InvalidStateError"));
    await flush();
    expect(active(cameraPc)).toBe("f+ h+ q+");
    clock.advance(1_000);
    await flush();
    expect(cameraPc.parameterSets).toEqual(["f~ h+ q+", "f~ h+ q+"]);
    cameraPc.settleParameters();
    await flush();
    expect(active(cameraPc)).toBe("f~ h+ q+");
    room.dispose();
  });
});

describe("controls", () => {
  test("mute disables the track and tells the others; unmute undoes both", async () => {
    const { sockets, rtc, room } = await joined([bob]);
    const audio = (rtc.captured[0] as FakeStream).getAudioTracks()[0]!;
    room.toggleMic();
    expect(audio.enabled).toBe(false);
    expect(room.audioMuted.value).toBe(true);
    expect(room.self.value?.audioMuted).toBe(true);
    expect(sockets.last.sentOfType("presence")).toEqual([{ type: "presence", audioMuted: true }]);
    // An echo of the server's view must not flip the local state back.
    sockets.last.receive({ type: "participant.updated", participant: { ...ada, audioMuted: false } });
    expect(room.self.value?.audioMuted).toBe(true);
    room.toggleMic();
    expect(audio.enabled).toBe(true);
    room.toggleCamera();
    expect((rtc.captured[0] as FakeStream).getVideoTracks()[0]!.enabled).toBe(false);
    expect(sockets.last.sentOfType("presence").slice(1)).toEqual([
      { type: "presence", audioMuted: false },
      { type: "presence", videoMuted: true },
    ]);
    room.dispose();
  });

  test("screen sharing publishes on its own PeerConnection and stops when the browser ends the track", async () => {
    const { sockets, rtc, room } = await joined([bob]);
    expect(await room.shareScreen()).toBe(true);
    await flush();
    const publish = sockets.last.sentOfType("media.publish")[1]!;
    expect(publish.kind).toBe("screen");
    const screenPc = rtc.pcs[1]!;
    expect(screenPc.transceivers.map((t) => t.sender.track?.kind)).toEqual(["video"]);
    expect(room.sharingScreen.value).toBe(true);
    expect(room.tiles.value.map((t) => `${t.participant.name}:${t.kind}`)).toEqual(["Ada:camera", "Bob:camera", "Ada:screen"]);
    const track = (room.screenStream.value as unknown as FakeStream).getVideoTracks()[0]!;
    expect(track.contentHint).toBe("detail");
    track.end();
    expect(room.sharingScreen.value).toBe(false);
    expect(screenPc.signalingState).toBe("closed");
    expect(sockets.last.sentOfType("media.unpublish")).toEqual([{ type: "media.unpublish", kind: "screen" }]);
    room.dispose();
  });

  test("closing the screen picker is not an error", async () => {
    const { rtc, room } = await joined();
    rtc.failDisplayMedia = "NotAllowedError";
    expect(await room.shareScreen()).toBe(false);
    expect(room.error.value).toBeNull();
    room.dispose();
  });

  test("leave tells the server, closes the socket normally, and releases camera and PeerConnections", async () => {
    const { sockets, rtc, room, clock } = await joined([bob]);
    sockets.last.receive({ type: "media.offer", sdp: fakeOffer("janus-1", [["0", "video"]]), streams: {} });
    await flush();
    room.leave();
    expect(sockets.last.sentOfType("leave")).toHaveLength(1);
    expect(sockets.last.closedWith?.code).toBe(1000);
    expect(room.status.value).toBe("closed");
    expect(room.closedReason.value).toBe("left");
    expect(rtc.open()).toHaveLength(0);
    expect((rtc.captured[0] as FakeStream).getTracks().every((t) => t.readyState === "ended")).toBe(true);
    // Nothing keeps running: no keepalive, retry or gathering timer.
    expect(clock.pending()).toBe(0);
  });
});

describe("recovery", () => {
  test("a publisher PeerConnection that fails publishes again on its own", async () => {
    const { sockets, rtc, room, clock, cameraPc } = await joined([bob]);
    cameraPc.setConnectionState("failed");
    expect(cameraPc.signalingState).toBe("closed");
    clock.advance(500);
    await flush();
    const publishes = sockets.last.sentOfType("media.publish");
    expect(publishes).toHaveLength(2);
    expect(publishes[1]!.kind).toBe("camera");
    expect(rtc.pcs[1]!.signalingState).toBe("stable");
    room.dispose();
  });

  test("a publish that fails is retried with backoff; UNAVAILABLE waits for media.restart instead", async () => {
    const t = setup();
    t.sockets.last.open();
    t.sockets.last.receive(welcome(ada));
    await flush();
    const first = t.sockets.last.sentOfType("media.publish")[0]!;
    t.sockets.last.receive({ type: "error", code: "INTERNAL", message: "boom", id: first.id });
    await flush();
    t.clock.advance(500);
    await flush();
    const second = t.sockets.last.sentOfType("media.publish")[1]!;
    expect(second).toBeDefined();
    t.sockets.last.receive({ type: "error", code: "UNAVAILABLE", message: "Media is unavailable", id: second.id });
    await flush();
    t.clock.advance(10_000);
    await flush();
    expect(t.sockets.last.sentOfType("media.publish")).toHaveLength(2);
    t.sockets.last.receive({ type: "media.restart", available: true });
    await flush();
    expect(t.sockets.last.sentOfType("media.publish")).toHaveLength(3);
    t.room.dispose();
  });

  test("media.restart closes every PeerConnection and publishes camera and screen again", async () => {
    const { sockets, rtc, room } = await joined([bob]);
    await room.shareScreen();
    await flush();
    sockets.last.receive({ type: "media.offer", sdp: fakeOffer("janus-1", [["0", "video"]]), streams: { "0": { participantId: "p-bob", kind: "camera", media: "video" } } });
    await flush();
    expect(room.remoteStreams.value.size).toBe(1);
    const before = rtc.open();
    expect(before).toHaveLength(3);

    sockets.last.receive({ type: "media.restart", available: false });
    expect(room.mediaAvailable.value).toBe(false);
    expect(rtc.open()).toHaveLength(0);
    expect(room.remoteStreams.value.size).toBe(0);

    sockets.last.receive({ type: "media.restart", available: true });
    await flush();
    expect(room.mediaAvailable.value).toBe(true);
    const again = sockets.last.sentOfType("media.publish").slice(2);
    expect(again.map((m) => m.kind).sort()).toEqual(["camera", "screen"]);
    expect(rtc.open()).toHaveLength(2);
    expect(rtc.open().some((pc) => before.includes(pc))).toBe(false);
    room.dispose();
  });

  test("an abnormal drop reconnects with backoff and resumes the seat, keeping the PeerConnections", async () => {
    const { sockets, rtc, room, clock } = await joined([bob]);
    sockets.last.drop(1006);
    expect(room.status.value).toBe("reconnecting");
    // Muting while disconnected: the server hears it after the resume.
    room.toggleMic();
    clock.advance(50);
    expect(sockets.sockets).toHaveLength(1);
    clock.advance(100);
    expect(sockets.sockets).toHaveLength(2);
    sockets.last.drop(1006);
    clock.advance(150);
    expect(sockets.sockets).toHaveLength(2);
    clock.advance(150);
    expect(sockets.sockets).toHaveLength(3);
    sockets.last.open();
    expect(sockets.last.sent[0]).toEqual({ type: "hello", name: "Ada", resume: "resume-1" });
    sockets.last.receive(welcome({ ...ada, publishing: { camera: true, screen: false } }, [bob], { resumeToken: "resume-2" }));
    await flush();
    expect(room.status.value).toBe("live");
    expect(sockets.last.sentOfType("presence")).toEqual([{ type: "presence", audioMuted: true, videoMuted: false, handRaised: false }]);
    expect(sockets.last.sentOfType("media.publish")).toHaveLength(0);
    expect(rtc.pcs).toHaveLength(1);
    expect(rtc.pcs[0]!.signalingState).toBe("stable");
    room.dispose();
  });

  test("a welcome on the same seat (a drop, or the room moved to another server) adds the chat we missed, once and in order", async () => {
    const { sockets, room } = await joined([bob]);
    const early = { from: bob.id, name: "Bob", text: "first", at: "2026-12-03T10:00:00.000Z" };
    sockets.last.receive({ type: "chat", ...early });
    const missed = { from: bob.id, name: "Bob", text: "while you moved", at: "2026-12-03T10:00:05.000Z" };
    // The new room knows only what was said since it started; the old one's "first" we keep.
    sockets.last.receive(welcome(ada, [bob], { chat: [missed] }));
    sockets.last.receive(welcome(ada, [bob], { chat: [missed] }));
    await flush();
    expect(room.chat.value.map((c) => c.text)).toEqual(["first", "while you moved"]);
    room.dispose();
  });

  test("a resume after the SFU lost our feed publishes again", async () => {
    const { sockets, room, clock } = await joined([bob]);
    sockets.last.drop(1006);
    clock.advance(1_000);
    sockets.last.open();
    sockets.last.receive(welcome({ ...ada, publishing: { camera: false, screen: false } }, [bob]));
    await flush();
    expect(sockets.last.sentOfType("media.publish").map((m) => m.kind)).toEqual(["camera"]);
    room.dispose();
  });

  test("a seat that expired meanwhile comes back as a new participant that publishes afresh", async () => {
    const { sockets, rtc, room, clock, cameraPc } = await joined([bob]);
    sockets.last.drop(1006);
    clock.advance(1_000);
    sockets.last.open();
    sockets.last.receive(welcome(participant("p-ada-2", "Ada"), [bob], { resumeToken: "resume-9" }));
    await flush();
    expect(room.self.value?.id).toBe("p-ada-2");
    expect(cameraPc.signalingState).toBe("closed");
    expect(sockets.last.sentOfType("media.publish")).toHaveLength(1);
    expect(rtc.open()).toHaveLength(1);
    room.dispose();
  });

  test("a socket that stops answering keepalives is given up and replaced", async () => {
    const { sockets, room, clock } = await joined([bob]);
    clock.advance(15_000);
    const ping = sockets.last.sentOfType("ping")[0]!;
    expect(ping.id).toBeDefined();
    clock.advance(5_000);
    await flush();
    expect(sockets.sockets[0]!.closedWith?.code).toBe(4000);
    expect(room.status.value).toBe("reconnecting");
    clock.advance(200);
    expect(sockets.sockets).toHaveLength(2);
    room.dispose();
  });

  test("refusals end the meeting without retrying", () => {
    for (const [code, reason] of [
      [4404, "not-found"],
      [4403, "forbidden"],
      [4401, "sign-in"],
      [4409, "replaced"],
    ] as const) {
      const { sockets, room, clock } = setup();
      sockets.last.open();
      sockets.last.receive(welcome(ada));
      sockets.last.drop(code, "no");
      expect(room.status.value).toBe("closed");
      expect(room.closedReason.value).toBe(reason);
      clock.advance(60_000);
      expect(sockets.sockets).toHaveLength(1);
    }
  });
});

describe("in the meeting", () => {
  test("raising a hand and renaming tell the others, and show on me at once", async () => {
    const { sockets, room } = await joined([bob]);
    room.toggleHand();
    expect(room.handRaised.value).toBe(true);
    expect(room.self.value?.handRaised).toBe(true);
    room.rename("  Ada Lovelace  ");
    expect(room.self.value?.name).toBe("Ada Lovelace");
    expect(sockets.last.sentOfType("presence").slice(-2)).toEqual([
      { type: "presence", handRaised: true },
      { type: "presence", name: "Ada Lovelace" },
    ]);
    room.rename("   ");
    expect(sockets.last.sentOfType("presence")).toHaveLength(2);
    room.dispose();
  });

  test("chat is sent as a request; the server's refusal reaches the caller", async () => {
    const { sockets, room } = await joined([bob]);
    const sent = room.sendChat("hello");
    const msg = sockets.last.sentOfType("chat")[0]!;
    expect(msg.text).toBe("hello");
    sockets.last.receive({ type: "ack", id: msg.id });
    await sent;
    const refused = room.sendChat("again");
    const second = sockets.last.sentOfType("chat")[1]!;
    sockets.last.receive({ type: "error", code: "RATE_LIMITED", message: "Slow down", id: second.id });
    await expect(refused).rejects.toThrow("Slow down");
    sockets.last.receive({ type: "chat", from: bob.id, name: "Bob", text: "hi Ada", at: "2026-11-28T10:00:00Z" });
    expect(room.chat.value.map((m) => m.text)).toEqual(["hi Ada"]);
    room.dispose();
  });

  test("recording: the welcome's state, then started, stopped and processing status for everyone", async () => {
    const live = { id: "rec-1", status: "recording", startedAt: "2026-11-28T10:00:00Z", startedBy: bob.id, stoppedAt: null, progress: null, durationMs: null };
    const t = setup();
    t.sockets.last.open();
    t.sockets.last.receive(welcome(ada, [bob], { recording: live }));
    expect(t.room.recording.value?.status).toBe("recording");
    t.sockets.last.receive({ type: "recording.stopped", recording: { ...live, status: "processing", progress: 0 } });
    expect(t.room.recording.value).toMatchObject({ status: "processing", progress: 0 });
    t.sockets.last.receive({ type: "recording.status", recording: { ...live, status: "processing", progress: 0.5 } });
    expect(t.room.recording.value?.progress).toBe(0.5);
    t.room.dispose();
  });

  test("a guest pressing record is asked to sign in; a member's start goes to the server", async () => {
    const { sockets, room } = await joined([bob]);
    const pressed = room.toggleRecording();
    const start = sockets.last.sentOfType("recording.start")[0]!;
    sockets.last.receive({ type: "error", code: "UNAUTHENTICATED", message: "Sign in to record this meeting", id: start.id });
    await pressed;
    expect(room.recordingNeedsSignIn.value).toBe(true);
    expect(room.error.value).toBeNull();
    room.dismissSignIn();
    expect(room.recordingNeedsSignIn.value).toBe(false);
    sockets.last.receive({ type: "recording.started", recording: { id: "r", status: "recording", startedAt: "x", startedBy: bob.id, stoppedAt: null, progress: null, durationMs: null } });
    const stopping = room.toggleRecording();
    const stop = sockets.last.sentOfType("recording.stop")[0]!;
    sockets.last.receive({ type: "error", code: "CONFLICT", message: "This meeting is not being recorded", id: stop.id });
    await stopping;
    expect(room.error.value).toBe("This meeting is not being recorded");
    room.dispose();
  });

  test("a stream captured before joining is used, not captured again", async () => {
    const rtcForPreview = createFakeRtc();
    const preview = await rtcForPreview.rtc.getUserMedia({ audio: true, video: true });
    const { rtc, room } = await joined([], { stream: preview, audioMuted: true });
    expect(rtc.captured).toHaveLength(0);
    expect(room.localStream.value).toBe(preview);
    expect(preview.getAudioTracks()[0]!.enabled).toBe(false);
    room.dispose();
  });

  /**
   * Makes a fake camera track act as Chromium's on a shared camera: it starts at 640 wide and each
   * applyConstraints is recorded; the `n`-th ask (1-based) is the first that gets 1280.
   */
  function cameraFallingBack(track: MediaStreamTrack, holdsFromAsk: number) {
    const camera = { width: 640, asked: [] as unknown[] };
    Object.assign(track, {
      applyConstraints: async (wanted: unknown) => {
        camera.asked.push(wanted);
        camera.width = camera.asked.length >= holdsFromAsk ? 1280 : 640;
      },
      getSettings: () => ({ width: camera.width }),
      getCapabilities: () => ({ width: { min: 1, max: 1920 } }),
    });
    return camera;
  }

  test("the preview's camera is asked for the top layer's size again while the camera falls back to its default", async () => {
    const rtcForPreview = createFakeRtc();
    const preview = await rtcForPreview.rtc.getUserMedia({ audio: true, video: true });
    // Chromium, while another track shares the camera: "ok", yet the default size (640×480).
    const camera = cameraFallingBack(preview.getVideoTracks()[0]!, 3);
    const { asked } = camera;
    const { room, clock } = await joined([], { stream: preview });
    await flush();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ width: { ideal: 1280 }, height: { ideal: 720 } });
    clock.advance(1_000);
    await flush();
    expect(asked).toHaveLength(2);
    // Then 2 s later (1, 2, 4, 8: a capture open elsewhere may take a while to let go).
    clock.advance(1_000);
    await flush();
    expect(asked).toHaveLength(2);
    clock.advance(1_000);
    await flush();
    expect(asked).toHaveLength(3);
    expect(camera.width).toBe(1280);
    // It holds: no more asking.
    clock.advance(5_000);
    await flush();
    expect(asked).toHaveLength(3);
    room.dispose();
  });

  test("a camera captured at the device's default size (the preview's capture still open) is asked for the top layer's size", async () => {
    const rtc = createFakeRtc();
    let camera: ReturnType<typeof cameraFallingBack> | null = null;
    const getUserMedia = rtc.rtc.getUserMedia;
    rtc.rtc.getUserMedia = async (c) => {
      const stream = await getUserMedia(c);
      for (const t of stream.getVideoTracks()) camera = cameraFallingBack(t, 1);
      return stream;
    };
    const { room, clock } = await joined([], { rtc: rtc.rtc });
    await flush();
    // Captured at 640 although 1280 was asked: asked again a second later, then it holds.
    const { asked } = camera!;
    expect(asked).toHaveLength(0);
    clock.advance(1_000);
    await flush();
    expect(asked).toHaveLength(1);
    expect(camera!.width).toBe(1280);
    clock.advance(5_000);
    await flush();
    expect(asked).toHaveLength(1);
    room.dispose();
  });
});

describe("meeting control", () => {
  test("knocking: waiting until admitted, then live; denied, removed and locked say so", () => {
    const { sockets, room } = setup();
    sockets.last.open();
    sockets.last.receive({ type: "lobby.waiting" });
    expect(room.status.value).toBe("waiting");
    sockets.last.receive(welcome(ada));
    expect(room.status.value).toBe("live");
    room.dispose();
    for (const [code, reason, why] of [
      [4403, "denied", "denied"],
      [4403, "removed by a host", "removed"],
      [4423, "locked", "locked"],
      [4403, "Only members of this meeting's team can join", "forbidden"],
    ] as const) {
      const t = setup();
      t.sockets.last.open();
      t.sockets.last.drop(code, reason);
      expect(t.room.closedReason.value).toBe(why);
    }
  });

  test("a host sees knocks and settings; a host's mute turns the microphone off and holds until asked (self-unmute off)", async () => {
    const host = participant("p-bob", "Bob", { role: "host" });
    const { sockets, room } = await joined([host], {});
    sockets.last.receive({ type: "meeting.updated", settings: { lobby: true, locked: false, selfUnmute: false } });
    expect(room.settings.value.selfUnmute).toBe(false);
    sockets.last.receive({ type: "participant.updated", participant: { ...ada, audioMuted: true, audioMutedBy: "p-bob" } });
    expect(room.audioMuted.value).toBe(true);
    expect(room.notices.value.at(-1)?.text).toBe("Bob muted your microphone");
    const before = sockets.last.sentOfType("presence").length;
    room.toggleMic();
    expect(room.audioMuted.value).toBe(true);
    expect(room.error.value).toContain("A host muted you");
    expect(sockets.last.sentOfType("presence")).toHaveLength(before);
    sockets.last.receive({ type: "media.unmute-request", from: "p-bob" });
    expect(room.unmuteRequest.value).toBe("Bob");
    room.toggleMic();
    expect(room.audioMuted.value).toBe(false);
    expect(sockets.last.sentOfType("presence").at(-1)).toMatchObject({ audioMuted: false });
    room.dispose();
  });

  test("knocks list for hosts, reactions show on the sender's tile for a while, meeting.ended closes as ended", async () => {
    const { sockets, room, clock } = await joined([bob]);
    sockets.last.receive({ type: "lobby.knock", entry: { id: "k1", name: "Gus", since: "2026-01-01T10:00:00Z", signedIn: false, removedBefore: false } });
    expect(room.lobby.value.map((e) => e.name)).toEqual(["Gus"]);
    expect(room.knocks.value).toBe(1);
    sockets.last.receive({ type: "lobby.left", id: "k1", outcome: "admitted" });
    expect(room.lobby.value).toEqual([]);
    sockets.last.receive({ type: "reaction", participantId: "p-bob", emoji: "🎉" });
    expect(room.tiles.value.find((t) => t.participant.id === "p-bob")?.reaction).toBe("🎉");
    clock.advance(4_000);
    expect(room.tiles.value.find((t) => t.participant.id === "p-bob")?.reaction).toBeNull();
    sockets.last.receive({ type: "meeting.ended", by: "p-bob" });
    sockets.last.drop(1000, "The meeting was ended by a host");
    expect(room.closedReason.value).toBe("ended");
  });
});
