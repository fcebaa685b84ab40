// A task instance: its state, attempts (durations, errors), its log
// (followed while the task is active) and the actions clear (optionally
// with downstream) and mark success / failed.
import { api, enc } from './api.js';
import { el, stateBadge, duration, time, isActive, notice, actionButton } from './view.js';

const LOG_TAIL = 2000;  // lines: the log viewer shows the end of a long log

function attemptRow(attempt) {
  const error = attempt.error ? `${attempt.error.code}: ${attempt.error.message}` : '';
  return el('tr', { 'data-attempt': attempt.number },
    el('td', {}, attempt.number),
    el('td', {}, stateBadge(attempt.state)),
    el('td', { class: 'nowrap' }, time(attempt.started_at)),
    el('td', { class: 'nowrap' }, duration(attempt.duration_seconds)),
    el('td', { class: 'error-text' }, error));
}

function actions(runId, taskId, out, refresh) {
  const downstream = el('input', { type: 'checkbox', name: 'downstream', checked: true });
  const done = async (what) => { await refresh(); return what; };
  return el('div', { class: 'actions' },
    actionButton('Clear', async () => {
      const answer = await api.clear(runId, { tasks: [taskId], downstream: downstream.checked });
      return done(`cleared ${answer.count} task instance(s); run ${runId} is ${answer.run.state}`);
    }, out, { 'data-action': 'clear' }),
    el('label', {}, downstream, ' with downstream'),
    actionButton('Mark success', async () => {
      await api.mark(runId, { state: 'success', tasks: [taskId] });
      return done(`${taskId} marked success`);
    }, out, { 'data-action': 'mark-success' }),
    actionButton('Mark failed', async () => {
      await api.mark(runId, { state: 'failed', tasks: [taskId] });
      return done(`${taskId} marked failed`);
    }, out, { 'data-action': 'mark-failed' }));
}

export function mount(container, [runId, taskId]) {
  const out = el('div', { class: 'notice' });
  const heading = el('h1', {}, taskId);
  const summary = el('p', { class: 'summary' });
  const attempts = el('tbody');
  const log = el('pre', { class: 'log', 'data-log': taskId, tabindex: 0 });
  const follow = el('span', { class: 'muted small' });
  let logText = null;

  container.append(heading, summary, actions(runId, taskId, out, () => refresh()), out,
    el('h2', {}, 'Attempts'),
    el('div', { class: 'scroll' }, el('table', { class: 'list' },
      el('thead', {}, el('tr', {}, ['#', 'State', 'Started', 'Duration', 'Error'].map((h) => el('th', {}, h)))),
      attempts)),
    el('h2', {}, 'Log ', follow), log);

  const refresh = async () => {
    const [instance, run] = await Promise.all([api.instance(runId, taskId), api.run(runId)]);
    heading.replaceChildren(taskId, ' ', stateBadge(instance.state));
    summary.replaceChildren(
      el('a', { href: `#/pipelines/${enc(run.pipeline)}` }, run.pipeline), ` · run ${run.id} for ${run.ds} `,
      stateBadge(run.state), ` · ${instance.attempt_count} attempt(s) · `,
      el('a', { href: `#/runs/${run.id}/gantt`, 'data-gantt': run.id }, 'Gantt'));
    attempts.replaceChildren(...instance.attempts.map(attemptRow));
    // The log is asked for while the task is active, and once more after.
    const active = isActive(instance.state);
    follow.textContent = active ? '(following)' : '';
    const seen = `${instance.attempt_count}:${instance.state}`;
    if (active || logText === null || seen !== log.dataset.seen) {
      const text = await api.log(runId, taskId, LOG_TAIL);
      if (text !== logText) {
        const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
        log.textContent = text || '(no log yet)';
        if (atBottom) log.scrollTop = log.scrollHeight;  // follow unless the reader scrolled up
        logText = text;
      }
      log.dataset.seen = seen;
    }
  };
  return { refresh };
}
