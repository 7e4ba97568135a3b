// The media effects' files, imported `with { type: "file" }`: the bundler copies each into the client
// bundle (and so into the single binary) and the import is its URL path.

declare module "@mediapipe/selfie_segmentation/selfie_segmentation.js" {
  const path: string;
  export default path;
}
declare module "@mediapipe/selfie_segmentation/selfie_segmentation.binarypb" {
  const path: string;
  export default path;
}
declare module "@mediapipe/selfie_segmentation/selfie_segmentation.tflite" {
  const path: string;
  export default path;
}
declare module "@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite" {
  const path: string;
  export default path;
}
declare module "@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.data" {
  const path: string;
  export default path;
}
declare module "@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.js" {
  const path: string;
  export default path;
}
declare module "@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.wasm" {
  const path: string;
  export default path;
}
declare module "@mediapipe/selfie_segmentation/selfie_segmentation_solution_wasm_bin.js" {
  const path: string;
  export default path;
}
declare module "@mediapipe/selfie_segmentation/selfie_segmentation_solution_wasm_bin.wasm" {
  const path: string;
  export default path;
}
declare module "@jitsi/rnnoise-wasm/dist/rnnoise.wasm" {
  const path: string;
  export default path;
}
/** RNNoise compiled by Emscripten (MODULARIZE): a factory resolving to the module with its exports. */
declare module "@jitsi/rnnoise-wasm/dist/rnnoise.js" {
  export interface RnnoiseModule {
    HEAPF32: Float32Array;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    _rnnoise_create(model: number): number;
    _rnnoise_destroy(state: number): void;
    _rnnoise_process_frame(state: number, out: number, input: number): number;
  }
  export default function createRNNWasmModule(options?: {
    instantiateWasm?(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module?: WebAssembly.Module) => void): object;
  }): Promise<RnnoiseModule>;
}
