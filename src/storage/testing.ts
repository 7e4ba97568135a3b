/**
 * Test fakes for the storage module, kept out of its product surface (`index.ts`): the in-memory
 * `BlobStore` (production uses local disk or S3), held to them by tests/integration/storage/contract.test.ts.
 */
export { createMemoryBlobStore } from "./memory.ts";
