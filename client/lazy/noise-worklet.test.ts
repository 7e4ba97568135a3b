/**
 * The noise suppression worklet's processor outside a browser: the AudioWorklet globals stubbed, the
 * real RNNoise WebAssembly from the package. It passes the microphone through until RNNoise is
 * ready, then denoises in 480-sample frames behind a short priming delay, and takes steady noise
 * down while it lets a voiced signal through.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";

type Processor = {
  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean;
  port: { onmessage: ((e: { data: { type: string } }) => void) | null; sent: unknown[] };
};
let Processor: new (options: { processorOptions: { wasm: ArrayBuffer } }) => Processor;

beforeAll(async () => {
  Object.assign(globalThis, {
    sampleRate: 48_000,
    AudioWorkletProcessor: class {
      // Each processor's own port: what it posted to the page.
      port = { onmessage: null, sent: [] as unknown[], postMessage(m: unknown) { this.sent.push(m); } };
    },
    registerProcessor: (_name: string, cls: typeof Processor) => (Processor = cls),
  });
  await import("./noise-worklet.ts");
});

// bun runs every test file in one process: leave no worklet globals behind for the others.
afterAll(() => {
  for (const name of ["sampleRate", "AudioWorkletProcessor", "registerProcessor"]) delete (globalThis as Record<string, unknown>)[name];
});

const wasm = () => Bun.file(join(import.meta.dir, "../../node_modules/@jitsi/rnnoise-wasm/dist/rnnoise.wasm")).arrayBuffer();

/** Runs `input` through in 128-sample blocks, as the audio thread does; returns what came out. */
function run(p: Processor, input: Float32Array): Float32Array {
  const out = new Float32Array(input.length);
  for (let at = 0; at + 128 <= input.length; at += 128) {
    const block = new Float32Array(128);
    expect(p.process([[input.subarray(at, at + 128)]], [[block]])).toBe(true);
    out.set(block, at);
  }
  return out;
}

const energy = (x: Float32Array, from = 0) => x.subarray(from).reduce((a, v) => a + v * v, 0) / (x.length - from);

async function ready() {
  const p = new Processor({ processorOptions: { wasm: await wasm() } });
  for (let i = 0; i < 100 && !p.port.sent.some((m) => (m as { type: string }).type === "ready"); i++) await Bun.sleep(10);
  expect(p.port.sent).toContainEqual({ type: "ready" });
  return p;
}

let seed = 7;
const noise = (n: number, level: number) =>
  Float32Array.from({ length: n }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648 - 0.5) * 2 * level;
  });
/** A 150 Hz voice with harmonics, its loudness pulsing like syllables. */
const voice = (n: number) =>
  Float32Array.from({ length: n }, (_, i) => {
    const t = i / 48_000;
    let s = 0;
    for (let h = 1; h <= 6; h++) s += Math.sin(2 * Math.PI * 150 * h * t) / h;
    return 0.3 * (0.55 + 0.45 * Math.abs(Math.sin(2 * Math.PI * 3 * t))) * s;
  });

describe("the noise suppression worklet", () => {
  test("before RNNoise is ready the microphone passes through unchanged", async () => {
    const p = new Processor({ processorOptions: { wasm: await wasm() } });
    const input = noise(256, 0.2);
    expect(run(p, input)).toEqual(input);
  });

  test("once ready: silence while the first frame and a block are buffered, then output every block", async () => {
    const p = await ready();
    const out = run(p, voice(48_000));
    // Nothing comes out until 480 + 128 samples are queued (block 5 of 128 is the first with enough).
    expect(energy(out.subarray(0, 512))).toBe(0);
    expect(energy(out, 4_800)).toBeGreaterThan(0);
    // After that the queue never runs dry: no silent block in the rest of the second.
    for (let at = 4_800; at < 48_000; at += 128) expect(energy(out.subarray(at, at + 128))).toBeGreaterThan(0);
  });

  test("steady noise is taken down; a voice comes through", async () => {
    const second = 48_000;
    const noisy = run(await ready(), noise(3 * second, 0.1));
    const plainNoise = energy(noise(3 * second, 0.1));
    expect(energy(noisy, second)).toBeLessThan(plainNoise * 0.1);
    const spoken = run(await ready(), voice(3 * second));
    expect(energy(spoken, second)).toBeGreaterThan(energy(voice(3 * second), second) * 0.2);
  });

  test("stop frees RNNoise and ends the processor", async () => {
    const p = await ready();
    p.port.onmessage!({ data: { type: "stop" } });
    expect(p.process([[new Float32Array(128)]], [[new Float32Array(128)]])).toBe(false);
  });
});
