/**
 * What runs in the browser for bench/join.ts. The same init script goes into every page of both
 * paths (the real meeting page and the bare page), so the two are timed by the same code:
 *
 * - every RTCPeerConnection is recorded; the one that takes a remote *offer* is the subscriber,
 *   and its milestones are stamped (offer applied, answer set, ICE gathering done, track, connected);
 * - a remote video track attached to a <video> (through the `srcObject` setter, which both the app
 *   and the bare page use) gets a `requestVideoFrameCallback`: its first call is the first remote
 *   frame decoded and handed to the <video>. It calls the binding `benchFirstFrame` (exposed by the
 *   driver), whose arrival the driver stamps on its own clock;
 * - as a cross-check, the subscriber's inbound-rtp `framesDecoded` is polled every 20 ms until it
 *   is above 0.
 *
 * In-page stamps are epoch milliseconds (`performance.timeOrigin + performance.now()`), to compare
 * with the driver's epoch stamp taken just before `page.goto`.
 */

/** Milestones of one join, in epoch ms (null: not seen). */
export interface JoinMarks {
  /** The page's own navigation start (its `performance.timeOrigin`). */
  navStart: number;
  /** Dictate only: the guest-name input appeared (the app loaded the meeting and rendered its prompt). */
  promptAt: number | null;
  /** Dictate only: the name form was submitted (the Join click reached the page). */
  submitAt: number | null;
  /** Dictate only: the room WebSocket was created, opened, and brought `welcome` and the first `media.offer`. */
  wsCreatedAt: number | null;
  wsOpenAt: number | null;
  welcomeAt: number | null;
  /** Lobby joins only: `lobby.waiting` arrived (the knock was heard; `welcome` follows the host's admit). */
  waitingAt: number | null;
  offerMessageAt: number | null;
  /** Dictate only: getUserMedia was called, and resolved (the joiner's own camera). */
  gumAt: number | null;
  gumDoneAt: number | null;
  /** The subscriber offer was handed to `setRemoteDescription`. */
  offerAt: number | null;
  /** `setLocalDescription(answer)` resolved. */
  answerAt: number | null;
  /** The subscriber's ICE gathering completed (the answer can go out from then on). */
  gatheredAt: number | null;
  /** The first remote video track event. */
  trackAt: number | null;
  /** The subscriber PeerConnection reached `connected` (ICE + DTLS done). */
  connectedAt: number | null;
  /** rVFC: the <video> got its first remote frame. */
  firstFrameAt: number | null;
  /** rVFC metadata: when the last packet of that frame arrived. */
  frameReceivedAt: number | null;
  /** Polled getStats: inbound-rtp video framesDecoded > 0 was first seen. */
  decodedAt: number | null;
  /** The first frame's size. */
  width: number;
  height: number;
}

export const INSTRUMENT = `(() => {
  const T = () => performance.timeOrigin + performance.now();
  const marks = { navStart: performance.timeOrigin, promptAt: null, submitAt: null,
    wsCreatedAt: null, wsOpenAt: null, welcomeAt: null, waitingAt: null, offerMessageAt: null, gumAt: null, gumDoneAt: null, offerAt: null, answerAt: null, gatheredAt: null, trackAt: null,
    connectedAt: null, firstFrameAt: null, frameReceivedAt: null, decodedAt: null, width: 0, height: 0 };
  window.__benchMarks = marks;
  // The meeting page's name prompt and its submission (nothing of the kind on the bare page).
  const prompt = new MutationObserver(() => {
    if (document.getElementById("display-name")) {
      marks.promptAt = T();
      prompt.disconnect();
    }
  });
  prompt.observe(document, { childList: true, subtree: true });
  document.addEventListener("submit", () => { if (marks.submitAt === null) marks.submitAt = T(); }, true);
  // The meeting's room socket (the bare page has none).
  const OriginalWs = window.WebSocket;
  window.WebSocket = class extends OriginalWs {
    constructor(...args) {
      super(...args);
      if (!String(args[0]).includes("/ws/meetings/") || marks.wsCreatedAt !== null) return;
      marks.wsCreatedAt = T();
      this.addEventListener("open", () => { if (marks.wsOpenAt === null) marks.wsOpenAt = T(); });
      this.addEventListener("message", (e) => {
        if (typeof e.data !== "string") return;
        if (marks.welcomeAt === null && e.data.includes('"type":"welcome"')) marks.welcomeAt = T();
        if (marks.waitingAt === null && e.data.includes('"type":"lobby.waiting"')) marks.waitingAt = T();
        if (marks.offerMessageAt === null && e.data.includes('"type":"media.offer"')) marks.offerMessageAt = T();
      });
    }
  };
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      if (marks.gumAt === null) marks.gumAt = T();
      const stream = await gum(constraints);
      if (marks.gumDoneAt === null) marks.gumDoneAt = T();
      return stream;
    };
  }
  const pcs = [];
  window.__pcs = pcs;
  const remoteTracks = new WeakSet();
  const Original = window.RTCPeerConnection;
  let polling = false;
  function pollDecoded(pc) {
    if (polling) return;
    polling = true;
    const started = Date.now();
    const tick = async () => {
      if (marks.decodedAt !== null || pc.signalingState === "closed" || Date.now() - started > 20000) return;
      try {
        const stats = await pc.getStats();
        stats.forEach((r) => {
          if (marks.decodedAt === null && r.type === "inbound-rtp" && r.kind === "video" && (r.framesDecoded ?? 0) > 0) marks.decodedAt = T();
        });
      } catch {}
      if (marks.decodedAt === null) setTimeout(tick, 20);
    };
    setTimeout(tick, 20);
  }
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      pcs.push(this);
      this.addEventListener("track", (e) => {
        remoteTracks.add(e.track);
        if (e.track.kind === "video" && marks.trackAt === null) marks.trackAt = T();
      });
      this.addEventListener("connectionstatechange", () => {
        if (this.__benchSubscriber && this.connectionState === "connected" && marks.connectedAt === null) marks.connectedAt = T();
      });
      this.addEventListener("icegatheringstatechange", () => {
        if (this.__benchSubscriber && this.iceGatheringState === "complete" && marks.gatheredAt === null) marks.gatheredAt = T();
      });
    }
    setRemoteDescription(description, ...rest) {
      if (description && description.type === "offer") {
        this.__benchSubscriber = true;
        if (marks.offerAt === null) marks.offerAt = T();
        pollDecoded(this);
      }
      return super.setRemoteDescription(description, ...rest);
    }
    async setLocalDescription(...args) {
      const result = await super.setLocalDescription(...args);
      if (this.__benchSubscriber && marks.answerAt === null) marks.answerAt = T();
      return result;
    }
  };
  const isRemote = (track) =>
    remoteTracks.has(track) || pcs.some((pc) => pc.getReceivers().some((r) => r.track === track));
  let reported = false;
  function watch(video) {
    video.requestVideoFrameCallback((now, meta) => {
      if (reported) return;
      reported = true;
      marks.firstFrameAt = T();
      marks.frameReceivedAt = typeof meta.receiveTime === "number" ? performance.timeOrigin + meta.receiveTime : null;
      marks.width = meta.width;
      marks.height = meta.height;
      if (typeof window.benchFirstFrame === "function") window.benchFirstFrame(JSON.stringify(marks));
    });
  }
  const srcObject = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, "srcObject");
  Object.defineProperty(HTMLMediaElement.prototype, "srcObject", {
    configurable: true,
    enumerable: srcObject.enumerable,
    get() { return srcObject.get.call(this); },
    set(value) {
      srcObject.set.call(this, value);
      if (!reported && value && this instanceof HTMLVideoElement && value.getVideoTracks().some(isRemote)) watch(this);
    },
  });
})();`;

/** The bare path's publisher: the same capture constraints and PeerConnection setup as client/meeting/media.ts. */
export const BARE_PUBLISHER_PAGE = `<!doctype html><meta charset="utf-8"><title>bare publisher</title>
<video id="self" autoplay playsinline muted width="320" height="180"></video>
<script>
async function gathered(pc) {
  if (pc.iceGatheringState === "complete") return;
  await new Promise((resolve) => pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve()));
}
window.publish = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } },
  });
  document.getElementById("self").srcObject = stream;
  const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: "max-bundle" });
  window.__publisher = pc;
  for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const answer = await window.benchPublish(pc.localDescription.sdp);
  await pc.setRemoteDescription({ type: "answer", sdp: answer });
  return true;
};
</script>`;

/**
 * The bare path's joiner: as soon as it loads, asks the driver for a subscriber offer (janode
 * joinSubscriber), answers it on a fresh RTCPeerConnection (non-trickle, like the app) and sends
 * the answer back (janode start). The remote camera plays in a <video> of about a tile's size.
 */
export const BARE_SUBSCRIBER_PAGE = `<!doctype html><meta charset="utf-8"><title>bare subscriber</title>
<video id="remote" autoplay playsinline width="480" height="270"></video>
<script>
(async () => {
  const video = document.getElementById("remote");
  const offer = await window.benchOffer();
  const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: "max-bundle" });
  pc.addEventListener("track", () => {
    const tracks = pc.getTransceivers().map((t) => t.receiver.track).filter((t) => t && t.readyState !== "ended");
    video.srcObject = new MediaStream(tracks);
    video.play().catch(() => undefined);
  });
  await pc.setRemoteDescription({ type: "offer", sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  if (pc.iceGatheringState !== "complete") {
    await new Promise((resolve) => pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve()));
  }
  await window.benchAnswer(pc.localDescription.sdp);
})().catch((err) => window.benchFailed(String(err && err.stack || err)));
</script>`;
