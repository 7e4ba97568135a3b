/**
 * Media: the SFU behind a narrow interface. `MediaServer`/`MediaRoom` are what the room actor uses;
 * `createJanusMediaServer` is the real one (janode → Janus VideoRoom), `createFakeMediaServer` the
 * in-memory one for tests, and `startEmbeddedJanus` runs Janus as a child process when no
 * `JANUS_URL` is configured.
 */
export type { MediaEvent, MediaKind, MediaRoom, MediaServer, SubscribedStream, SubscriberOffer } from "./media-server.ts";
export { createJanusMediaServer, type JanusMediaServer, type JanusMediaServerOptions } from "./janus-adapter.ts";
export { createOfflineMediaServer } from "./offline-media-server.ts";
export { startEmbeddedJanus, type EmbeddedJanus, type EmbeddedJanusOptions, type EmbeddedJanusResult } from "./embedded-janus.ts";
export {
  createFakeMediaServer,
  type FakeMediaRoom,
  type FakeMediaServer,
  type FakeMediaServerOptions,
  type FakePublisher,
  type FakeSubscription,
} from "./fake-media-server.ts";
export { turnCredentials, type IceServer } from "./turn.ts";
export { startMedia } from "./start-media.ts";
