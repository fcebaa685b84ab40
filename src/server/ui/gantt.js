// Gantt of a run: its task instances as rows on one time axis, each
// attempt a bar coloured by how it ended (running while it runs), the wait
// before a retry a gold segment, and a queued instance's wait grey. Drawn
// as SVG from one call (/tasks?attempts=true); live while the run is.
import { api, enc } from './api.js';
import { el, svg, stateBadge, duration, isActive } from './view.js';

const ROW_H = 24, BAR_H = 14, AXIS_H = 26, PLOT_W = 760, CHAR_W = 7.2, PAD = 10;
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

const ms = (iso) => Date.parse(iso);

// Segments of one instance, as {from, to, state, attempt?} in ms: each
// attempt, the retry waits between attempts (and after the last while the
// instance waits for its retry), and a queued instance's wait.
export function segmentsOf(instance, runStart, end) {
  const segments = [];
  let previousEnd = null;
  for (const attempt of instance.attempts) {
    const from = ms(attempt.started_at);
    if (previousEnd !== null && from > previousEnd) segments.push({ from: previousEnd, to: from, state: 'up_for_retry' });
    const to = attempt.ended_at ? ms(attempt.ended_at) : end;
    segments.push({ from, to, state: attempt.state, attempt });
    previousEnd = to;
  }
  if (instance.state === 'up_for_retry' && previousEnd !== null) {
    segments.push({ from: previousEnd, to: end, state: 'up_for_retry' });
  } else if (instance.state === 'queued') {
    segments.push({ from: previousEnd ?? runStart, to: end, state: 'queued' });
  }
  return segments;
}

// The step between ticks that gives at most about 8 ticks over `seconds`.
export function tickStep(seconds) { return STEPS.find((step) => seconds / step <= 8) ?? STEPS[STEPS.length - 1]; }

function clock(t) { return new Date(t).toISOString().slice(11, 19); }

function axis(start, end, x, labelW, height) {
  const step = tickStep((end - start) / 1000) * 1000;
  const ticks = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
    ticks.push(svg('line', { class: 'tick', x1: x(t), x2: x(t), y1: AXIS_H - 6, y2: height }),
      svg('text', { x: x(t), y: AXIS_H - 10, 'text-anchor': 'middle' }, clock(t)));
  }
  return svg('g', { class: 'axis', 'data-step-seconds': step / 1000 },
    svg('line', { class: 'baseline', x1: labelW, x2: labelW + PLOT_W, y1: AXIS_H - 6, y2: AXIS_H - 6 }), ticks);
}

function bar(taskId, segment, x, y) {
  const width = Math.max(2, x(segment.to) - x(segment.from));
  const seconds = (segment.to - segment.from) / 1000;
  const what = segment.attempt ? `attempt ${segment.attempt.number}: ${segment.state}` : `waiting: ${segment.state}`;
  const attrs = { class: `seg state-${segment.state}`, x: x(segment.from), y, width, height: BAR_H, rx: 2 };
  if (segment.attempt) attrs['data-attempt'] = `${taskId}#${segment.attempt.number}`;
  else attrs['data-wait'] = segment.state;
  return svg('rect', attrs, svg('title', {}, `${taskId} ${what}, ${clock(segment.from)}, ${duration(seconds)}`));
}

export function draw(run, tasks, now) {
  // A cleared run restarts: its start is then later than its first attempts.
  const attempts = tasks.flatMap((t) => t.attempts);
  const runStart = Math.min(ms(run.started_at), ...attempts.map((a) => ms(a.started_at)));
  const latest = Math.max(runStart, ...attempts.map((a) => ms(a.ended_at ?? a.started_at)));
  const ended = run.ended_at && !isActive(run.state) ? Math.max(ms(run.ended_at), latest) : Math.max(now, latest);
  const end = Math.max(ended, runStart + 1000);  // times are to the second: at least one second wide
  const span = end - runStart;
  const labelW = Math.min(240, Math.max(60, ...tasks.map((t) => t.task_id.length * CHAR_W))) + PAD;
  const x = (t) => labelW + ((t - runStart) / span) * PLOT_W;
  const height = AXIS_H + tasks.length * ROW_H + PAD;
  const rows = tasks.map((task, i) => {
    const y = AXIS_H + i * ROW_H;
    const label = svg('a', { href: `#/runs/${run.id}/tasks/${enc(task.task_id)}` },
      svg('text', { x: labelW - PAD, y: y + BAR_H, 'text-anchor': 'end' }, task.task_id));
    const bars = segmentsOf(task, runStart, end).map((s) => bar(task.task_id, s, x, y + (ROW_H - BAR_H) / 2 - 2));
    return svg('g', { class: 'row', 'data-row': task.task_id, 'data-state': task.state }, label, bars);
  });
  const width = labelW + PLOT_W + PAD * 4;
  return svg('svg', { class: 'gantt', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `Gantt of run ${run.id}` }, axis(runStart, end, x, labelW, height - PAD), rows);
}

function legend() {
  return el('p', { class: 'legend small' }, ['queued', 'running', 'up_for_retry', 'success', 'failed', 'interrupted']
    .map((state) => el('span', { class: 'key' }, el('span', { class: `sq state-${state}` }), ` ${state} `)));
}

export function mount(container, [runId]) {
  const heading = el('h1', {}, `Run ${runId}`);
  const summary = el('p', { class: 'summary' });
  const place = el('div', { class: 'scroll' });
  container.append(heading, summary, legend(), place);
  return {
    refresh: async () => {
      const [run, { tasks }] = await Promise.all([api.run(runId), api.tasksWithAttempts(runId)]);
      heading.replaceChildren(`Run ${run.id} · Gantt `, stateBadge(run.state));
      summary.replaceChildren(el('a', { href: `#/pipelines/${enc(run.pipeline)}` }, run.pipeline),
        ` · ${run.ds} · ${run.run_type} · times UTC`);
      place.replaceChildren(tasks.length ? draw(run, tasks, Date.now()) : el('p', {}, 'No task instances.'));
    },
  };
}
