// The web UI in a real browser: `weir serve` on a copy of tests/ui/project
// (a free loopback port), Debian's Chromium driven headless by
// playwright-core. What the page shows is checked against what the REST
// API answers, and the API is checked after each action taken in the page.
//
//   node tests/ui/ui_test.mjs --weir PATH/TO/weir [--playwright DIR] [--chromium PATH]
//
// Every wait has a timeout; a watchdog ends the server and the browser if
// the whole test takes too long. No fixed sleeps.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { CHROMIUM_ARGS, HERE, WAIT_MS, cleanUpOnSignals, loadChromium, option, startServer, stopServer, until } from './harness.mjs';

const WATCHDOG_MS = 240_000;  // the whole test

const weir = option('weir');
if (!weir) {
  console.error('usage: ui_test.mjs --weir PATH [--playwright DIR] [--chromium PATH]');
  process.exit(2);
}
const chromium = await loadChromium(option('playwright'));
const chromiumPath = option('chromium', '/usr/bin/chromium');

async function apiJson(url, path) {
  const response = await fetch(url + path, { signal: AbortSignal.timeout(WAIT_MS) });
  assert.equal(response.status, 200, `GET ${path}`);
  return response.json();
}

const steps = [];
function step(name) {
  steps.push(name);
  console.log(`ui_test: ${name}`);
}

async function main(server, page, folder) {
  const { url } = server;
  await until('the scheduler to start', async () => (await fetch(`${url}/readyz`)).status === 200);

  step('the pipelines page lists the project\'s pipelines');
  await page.goto(url + '/');
  await page.locator('tr[data-pipeline="chain"] a.name').waitFor({ timeout: WAIT_MS });
  const rows = await page.locator('tr[data-pipeline]').evaluateAll((trs) => trs.map((tr) => tr.dataset.pipeline));
  const listed = (await apiJson(url, '/api/v1/pipelines')).pipelines.map((p) => p.name);
  assert.deepEqual(rows, listed);
  assert.match(await page.locator('tr[data-pipeline="nightly"]').innerText(), /30 2 \* \* \* \(UTC\)/);

  step('trigger a run from the grid page');
  await page.click('tr[data-pipeline="chain"] a.name');
  await page.locator('form[data-trigger="chain"]').waitFor({ timeout: WAIT_MS });
  await page.fill('form[data-trigger="chain"] input[name="date"]', '2024-01-01');
  await page.fill('form[data-trigger="chain"] textarea[name="params"]', '{"who": "browser"}');
  await page.click('form[data-trigger="chain"] button[type="submit"]');
  const notice = await page.locator('.notice .ok', { hasText: 'queued' }).innerText({ timeout: WAIT_MS });
  const runId = Number(notice.match(/run (\d+) for 2024-01-01 queued/)[1]);
  const run = await apiJson(url, `/api/v1/runs/${runId}`);
  assert.equal(run.ds, '2024-01-01');
  assert.deepEqual(run.params, { who: 'browser' });

  step('the grid turns the run\'s squares success and failed');
  const cell = (task, state) => page.locator(`a.sq[data-run="${runId}"][data-task="${task}"][data-state="${state}"]`);
  await cell('load', 'failed').waitFor({ timeout: WAIT_MS });
  await page.locator(`[data-run-state="${runId}"][data-state="failed"]`).waitFor({ timeout: WAIT_MS });
  const shown = await page.locator(`a.sq[data-run="${runId}"]`).evaluateAll(
    (squares) => Object.fromEntries(squares.map((s) => [s.dataset.task, s.dataset.state])));
  const fromApi = Object.fromEntries((await apiJson(url, `/api/v1/runs/${runId}/tasks`)).tasks.map((t) => [t.task_id, t.state]));
  assert.deepEqual(shown, fromApi);
  assert.deepEqual(fromApi, { 'extract.orders': 'success', 'extract.customers': 'success', load: 'failed', report: 'upstream_failed' });
  // The group's square shows its worst task; folding it hides its rows.
  await page.locator(`[data-group="extract"] .sq[data-run="${runId}"][data-state="success"]`).waitFor({ timeout: WAIT_MS });
  await page.click('tr[data-group="extract"] button.fold');
  await page.locator('tr[data-row="extract.orders"]').waitFor({ state: 'detached', timeout: WAIT_MS });
  await page.click('tr[data-group="extract"] button.fold');
  await page.locator('tr[data-row="extract.orders"]').waitFor({ timeout: WAIT_MS });

  step('the failed task\'s page shows its attempt, error and log');
  await cell('load', 'failed').click();
  const log = page.locator('pre[data-log="load"]');
  await log.filter({ hasText: 'load tries 2024-01-01' }).waitFor({ timeout: WAIT_MS });
  const apiLog = await (await fetch(`${url}/api/v1/runs/${runId}/tasks/load/log?tail=2000`)).text();
  assert.equal(await log.textContent(), apiLog);
  await page.locator('tr[data-attempt="1"]', { hasText: 'failed' }).waitFor({ timeout: WAIT_MS });

  step('after fixing the cause, clear reruns the task and it turns green');
  writeFileSync(join(folder, 'pass'), '');
  await page.click('button[data-action="clear"]');
  await page.locator('.notice .ok', { hasText: 'cleared 2 task instance(s)' }).waitFor({ timeout: WAIT_MS });
  await page.locator('h1 .badge[data-state="success"]').waitFor({ timeout: WAIT_MS });
  await log.filter({ hasText: 'load done' }).waitFor({ timeout: WAIT_MS });
  await page.locator('tr[data-attempt="2"]', { hasText: 'success' }).waitFor({ timeout: WAIT_MS });
  await page.click('.summary a');  // back to the pipeline's grid
  await cell('report', 'success').waitFor({ timeout: WAIT_MS });
  await page.locator(`[data-run-state="${runId}"][data-state="success"]`).waitFor({ timeout: WAIT_MS });
  assert.equal((await apiJson(url, `/api/v1/runs/${runId}`)).state, 'success');

  step('the graph shows the DAG left to right with the latest run\'s states');
  await page.click('nav.tabs a:has-text("Graph")');
  await page.locator('g.node[data-node="report"][data-state="success"]').waitFor({ timeout: WAIT_MS });
  const x = async (id) => Number(await page.locator(`g.node[data-node="${id}"] rect`).getAttribute('x'));
  assert.ok(await x('extract.orders') < await x('load') && await x('load') < await x('report'), 'layers left to right');
  assert.equal(await page.locator('path.edge').count(), 3);

  step('the run\'s Gantt draws one bar per attempt, from the grid and the task page');
  await page.click('nav.tabs a:has-text("Grid")');
  await page.click(`a[data-gantt="${runId}"]`, { timeout: WAIT_MS });
  const withAttempts = (await apiJson(url, `/api/v1/runs/${runId}/tasks?attempts=true`)).tasks;
  const attemptIds = withAttempts.flatMap((t) => t.attempts.map((a) => `${t.task_id}#${a.number}`)).sort();
  assert.deepEqual(attemptIds, ['extract.customers#1', 'extract.orders#1', 'load#1', 'load#2', 'report#1']);
  const bars = async () => (await page.locator('svg.gantt rect[data-attempt]').evaluateAll(
    (rects) => rects.map((r) => r.dataset.attempt))).sort();
  await until('a bar per attempt', async () => JSON.stringify(await bars()) === JSON.stringify(attemptIds));
  // load's bars: the failed attempt before the successful one, on one row.
  const barX = async (id) => Number(await page.locator(`rect[data-attempt="${id}"]`).getAttribute('x'));
  assert.ok(await barX('load#1') < await barX('load#2'), 'attempts in time order');
  assert.equal(await page.locator('rect[data-attempt="load#1"]').getAttribute('class'), 'seg state-failed');
  assert.ok(await page.locator('svg.gantt .axis text').count() >= 2, 'a time scale');
  await page.click('g[data-row="load"] a');
  await page.click(`.summary a[data-gantt="${runId}"]`, { timeout: WAIT_MS });
  await page.locator('rect[data-attempt="load#2"]').waitFor({ timeout: WAIT_MS });

  step('a running task\'s log is followed, and its run cancelled from the grid');
  await page.goto(`${url}/#/pipelines/slow`);
  await page.click('form[data-trigger="slow"] button[type="submit"]');
  const slowNotice = await page.locator('.notice .ok', { hasText: 'queued' }).innerText({ timeout: WAIT_MS });
  const slowRun = Number(slowNotice.match(/run (\d+) for/)[1]);
  const running = page.locator(`a.sq[data-run="${slowRun}"][data-task="wait"][data-state="running"]`);
  await running.click({ timeout: WAIT_MS });
  // A running task's log is followed: what it printed so far is shown.
  await page.locator('h2', { hasText: '(following)' }).waitFor({ timeout: WAIT_MS });
  await page.locator('pre[data-log="wait"]', { hasText: 'waiting' }).waitFor({ timeout: WAIT_MS });
  // The Gantt of an active run is redrawn: its time axis keeps growing.
  await page.click(`.summary a[data-gantt="${slowRun}"]`, { timeout: WAIT_MS });
  await page.locator('rect[data-attempt="wait#1"].state-running').waitFor({ timeout: WAIT_MS });
  const lastTick = () => page.locator('svg.gantt .axis text').last().textContent();
  const firstSeen = await lastTick();
  await until('the running Gantt to move on', async () => (await lastTick()) !== firstSeen);
  await page.goto(`${url}/#/pipelines/slow`);
  await page.click(`button[data-cancel="${slowRun}"]`, { timeout: WAIT_MS });
  await page.locator('.notice .ok', { hasText: 'cancel requested' }).waitFor({ timeout: WAIT_MS });
  await page.locator(`[data-run-state="${slowRun}"][data-state="interrupted"]`).waitFor({ timeout: WAIT_MS });
  assert.equal((await apiJson(url, `/api/v1/runs/${slowRun}`)).state, 'interrupted');
  assert.equal(await page.locator(`button[data-cancel="${slowRun}"]`).count(), 0, 'no cancel on an ended run');

  step('the paused toggle pauses the pipeline');
  await page.click('a[data-nav="pipelines"]');
  const toggle = page.locator('input[data-pause="chain"]');
  await toggle.waitFor({ timeout: WAIT_MS });
  assert.equal(await toggle.isChecked(), false);
  await toggle.click();
  await page.locator('.notice .ok', { hasText: 'chain paused' }).waitFor({ timeout: WAIT_MS });
  assert.equal((await apiJson(url, '/api/v1/pipelines/chain')).paused, true);
  await until('the toggle to stay checked', async () => page.locator('input[data-pause="chain"]').isChecked());

  step('the audit page lists those actions');
  await page.click('a[data-nav="audit"]');
  await page.locator('tr[data-action="pause"]').waitFor({ timeout: WAIT_MS });
  const actions = await page.locator('tr[data-action]').evaluateAll((trs) => trs.map((tr) => tr.dataset.action));
  assert.deepEqual(actions, ['pause', 'cancel', 'trigger', 'clear', 'trigger']);
  const entries = (await apiJson(url, '/api/v1/audit')).entries.map((e) => e.action);
  assert.deepEqual(actions, entries);

  step('the checks page shows the latest results and a trend per check');
  for (const [date, nulls] of [['2024-01-01', 0], ['2024-01-02', 2]]) {
    const created = await (await fetch(`${url}/api/v1/pipelines/quality/runs`, { method: 'POST',
      body: JSON.stringify({ date, params: { nulls } }), signal: AbortSignal.timeout(WAIT_MS) })).json();
    await until(`quality's run for ${date} to end`, async () =>
      ['success', 'failed'].includes((await apiJson(url, `/api/v1/runs/${created.id}`)).state));
  }
  // Rows 0..4, amount i + 1 (NULL for i < nulls): on the 1st one row has
  // amount 1 (expression fails); on the 2nd two are NULL (not_null warns).
  const expected = { row_count: 'pass', 'not_null(amount)': 'warn', 'expression(amount > 1)': 'pass' };
  const latest = Object.fromEntries((await apiJson(url, '/api/v1/checks')).checks.map((c) => [c.check, c.status]));
  assert.deepEqual(latest, expected);
  await page.click('a[data-nav="checks"]');
  const section = (check) => page.locator(`section[data-check="quality.check_orders/${check}"]`);
  for (const [check, status] of Object.entries(expected)) {
    await page.locator(`section[data-check="quality.check_orders/${check}"][data-status="${status}"]`).waitFor({ timeout: WAIT_MS });
    const { history } = await apiJson(url, `/api/v1/checks/quality.check_orders/${encodeURIComponent(check)}/history`);
    assert.equal(history.length, 2, check);
    await until(`${check}'s trend`, async () => await section(check).locator('svg.trend circle').count() === history.length);
  }
  const marked = await section('expression(amount > 1)').locator('circle[data-point="fail"]').count();
  assert.equal(marked, 1, 'the failed interval is marked');
  await section('not_null(amount)').locator('details summary').click();
  await section('not_null(amount)').locator('details table tbody tr').nth(1).waitFor({ timeout: WAIT_MS });

  step('at a phone\'s width the grid scrolls sideways inside the page');
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(`${url}/#/pipelines/chain`);
  await cell('report', 'success').waitFor({ timeout: WAIT_MS });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(await overflow() <= 0, `the grid page is ${await overflow()}px wider than the screen`);
  for (const [hash, ready] of [[`#/runs/${runId}/gantt`, 'rect[data-attempt="load#2"]'], ['#/checks', 'svg.trend circle']]) {
    await page.goto(`${url}/${hash}`);
    await page.locator(ready).first().waitFor({ timeout: WAIT_MS });
    assert.ok(await overflow() <= 0, `${hash} is ${await overflow()}px wider than the screen`);
  }
}

const folder = mkdtempSync(join(tmpdir(), 'weir-ui-'));
let server = null;
let browser = null;
const errors = [];
const cleanup = async () => {
  await Promise.allSettled([browser?.close(), stopServer(server)]);
  rmSync(folder, { recursive: true, force: true });
};
cleanUpOnSignals(cleanup);
const watchdog = setTimeout(async () => {
  console.error(`ui_test: timed out after ${WATCHDOG_MS / 1000} s during "${steps.at(-1)}"`);
  await cleanup();
  process.exit(1);
}, WATCHDOG_MS);
let failed = false;
try {
  cpSync(join(HERE, 'project'), folder, { recursive: true });
  server = await startServer(resolve(weir), folder);
  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, timeout: WAIT_MS });
  const page = await browser.newPage();
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(`console: ${message.text()}`); });
  await main(server, page, folder);
  assert.deepEqual(errors, [], 'the page logged no errors');
  console.log(`ui_test: ${steps.length} passed, 0 failed`);
} catch (error) {
  failed = true;
  console.error(`ui_test: FAILED in "${steps.at(-1)}": ${error.stack || error}`);
  if (errors.length) console.error(errors.join('\n'));
  if (server) console.error(`--- weir serve said:\n${server.output()}`);
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
process.exit(failed ? 1 : 0);
