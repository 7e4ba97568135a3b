/**
 * The noise suppression AudioWorklet processor (added by client/lazy/noise.ts): RNNoise denoises
 * the microphone in frames of 480 samples (10 ms at 48 kHz), while the audio thread hands over 128
 * at a time. Input collects until a frame is full; denoised samples queue up and go out 128 at a
 * time once a frame and a block are buffered (about 13 ms added), so the output never runs dry.
 * Until RNNoise is ready the microphone passes through as it is.
 */
import createRNNWasmModule, { type RnnoiseModule } from "@jitsi/rnnoise-wasm/dist/rnnoise.js";

declare const sampleRate: number;
declare function registerProcessor(name: string, processor: unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}

const FRAME = 480;
const BLOCK = 128;
/** RNNoise takes 16-bit sample values as floats. */
const SCALE = 32_768;
/** Samples the output queue can hold: a few frames, far more than it ever needs. */
const QUEUE = 4_096;

class NoiseSuppression extends AudioWorkletProcessor {
  private rnnoise: RnnoiseModule | null = null;
  private state = 0;
  private inPtr = 0;
  private outPtr = 0;
  private stopped = false;
  private readonly frame = new Float32Array(FRAME);
  private filled = 0;
  private readonly queue = new Float32Array(QUEUE);
  private head = 0;
  private queued = 0;
  private primed = false;

  constructor(options: { processorOptions: { wasm: ArrayBuffer } }) {
    super();
    this.port.onmessage = (e: MessageEvent<{ type: string }>) => {
      if (e.data.type === "stop") this.free();
    };
    if (sampleRate !== 48_000) {
      this.port.postMessage({ type: "error", message: `noise suppression needs 48 kHz audio, not ${sampleRate} Hz` });
      return;
    }
    createRNNWasmModule({
      // The bytes came from the page (a worklet cannot fetch); instantiated here, asynchronously.
      instantiateWasm: (imports, receive) => {
        WebAssembly.instantiate(options.processorOptions.wasm, imports).then(
          ({ instance, module }) => receive(instance, module),
          (err) => this.port.postMessage({ type: "error", message: String(err) }),
        );
        return {};
      },
    }).then(
      (m) => {
        if (this.stopped) return;
        this.rnnoise = m;
        this.state = m._rnnoise_create(0);
        this.inPtr = m._malloc(FRAME * 4);
        this.outPtr = m._malloc(FRAME * 4);
        this.port.postMessage({ type: "ready" });
      },
      (err) => this.port.postMessage({ type: "error", message: String(err) }),
    );
  }

  private free() {
    this.stopped = true;
    const m = this.rnnoise;
    if (!m) return;
    this.rnnoise = null;
    m._rnnoise_destroy(this.state);
    m._free(this.inPtr);
    m._free(this.outPtr);
  }

  private denoise(m: RnnoiseModule) {
    const heap = m.HEAPF32;
    const inAt = this.inPtr >> 2;
    for (let i = 0; i < FRAME; i++) heap[inAt + i] = this.frame[i]! * SCALE;
    m._rnnoise_process_frame(this.state, this.outPtr, this.inPtr);
    // Read the heap again: it is a new view if the module's memory grew meanwhile.
    const out = m.HEAPF32;
    const outAt = this.outPtr >> 2;
    for (let i = 0; i < FRAME && this.queued < QUEUE; i++) {
      this.queue[(this.head + this.queued) % QUEUE] = out[outAt + i]! / SCALE;
      this.queued++;
    }
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const input = inputs[0]?.[0];
    const output = outputs[0]?.[0];
    if (!output) return true;
    const m = this.rnnoise;
    if (!m) {
      if (input) output.set(input);
      return true;
    }
    if (input) {
      for (let i = 0; i < input.length; i++) {
        this.frame[this.filled++] = input[i]!;
        if (this.filled === FRAME) {
          this.denoise(m);
          this.filled = 0;
        }
      }
    }
    if (!this.primed && this.queued >= FRAME + BLOCK) this.primed = true;
    if (!this.primed || this.queued < output.length) {
      output.fill(0);
      return true;
    }
    for (let i = 0; i < output.length; i++) {
      output[i] = this.queue[this.head]!;
      this.head = (this.head + 1) % QUEUE;
    }
    this.queued -= output.length;
    return true;
  }
}

registerProcessor("dictate-noise-suppression", NoiseSuppression);
