// Drive the real @sentry/node SDK against a DSN, one scenario per process
// (the SDK is global state). Usage: node scenario.mjs <dsn> <scenario> [--count N]
// (environment: TOCSIN_SENTRY_NODE=sentry-node-9 runs @sentry/node 9 instead)
//
// Prints one JSON line on stdout: {"sdk", "version", "scenario", "event_ids", ...}
// so a test can look up what the server stored. Exits 0 once everything is
// flushed; a non-zero exit means the SDK could not deliver (see stderr).
// TOCSIN_SENTRY_NODE picks an older major (sentry-node-8, -9, -10: npm aliases
// in package.json) for the version matrix; the default is the current one.
const Sentry = await import(process.env.TOCSIN_SENTRY_NODE || "@sentry/node");

const RELEASE = "tocsin-sdk-test@1.0.0";
const ENVIRONMENT = "sdk-test";

const [dsn, scenario, ...options] = process.argv.slice(2);
const countAt = options.indexOf("--count");
const count = Number.parseInt(countAt >= 0 ? options[countAt + 1] : "10", 10);
if (!dsn || !scenario || Number.isNaN(count)) {
  process.stderr.write("usage: node scenario.mjs <dsn> <scenario> [--count N]\n");
  process.exit(2);
}
const report = { sdk: "node", version: Sentry.SDK_VERSION, scenario, event_ids: [] };

async function finish() {
  const delivered = await Sentry.close(5000);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  // Exiting here, not on an empty event loop, so "beforeExit" never fires and
  // the ProcessSession integration sends no extra session after we reported.
  process.exit(delivered ? 0 : 1);
}

class CheckoutError extends Error {
  constructor(message) {
    super(message);
    this.name = "CheckoutError";
  }
}

function chargeCard(orderId) {
  throw new CheckoutError(`card declined for order ${orderId}`);
}

// Every burst error is thrown from this one line, so they share a stack.
function failOnce(index) {
  try {
    chargeCard(index);
  } catch (error) {
    return Sentry.captureException(error);
  }
  return undefined;
}

const scenarios = {
  error() {
    Sentry.setTag("checkout.step", "payment");
    Sentry.setUser({ id: "42", email: "jane@example.com", username: "jane" });
    Sentry.addBreadcrumb({ category: "cart", message: "added 2 items", level: "info" });
    report.event_ids.push(failOnce(1));
  },

  message() {
    // @sentry/node 11 attaches a synthetic exception with the call-site stack
    // to a message (sentry-protocol §2.3), so it groups by stack.
    report.event_ids.push(Sentry.captureMessage("Payment provider answered slowly", "warning"));
  },

  transaction() {
    Sentry.startSpan({ name: "GET /orders/:id", op: "http.server" }, (root) => {
      report.trace_id = root.spanContext().traceId;
      Sentry.startSpan({ name: "SELECT * FROM orders WHERE id = $1", op: "db" }, () => {});
    });
  },

  async session() {
    // Release health (sentry-protocol §1.11): the ProcessSession integration
    // opened a session at init; restart it explicitly so its id is known, send
    // the init update, record one error on it, then end it (status exited).
    const session = Sentry.startSession();
    report.session_ids = [session.sid];
    Sentry.captureSession();
    report.event_ids.push(failOnce(1));
    // Events are processed asynchronously; the error only counts on the
    // session once it went through the client, so wait before ending it.
    await Sentry.flush(5000);
    Sentry.endSession();
  },

  checkin() {
    const monitorSlug = "nightly-report";
    const monitorConfig = {
      schedule: { type: "crontab", value: "*/5 * * * *" },
      checkinMargin: 2,
      maxRuntime: 10,
      timezone: "Europe/Berlin",
    };
    const checkInId = Sentry.captureCheckIn(
      { monitorSlug, status: "in_progress" },
      monitorConfig,
    );
    Sentry.captureCheckIn({ checkInId, monitorSlug, status: "ok", duration: 1.5 }, monitorConfig);
    report.check_in_ids = [checkInId];
  },

  log() {
    const user = "jane";
    Sentry.logger.info(Sentry.logger.fmt`User ${user} signed in`, { plan: "team" });
    Sentry.logger.warn("Disk almost full", { free_mb: 120 });
  },

  burst() {
    for (let index = 0; index < count; index += 1) {
      report.event_ids.push(failOnce(index));
    }
  },

  unhandled() {
    // Thrown outside any try: the OnUncaughtException integration captures it
    // (mechanism.handled false, level fatal) and calls onFatalError below.
    setTimeout(() => {
      chargeCard("unhandled");
    }, 0);
    return "pending";
  },
};

const run = scenarios[scenario];
if (!run) {
  process.stderr.write(`unknown scenario ${scenario}; known: ${Object.keys(scenarios).join(", ")}\n`);
  process.exit(2);
}

Sentry.init({
  dsn,
  release: RELEASE,
  environment: ENVIRONMENT,
  tracesSampleRate: 1.0,
  enableLogs: scenario === "log",
  // The default buffer (64) would drop part of a large burst before it is sent.
  transportOptions: { bufferSize: Math.max(64, count + 8) },
  onFatalError: async () => {
    report.event_ids.push(Sentry.lastEventId());
    await finish();
  },
});

if ((await run()) !== "pending") {
  await finish();
}
