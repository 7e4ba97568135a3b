export { assertBlobKey, type BlobStore, type BlobInfo } from "./blob-store.ts";
export { createLocalBlobStore } from "./local.ts";
export { createS3BlobStore, type S3BlobStore, type S3BlobStoreOptions } from "./s3.ts";
