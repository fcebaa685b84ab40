// What the browser test (ui_test.mjs) and the screenshot command
// (screenshots.mjs) share: starting and stopping `weir serve` on a free
// loopback port, loading playwright-core from third_party, and waiting for
// a condition with a timeout.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const WAIT_MS = 30_000;  // one condition (a run finishing takes a few seconds)

export function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
}

// playwright-core as scripts/setup.sh installs it (third_party/playwright).
export async function loadChromium(dir) {
  const root = dir ?? resolve(HERE, '../../third_party/playwright');
  const entry = join(root, 'node_modules/playwright-core/index.mjs');
  try {
    return (await import(pathToFileURL(entry).href)).chromium;
  } catch (error) {
    throw new Error(`cannot load playwright-core from ${entry} (run scripts/setup.sh): ${error.message}`);
  }
}

// The flags DESIGN.md gives for Chromium here: no sandbox (root in CI), and
// none of its own network traffic (the machine's network is closed).
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A server outlives a test killed outright (ctest's timeout sends SIGKILL,
// which node cannot catch) by this much at most: coreutils' timeout ends it.
const SERVER_LIFETIME_S = 300;

// Starts `weir serve` in `folder`; resolves with {process, url} once it
// prints its address. The process is `timeout`, which passes our SIGTERM on.
export function startServer(weirPath, folder) {
  const server = spawn('timeout', [String(SERVER_LIFETIME_S), weirPath, 'serve', '--port', '0', '--poll', '100ms'],
    { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      server.kill('SIGKILL');
      reject(new Error(`weir serve printed no address in ${WAIT_MS} ms:\n${output}`));
    }, WAIT_MS);
    const read = (chunk) => {
      output += chunk;
      const match = output.match(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ process: server, url: match[1], output: () => output });
      }
    };
    server.stdout.on('data', read);
    server.stderr.on('data', read);
    server.on('exit', (code) => reject(new Error(`weir serve exited (${code}) before serving:\n${output}`)));
  });
}

export async function stopServer(server) {
  if (!server || server.process.exitCode !== null) return;
  const ended = new Promise((r) => server.process.once('exit', r));
  server.process.kill('SIGTERM');
  const timer = setTimeout(() => server.process.kill('SIGKILL'), 10_000);
  await ended;
  clearTimeout(timer);
}

// Runs `cleanup` (stop the server and the browser) before the process
// ends on SIGTERM or SIGINT, and keeps a closed stdout (a reader that went
// away) from ending it before its cleanup.
export function cleanUpOnSignals(cleanup) {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, async () => {
      await cleanup();
      process.exit(1);
    });
  }
}

// Polls `check` (an async function returning a truthy value when done)
// until it holds; fails with `what` after WAIT_MS.
export async function until(what, check) {
  const deadline = Date.now() + WAIT_MS;
  let last;
  for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, delay));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}
