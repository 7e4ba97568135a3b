/**
 * The bare path's signalling: janode straight onto the Janus that the Dictate server embeds (no
 * Dictate code in between): one WebSocket connection and one session, a manager handle that
 * creates a VideoRoom with the same parameters as src/media/janus-adapter.ts, a publisher handle,
 * and per join a fresh subscriber handle (`joinSubscriber` → offer, `start` with the browser's answer).
 */
import Janode, { type JanodeConnection, type JanodeSession } from "janode";
import VideoRoomPlugin, { type VideoRoomHandle } from "janode/plugins/videoroom";

const TIMEOUT_MS = 10_000;

function timed<T>(promise: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`janode: ${what} timed out after ${ms} ms`)), ms))),
  ]);
}

export class BareJanus {
  private publisher: VideoRoomHandle | null = null;
  feed = 0;

  private constructor(
    private readonly connection: JanodeConnection,
    private readonly session: JanodeSession,
    private readonly manager: VideoRoomHandle,
    readonly room: number,
  ) {}

  /** `apiSecret`: the embedded Janus's `api_secret` (janode sends it as `apisecret` on every request). */
  static async connect(url: string, apiSecret?: string): Promise<BareJanus> {
    Janode.Logger.setLevel("none");
    const connection = await timed(Janode.connect({ address: { url, ...(apiSecret ? { apisecret: apiSecret } : {}) }, retry_time_secs: 0, max_retries: 0 }), "connect");
    try {
      const session = await timed(connection.create(20), "create session");
      const manager = await timed(session.attach(VideoRoomPlugin), "attach manager");
      const room = 1 + Math.floor(Math.random() * 2 ** 40);
      // The parameters Dictate's adapter uses, so Janus does the same work per stream.
      await timed(
        manager.create({
          room,
          description: "bench bare path",
          max_publishers: 16,
          audiocodec: "opus",
          videocodec: "vp8",
          talking_events: true,
          talking_packets_threshold: 50,
          fir_freq: 10,
          permanent: false,
          is_private: false,
          notify_joining: false,
          record: false,
        }),
        "create room",
      );
      return new BareJanus(connection, session, manager, room);
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw err;
    }
  }

  /** Publishes the browser's offer; resolves with Janus's answer. `up` resolves on webrtcup. */
  async publish(offerSdp: string): Promise<{ answerSdp: string; up: Promise<void> }> {
    const handle = await timed(this.session.attach(VideoRoomPlugin), "attach publisher");
    this.publisher = handle;
    const up = new Promise<void>((resolve) => handle.once(Janode.EVENT.HANDLE_WEBRTCUP, () => resolve()));
    const joined = await timed(
      handle.joinConfigurePublisher({ room: this.room, display: "Bare publisher", jsep: { type: "offer", sdp: offerSdp, trickle: false } }),
      "joinConfigurePublisher",
    );
    if (!joined.jsep?.sdp) throw new Error("Janus sent no answer to the publisher");
    this.feed = joined.feed;
    return { answerSdp: joined.jsep.sdp, up };
  }

  /** One join's subscriber handle: `offer()` then `answer(sdp)`, `close()` when done. */
  subscriber() {
    let handle: VideoRoomHandle | null = null;
    const feed = this.feed;
    return {
      offer: async (): Promise<string> => {
        handle = await timed(this.session.attach(VideoRoomPlugin), "attach subscriber");
        const joined = await timed(handle.joinSubscriber({ room: this.room, streams: [{ feed }], autoupdate: false }), "joinSubscriber");
        if (!joined.jsep?.sdp) throw new Error("Janus sent no subscriber offer");
        return joined.jsep.sdp;
      },
      answer: async (sdp: string): Promise<void> => {
        if (!handle) throw new Error("answer before offer");
        await timed(handle.start({ jsep: { type: "answer", sdp, trickle: false } }), "start");
      },
      close: async () => {
        if (handle) await timed(handle.detach(), "detach subscriber", 3_000).catch(() => undefined);
        handle = null;
      },
    };
  }

  async close() {
    if (this.publisher) await timed(this.publisher.detach(), "detach publisher", 3_000).catch(() => undefined);
    await timed(this.manager.destroy({ room: this.room }), "destroy room", 3_000).catch(() => undefined);
    await timed(this.session.destroy(), "destroy session", 3_000).catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}
