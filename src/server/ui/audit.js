// Audit: every change made through the API (trigger, cancel, clear, mark,
// pause, unpause), newest first, with who and when.
import { api, enc } from './api.js';
import { el, time } from './view.js';

function details(entry) {
  if (!entry.details || Object.keys(entry.details).length === 0) return '';
  return JSON.stringify(entry.details);
}

function row(entry) {
  const run = entry.run_id === null ? '' : el('a', { href: `#/pipelines/${enc(entry.pipeline)}` }, `run ${entry.run_id}`);
  return el('tr', { 'data-action': entry.action },
    el('td', { class: 'nowrap' }, time(entry.at)),
    el('td', {}, entry.who),
    el('td', {}, el('span', { class: `action action-${entry.action}` }, entry.action)),
    el('td', {}, entry.pipeline ? el('a', { href: `#/pipelines/${enc(entry.pipeline)}` }, entry.pipeline) : ''),
    el('td', { class: 'nowrap' }, run),
    el('td', { class: 'mono small' }, details(entry)));
}

export function mount(container) {
  const body = el('tbody');
  container.append(el('h1', {}, 'Audit'),
    el('p', { class: 'muted' }, 'Every change made through the API or this UI, newest first.'),
    el('div', { class: 'scroll' }, el('table', { class: 'list audit' },
      el('thead', {}, el('tr', {}, ['When', 'Who', 'Action', 'Pipeline', 'Run', 'Details'].map((h) => el('th', {}, h)))),
      body)));
  return {
    refresh: async () => {
      const { entries } = await api.audit(200);
      body.replaceChildren(...entries.map(row));
      if (!entries.length) body.append(el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'Nothing yet.')));
    },
  };
}
