// Screenshots of each page of the web UI into docs/img/ (for docs/ui.md),
// taken on a copy of tests/ui/project with a few runs made through the API:
// one that failed, one cleared and rerun green, one with a retry, and
// four days of check results. Not part of the test run:
//
//   scripts/ui_screenshots.sh [PATH/TO/weir]
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM_ARGS, HERE, WAIT_MS, cleanUpOnSignals, loadChromium, option, startServer, stopServer, until } from './harness.mjs';

const weir = option('weir');
const out = resolve(option('out', join(HERE, '../../docs/img')));
const chromium = await loadChromium(option('playwright'));

async function post(url, path, body) {
  const response = await fetch(url + path, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(WAIT_MS) });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function finished(url, id) {
  return until(`run ${id} to finish`, async () => {
    const run = await (await fetch(`${url}/api/v1/runs/${id}`)).json();
    return ['success', 'failed', 'interrupted'].includes(run.state) && run;
  });
}

// Runs for three days: the first fails and is cleared after the fix, the
// second succeeds, the third fails (it runs before the fix).
async function makeHistory(url, folder) {
  const first = await post(url, '/api/v1/pipelines/chain/runs', { date: '2024-03-01', params: { who: 'docs' } });
  await finished(url, first.id);
  const third = await post(url, '/api/v1/pipelines/chain/runs', { date: '2024-03-03' });
  await finished(url, third.id);
  writeFileSync(join(folder, 'pass'), '');
  await post(url, `/api/v1/runs/${first.id}/clear`, { tasks: ['load'], downstream: true });
  await finished(url, first.id);
  const second = await post(url, '/api/v1/pipelines/chain/runs', { date: '2024-03-02' });
  await finished(url, second.id);
  await post(url, '/api/v1/pipelines/nightly/pause', {});
  // Check results over four days: a failing expression, then nulls.
  for (const [day, nulls] of [[1, 0], [2, 2], [3, 1], [4, 0]]) {
    await finished(url, (await post(url, '/api/v1/pipelines/quality/runs', { date: `2024-03-0${day}`, params: { nulls } })).id);
  }
  const staged = await post(url, '/api/v1/pipelines/staged/runs', { date: '2024-03-04' });
  await finished(url, staged.id);
  return { failedRun: third.id, stagedRun: staged.id };
}

async function shoot(page, url, hash, ready, name, width = 1000, height = 560) {
  await page.setViewportSize({ width, height });
  await page.goto(`${url}/${hash}`);
  await page.locator(ready).first().waitFor({ timeout: WAIT_MS });
  await page.screenshot({ path: join(out, name) });
  console.log(`ui_screenshots: ${join(out, name)}`);
}

const folder = mkdtempSync(join(tmpdir(), 'weir-ui-shots-'));
let server = null, browser = null, failed = false;
const cleanup = async () => {
  await Promise.allSettled([browser?.close(), stopServer(server)]);
  rmSync(folder, { recursive: true, force: true });
};
cleanUpOnSignals(cleanup);
try {
  cpSync(join(HERE, 'project'), folder, { recursive: true });
  server = await startServer(resolve(weir), folder);
  await until('the scheduler to start', async () => (await fetch(`${server.url}/readyz`)).status === 200);
  const { failedRun, stagedRun } = await makeHistory(server.url, folder);
  browser = await chromium.launch({ executablePath: option('chromium', '/usr/bin/chromium'), args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const { url } = server;
  await shoot(page, url, '#/', 'tr[data-pipeline="nightly"] input:checked', 'ui-pipelines.png', 1000, 300);
  await shoot(page, url, '#/pipelines/chain', `a.sq[data-run="${failedRun}"]`, 'ui-grid.png', 1000, 420);
  await shoot(page, url, `#/runs/${failedRun}/tasks/load`, 'pre[data-log="load"]:has-text("load tries")', 'ui-task.png', 1000, 520);
  await shoot(page, url, '#/pipelines/chain/graph', 'g.node[data-node="report"]', 'ui-graph.png', 1000, 300);
  await shoot(page, url, `#/runs/${stagedRun}/gantt`, 'rect[data-attempt="transform#2"]', 'ui-gantt.png', 1000, 300);
  await shoot(page, url, '#/checks', 'section[data-check] svg.trend circle', 'ui-checks.png', 1000, 520);
  await shoot(page, url, '#/audit', 'tr[data-action="pause"]', 'ui-audit.png', 1000, 330);
  await shoot(page, url, '#/pipelines/chain', `a.sq[data-run="${failedRun}"]`, 'ui-phone.png', 375, 600);
} catch (error) {
  failed = true;
  console.error(`ui_screenshots: ${error.stack || error}`);
  if (server) console.error(server.output());
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
