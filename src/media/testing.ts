/**
 * Test fakes for the media module, kept out of its product surface (`index.ts`): the in-memory
 * `MediaServer` the room actor's unit tests run on, held to the real one by
 * tests/integration/media/contract.test.ts.
 */
export {
  createFakeMediaServer,
  type FakeMediaRoom,
  type FakeMediaServer,
  type FakeMediaServerOptions,
  type FakePublisher,
  type FakeSubscription,
} from "./fake-media-server.ts";
