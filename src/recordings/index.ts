export { createRecordings, type Recordings, type RecordingView } from "./recordings.ts";
