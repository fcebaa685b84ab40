// A pipeline's grid: runs as columns (newest right), tasks as rows grouped
// by task group (the id's part before its last dot; collapsible), each
// square a task instance coloured by state and linked to it. Above it the
// trigger form; an active run's column has a cancel button.
import { api, enc } from './api.js';
import { el, square, worstState, isActive, notice, actionButton, stateBadge } from './view.js';

const RUNS_SHOWN = 20;

// Task groups the user folded, kept while the tab lives.
const folded = new Set(JSON.parse(sessionStorage.getItem('weir.folded') || '[]'));
function toggleGroup(key) {
  if (folded.has(key)) folded.delete(key); else folded.add(key);
  sessionStorage.setItem('weir.folded', JSON.stringify([...folded]));
}

// The pipeline's tasks in rows: each group's tasks right after its header,
// at the place of the group's first task.
export function rowsOf(tasks) {
  const rows = [];
  const groups = new Map();
  for (const task of tasks) {
    if (!task.group) {
      rows.push({ task });
      continue;
    }
    if (!groups.has(task.group)) {
      const group = { group: task.group, members: [] };
      groups.set(task.group, group);
      rows.push(group);
    }
    groups.get(task.group).members.push(task);
  }
  return rows;
}

// Finished runs do not change until cleared (which makes them queued
// again), so their task instances are fetched once per state.
const instanceCache = new Map();
async function instancesOf(run) {
  const key = `${run.id}:${run.state}:${run.started_at}:${run.ended_at}`;
  if (!isActive(run.state) && instanceCache.has(key)) return instanceCache.get(key);
  const { tasks } = await api.tasks(run.id);
  const byTask = new Map(tasks.map((t) => [t.task_id, t]));
  if (!isActive(run.state)) instanceCache.set(key, byTask);
  return byTask;
}

function runHeader(run, out, refresh) {
  const cancel = isActive(run.state)
    ? actionButton('cancel', async () => {
      await api.cancel(run.id);
      await refresh();
      return `run ${run.id} (${run.ds}): cancel requested`;
    }, out, { class: 'small-button', 'data-cancel': run.id, title: `cancel run ${run.id}` })
    : null;
  return el('th', { class: 'run', 'data-run-head': run.id, title: `run ${run.id}: ${run.ds} ${run.state} (${run.run_type})` },
    el('a', { class: 'ds', href: `#/runs/${run.id}/gantt`, 'data-gantt': run.id, title: `Gantt of run ${run.id}` },
      run.ds.slice(5)),
    square(run.state, `run ${run.id} ${run.state}`, null, { 'run-state': run.id }), cancel);
}

function taskCell(run, instances, taskId) {
  const instance = instances.get(taskId);
  if (!instance) return el('td', { class: 'cell' });
  const tries = instance.attempt_count > 1 ? `, ${instance.attempt_count} attempts` : '';
  return el('td', { class: 'cell' }, square(instance.state, `${taskId} in ${run.ds}: ${instance.state}${tries}`,
    `#/runs/${run.id}/tasks/${enc(taskId)}`, { run: run.id, task: taskId }));
}

function taskRow(task, runs, instances, nested) {
  return el('tr', { 'data-row': task.id },
    el('th', { class: `task${nested ? ' nested' : ''}`, title: `${task.kind}${task.description ? ': ' + task.description : ''}` },
      nested ? task.id.slice(task.group.length + 1) : task.id),
    runs.map((run, i) => taskCell(run, instances[i], task.id)));
}

function groupRows(group, runs, instances, redraw) {
  const open = !folded.has(group.group);
  const header = el('tr', { class: 'group', 'data-group': group.group },
    el('th', { class: 'task' }, el('button', { type: 'button', class: 'fold', 'aria-expanded': String(open),
      onclick: () => { toggleGroup(group.group); redraw(); } }, `${open ? '▾' : '▸'} ${group.group}`)),
    runs.map((run, i) => {
      const state = worstState(group.members.map((t) => instances[i].get(t.id)?.state));
      return el('td', { class: 'cell' }, state ? square(state, `group ${group.group} in ${run.ds}: ${state}`, null,
        { run: run.id, group: group.group }) : null);
    }));
  return [header, ...(open ? group.members.map((t) => taskRow(t, runs, instances, true)) : [])];
}

function triggerForm(name, params, out, refresh) {
  const date = el('input', { type: 'date', name: 'date', 'aria-label': 'date' });
  const text = el('textarea', { name: 'params', rows: 3, spellcheck: 'false', 'aria-label': 'params (JSON)' },
    JSON.stringify(params ?? {}, null, 1));
  const form = el('form', { class: 'trigger', 'data-trigger': name },
    el('label', {}, 'Date ', date),
    el('label', { class: 'grow' }, 'Params (JSON) ', text),
    el('button', { type: 'submit' }, 'Trigger run'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    if (date.value) body.date = date.value;
    try {
      body.params = text.value.trim() ? JSON.parse(text.value) : {};
    } catch (error) {
      notice(out, `params are not JSON: ${error.message}`, true);
      return;
    }
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;  // one click, one run
    try {
      const run = await api.trigger(name, body);
      notice(out, `run ${run.id} for ${run.ds} queued`);
    } catch (error) {
      notice(out, error.message, true);
    } finally {
      submit.disabled = false;
    }
    await refresh().catch(() => {});  // the next poll shows the API as it is
  });
  return form;
}

export function mount(container, [name]) {
  const out = el('div', { class: 'notice' });
  const title = el('h1', {}, name);
  const formPlace = el('div');
  const scroller = el('div', { class: 'scroll grid-scroll' });
  container.append(title,
    el('nav', { class: 'tabs' }, el('a', { href: `#/pipelines/${enc(name)}`, class: 'active' }, 'Grid'),
      el('a', { href: `#/pipelines/${enc(name)}/graph` }, 'Graph')),
    formPlace, out, scroller);
  let last = null;  // what was drawn, to redraw on a fold without asking the API
  let firstDraw = true;

  const draw = () => {
    const { pipeline, runs, instances } = last;
    const table = el('table', { class: 'grid' },
      el('thead', {}, el('tr', {}, el('th', { class: 'task' }, runs.length ? 'task \\ run' : ''),
        runs.map((run) => runHeader(run, out, refresh)))),
      el('tbody', {}, rowsOf(pipeline.tasks).flatMap((row) => (row.group
        ? groupRows(row, runs, instances, draw) : [taskRow(row.task, runs, instances, false)]))));
    scroller.replaceChildren(table);
    if (!runs.length) scroller.append(el('p', { class: 'muted' }, 'No runs yet: trigger one above.'));
    if (firstDraw) scroller.scrollLeft = scroller.scrollWidth;  // the newest runs
    firstDraw = false;
  };

  const refresh = async () => {
    const [pipeline, listed] = await Promise.all([api.pipeline(name), api.runs(name, RUNS_SHOWN)]);
    // Columns by date (as Airflow's grid), then by id: newest right.
    const runs = listed.runs.sort((a, b) => a.ds.localeCompare(b.ds) || a.id - b.id);
    const instances = await Promise.all(runs.map(instancesOf));
    if (!formPlace.firstChild) formPlace.append(triggerForm(name, pipeline.params, out, refresh));
    title.replaceChildren(name);
    if (pipeline.paused) title.append(' ', stateBadge('paused'));
    last = { pipeline, runs, instances };
    draw();
  };
  return { refresh };
}
