// Checks: the latest result of every data check of the project's check
// tasks, each with a trend chart of its observed value over its history
// (fail and error points marked) and the history itself in a collapsible
// table. A check's history is fetched again only when its latest result
// changed.
import { api } from './api.js';
import { el, svg, time } from './view.js';

const HISTORY = 30;  // results per trend
const CHART_W = 280, CHART_H = 64, PAD = 6;

export function statusBadge(status) {
  const shown = status ?? 'never run';
  return el('span', { class: `badge check-${status ?? 'none'}`, 'data-status': status ?? 'none' }, shown);
}

// The observed values oldest first as SVG: a line through the points, a
// point per result with a value, fail and error points in red.
export function trendChart(history) {
  const points = history.slice().reverse().filter((r) => r.observed !== null);
  if (!points.length) return el('span', { class: 'muted small' }, 'no values yet');
  const values = points.map((r) => r.observed);
  const low = Math.min(...values), high = Math.max(...values), range = high - low || 1;
  const x = (i) => PAD + (points.length === 1 ? (CHART_W - 2 * PAD) / 2 : (i * (CHART_W - 2 * PAD)) / (points.length - 1));
  const y = (v) => CHART_H - PAD - ((v - low) / range) * (CHART_H - 2 * PAD);
  const line = svg('polyline', { class: 'trend-line', points: points.map((r, i) => `${x(i)},${y(r.observed)}`).join(' ') });
  const dots = points.map((r, i) => svg('circle', {
    class: `point check-${r.status}`, cx: x(i), cy: y(r.observed), r: r.status === 'fail' || r.status === 'error' ? 4 : 2.5,
    'data-point': r.status,
  }, svg('title', {}, `${r.interval_start ?? time(r.recorded_at)}: ${r.observed} (${r.status})`)));
  return svg('svg', { class: 'trend', width: CHART_W, height: CHART_H, viewBox: `0 0 ${CHART_W} ${CHART_H}`, role: 'img',
    'aria-label': `trend from ${low} to ${high}` }, line, dots);
}

// A query as a target is long: its start says enough (the title has it all).
function shorten(text, length = 60) { return text.length > length ? `${text.slice(0, length - 1)}…` : text; }

function historyTable(history) {
  return el('table', { class: 'list small' },
    el('thead', {}, el('tr', {}, ['Interval', 'Status', 'Observed', 'Run', 'Message'].map((h) => el('th', {}, h)))),
    el('tbody', {}, history.map((r) => el('tr', {},
      el('td', { class: 'nowrap' }, r.interval_start ?? time(r.recorded_at)),
      el('td', {}, statusBadge(r.status)),
      el('td', {}, r.observed ?? ''),
      el('td', {}, r.run_id === null ? '' : r.run_id),
      el('td', { class: 'error-text' }, r.message)))));
}

function card(check, history) {
  const observed = check.failing_rows !== null ? `${check.failing_rows} failing row(s)`
    : check.observed !== null ? `observed ${check.observed}` : '';
  return el('section', { class: 'check', 'data-check': `${check.suite}/${check.check}`, 'data-status': check.status ?? 'none' },
    el('div', { class: 'check-head' }, statusBadge(check.status), el('strong', {}, check.check),
      el('span', { class: 'muted small', title: check.target }, `${check.suite} · ${check.kind} on ${shorten(check.target)}`)),
    el('div', { class: 'check-body' },
      el('div', {}, el('div', {}, observed),
        el('div', { class: 'muted small' }, check.interval_start ? `interval ${check.interval_start}` : time(check.recorded_at)),
        check.message ? el('div', { class: 'error-text small' }, check.message) : null),
      trendChart(history)),
    history.length ? el('details', {}, el('summary', {}, `History (${history.length})`), el('div', { class: 'scroll' }, historyTable(history)))
      : null);
}

export function mount(container) {
  const summary = el('p', { class: 'muted' });
  const list = el('div', { class: 'checks' });
  container.append(el('h1', {}, 'Checks'), summary, list);
  const histories = new Map();  // "suite/check" -> {seen, history}
  const historyOf = async (check) => {
    const key = `${check.suite}/${check.check}`, seen = `${check.recorded_at}:${check.status}`;
    if (histories.get(key)?.seen !== seen) {
      const { history } = check.status === null ? { history: [] } : await api.checkHistory(check.suite, check.check, HISTORY);
      histories.set(key, { seen, history });
    }
    return histories.get(key).history;
  };
  return {
    refresh: async () => {
      const { checks } = await api.checks();
      const all = await Promise.all(checks.map(historyOf));
      const count = (s) => checks.filter((c) => c.status === s).length;
      summary.textContent = checks.length
        ? `${checks.length} checks: ${count('pass')} pass, ${count('warn')} warn, ${count('fail')} fail, ${count('error')} error`
        : 'No check tasks in this project.';
      // An open history stays open across refreshes.
      const open = new Set([...list.querySelectorAll('details[open]')].map((d) => d.closest('[data-check]').dataset.check));
      list.replaceChildren(...checks.map((c, i) => card(c, all[i])));
      for (const section of list.querySelectorAll('[data-check]')) {
        if (open.has(section.dataset.check)) section.querySelector('details')?.setAttribute('open', '');
      }
    },
  };
}
