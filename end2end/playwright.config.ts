import { defineConfig } from '@playwright/test';

// The server under test: `CANVASS_BIN` (scripts/test.sh passes the build its Rust tests
// made), else the release build from `scripts/site.sh` (what `make run` serves), serving
// the release browser bundle on its own port so it never clashes with `make run`, against
// the database scripts/test.sh prepared.
const server = process.env.CANVASS_BIN ?? '../target/release/canvass';
const port = process.env.CANVASS_E2E_PORT ?? '3100';
const baseURL = `http://127.0.0.1:${port}`;
// A second instance on the same database, for the live-dashboard test (what one instance
// saves, a dashboard served by the other must show).
const portB = process.env.CANVASS_E2E_PORT_B ?? '3101';
const instanceB = `http://127.0.0.1:${portB}`;

// Debian's Chromium, as installed by scripts/tools.sh. These flags keep it from reaching
// for the network at start-up (this machine has none) and let it run as root.
const chromiumArgs = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** One `canvass serve` on `port`, against the test database. */
function instance(url: string, port: string) {
  return {
    command: `${server} serve`,
    url: `${url}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    env: {
      DATABASE_URL: process.env.DATABASE_URL ?? '',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: '../target/site',
      LEPTOS_HASH_FILES: 'true',
      CANVASS_LOG: 'warn',
    },
  };
}

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  // One worker: on a 2-core machine two are no faster, and one keeps timings steady.
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    locale: 'zh-CN',
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
  },
  projects: [
    {
      name: 'phone',
      use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
    },
    { name: 'desktop', use: { viewport: { width: 1280, height: 800 } } },
  ],
  webServer: [instance(baseURL, port), instance(instanceB, portB)],
});
