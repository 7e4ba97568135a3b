import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalBlobStore, createS3BlobStore } from "../../../src/storage/index.ts";
import { createMemoryBlobStore } from "../../../src/storage/testing.ts";
import { startTestS3 } from "../../helpers/s3.ts";
import { describeBlobStoreContract } from "./blob-store.contract.ts";

describeBlobStoreContract("S3 (s3rver)", async () => {
  const s3 = await startTestS3();
  let store;
  try {
    store = createS3BlobStore(s3.options);
  } catch (err) {
    await s3.cleanup();
    throw err;
  }
  return {
    store,
    async close() {
      store.destroy();
      await s3.cleanup();
    },
  };
});

describeBlobStoreContract("local disk", async () => {
  const root = await mkdtemp(join(tmpdir(), "dictate-blobs-"));
  return { store: createLocalBlobStore(root), close: () => rm(root, { recursive: true, force: true }) };
});

describeBlobStoreContract("memory", async () => ({ store: createMemoryBlobStore(), close: async () => {} }));
