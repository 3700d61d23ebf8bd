// Throw from a minified bundle with a debug id (tests/issues/sourcemaps) and
// report it with the real @sentry/node SDK, which finds the bundle's debug id
// in globalThis._sentryDebugIds and sends it in debug_meta.images.
// Usage: node minified.mjs <dsn> <bundle.mjs>; prints {"event_ids": [...]}.
import { pathToFileURL } from "node:url";
import * as Sentry from "@sentry/node";

const [dsn, bundle] = process.argv.slice(2);
if (!dsn || !bundle) {
  process.stderr.write("usage: node minified.mjs <dsn> <bundle.mjs>\n");
  process.exit(2);
}
Sentry.init({ dsn, release: "shop@1.0.0", environment: "sdk-test", defaultIntegrations: false });
const { checkout } = await import(pathToFileURL(bundle).href);
const report = { sdk: "node", version: Sentry.SDK_VERSION, event_ids: [] };
try {
  checkout({ cents: 1999, declined: true });
} catch (error) {
  report.event_ids.push(Sentry.captureException(error));
}
const delivered = await Sentry.close(5000);
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(delivered ? 0 : 1);
