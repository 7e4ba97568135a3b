/**
 * Noise suppression, loaded lazily (client/lib/lazy.ts) when someone switches it on: the microphone
 * goes through RNNoise (@jitsi/rnnoise-wasm, its WebAssembly served by Dictate itself) in an
 * AudioWorklet, and the graph's MediaStreamAudioDestinationNode gives the track that is sent.
 *
 * The worklet is its own lazily served part (`/_lazy/noise-worklet`): an AudioWorkletGlobalScope has
 * no fetch, so the WebAssembly's bytes are fetched here and handed to it. `stop()` disconnects the
 * graph, frees RNNoise's state and closes the AudioContext (no audio thread left running); the
 * microphone's own track is never stopped.
 */
import rnnoiseWasm from "@jitsi/rnnoise-wasm/dist/rnnoise.wasm" with { type: "file" };
import type { NoisePart, TrackProcessor } from "./effects-types.ts";

/** The processor's name, as noise-worklet.ts registers it. */
const PROCESSOR = "dictate-noise-suppression";
const at = (path: string) => new URL(path.replace(/^\.\//, "/"), location.origin).href;

async function fetchOk(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res;
}

/** The worklet part's script, named in its page as the other lazy parts are. */
async function workletUrl(): Promise<string> {
  const html = await (await fetchOk("/_lazy/noise-worklet")).text();
  const src = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
  if (!src) throw new Error("the noise suppression worklet is missing");
  return new URL(src, location.origin).href;
}

async function suppress(source: MediaStreamTrack): Promise<TrackProcessor> {
  // RNNoise works on 48 kHz audio in frames of 480 samples.
  const context = new AudioContext({ sampleRate: 48_000, latencyHint: "interactive" });
  try {
    const [wasm, script] = await Promise.all([fetchOk(at(rnnoiseWasm)).then((r) => r.arrayBuffer()), workletUrl()]);
    await context.audioWorklet.addModule(script);
    const node = new AudioWorkletNode(context, PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], processorOptions: { wasm } });
    await new Promise<void>((resolve, reject) => {
      node.port.onmessage = (e: MessageEvent<{ type: "ready" } | { type: "error"; message: string }>) => {
        if (e.data.type === "ready") resolve();
        else reject(new Error(e.data.message));
      };
      node.onprocessorerror = () => reject(new Error("the noise suppression worklet failed"));
    });
    const input = context.createMediaStreamSource(new MediaStream([source]));
    const output = context.createMediaStreamDestination();
    output.channelCount = 1;
    input.connect(node).connect(output);
    // Started from a click this resumes at once; without a user gesture yet it resumes on the next one.
    await context.resume().catch(() => {});
    const track = output.stream.getAudioTracks()[0]!;
    let stopped = false;
    return {
      track,
      stop() {
        if (stopped) return;
        stopped = true;
        input.disconnect();
        node.disconnect();
        node.port.postMessage({ type: "stop" });
        track.stop();
        void context.close().catch(() => {});
      },
    };
  } catch (err) {
    void context.close().catch(() => {});
    throw err;
  }
}

const part: NoisePart = { suppress };
const registry = ((globalThis as { __dictateLazy?: Record<string, unknown> }).__dictateLazy ??= {});
registry.noise = part;
