// Pipelines: each pipeline's schedule, next run, latest runs as squares
// (oldest left) and a paused toggle.
import { api, enc } from './api.js';
import { el, square, notice, time } from './view.js';

function nextRun(pipeline) {
  const next = pipeline.next_run;
  if (!next) return pipeline.schedule ? 'none (past end_date)' : 'when triggered';
  return next.due_at ? `${next.ds}, due ${time(next.due_at)}` : next.ds;
}

function scheduleText(pipeline) {
  if (pipeline.schedule) return `${pipeline.schedule} (${pipeline.timezone})`;
  if (pipeline.schedule_on.length) return `on ${pipeline.schedule_on.join(', ')}`;
  return 'manual';
}

function pausedToggle(pipeline, out, refresh) {
  const input = el('input', { type: 'checkbox', role: 'switch', checked: pipeline.paused,
    'aria-label': `${pipeline.name} paused`, 'data-pause': pipeline.name });
  input.addEventListener('change', async () => {
    input.disabled = true;  // also keeps the poll from redrawing the row meanwhile
    try {
      await api.pause(pipeline.name, input.checked);
      notice(out, `${pipeline.name} ${input.checked ? 'paused' : 'unpaused'}`);
    } catch (error) {
      input.checked = !input.checked;
      notice(out, error.message, true);
    } finally {
      input.disabled = false;
    }
    await refresh().catch(() => {});  // the next poll shows the API as it is
  });
  return el('label', { class: 'switch' }, input, el('span', { class: 'slider' }));
}

function row(pipeline, out, refresh) {
  const runs = [...pipeline.last_runs].reverse();  // the API lists newest first
  return el('tr', { 'data-pipeline': pipeline.name },
    el('td', {}, el('a', { href: `#/pipelines/${enc(pipeline.name)}`, class: 'name' }, pipeline.name),
      pipeline.description ? el('div', { class: 'muted small' }, pipeline.description) : null),
    el('td', {}, scheduleText(pipeline)),
    el('td', {}, nextRun(pipeline)),
    el('td', { class: 'squares' }, runs.map((run) => square(run.state, `${run.ds} ${run.state} (run ${run.id})`,
      `#/pipelines/${enc(pipeline.name)}`, { run: run.id }))),
    el('td', {}, pausedToggle(pipeline, out, refresh)));
}

export function mount(container) {
  const out = el('div', { class: 'notice' });
  const body = el('tbody');
  container.append(el('h1', {}, 'Pipelines'), out,
    el('div', { class: 'scroll' }, el('table', { class: 'list' },
      el('thead', {}, el('tr', {}, ['Pipeline', 'Schedule', 'Next run', 'Last runs', 'Paused'].map((h) => el('th', {}, h)))),
      body)));
  const refresh = async () => {
    const { pipelines } = await api.pipelines();
    // A toggle being clicked is not replaced under the pointer.
    if (body.querySelector('input:disabled')) return;
    body.replaceChildren(...pipelines.map((p) => row(p, out, refresh)));
    if (!pipelines.length) body.append(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'No pipelines in this project.')));
  };
  return { refresh };
}
