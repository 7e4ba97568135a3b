export { assertBlobKey, type BlobStore, type BlobInfo } from "./blob-store.ts";
export { createLocalBlobStore } from "./local.ts";
export { createMemoryBlobStore } from "./memory.ts";
