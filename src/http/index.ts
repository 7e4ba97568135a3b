export { createApp, type App, type AppDeps } from "./app.ts";
export { createMetrics, type Metrics } from "./metrics.ts";
