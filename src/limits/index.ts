export { createCaps, type Caps, type CappedAction } from "./caps.ts";
