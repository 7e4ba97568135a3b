export { createApp, type App, type AppDeps } from "./app.ts";
export { createMetrics, loadMetrics, noMetrics, type Metrics } from "./metrics.ts";
