export { createRecordings, resolveRange, type ByteRange, type Recordings, type RecordingView } from "./recordings.ts";
export { createRecordingWorker, blobKeyFor, type RecordingWorker, type RecordingWorkerOptions } from "./worker.ts";
export {
  processRecordingFolder,
  probeMjr,
  convertTrack,
  pairByFeed,
  alignTracks,
  compose,
  composeArgs,
  probeDurationMs,
  ProcessingError,
  type MjrTrack,
  type ConvertedTrack,
  type Timeline,
  type ProcessResult,
} from "./processing.ts";
