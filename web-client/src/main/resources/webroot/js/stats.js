// Statistics page wiring (admins and auditors): the period form, the totals, three ECharts charts and the
// grouped table, all from GET /api/stats; the CSV link asks /api/stats/export.csv for the same figures.
import * as echarts from './vendor/echarts/echarts.esm.min.mjs';
import { api, currentUser, isNetworkFailure, retryOnNetwork } from './api.js';
import { initI18n } from './i18n.js';
import { startPage } from './page-load.js';
import { byId, errorText, h, homePage, showMessage, wireStaffHeader } from './ui.js';

/** The totals shown above the charts, in order, and how each is written. */
const TOTALS = [
  ['created', 'count'], ['concluded', 'count'], ['cancelled', 'count'], ['remoteShare', 'share'],
  ['medianMinutes', 'minutes'], ['p90Minutes', 'minutes'], ['medianWaitMinutes', 'minutes'],
  ['firstPassRate', 'share'], ['rectify', 'count'], ['reinspections', 'count'], ['reinspectionPass', 'count'],
];
/** The grouped table's columns after the name. */
const COLUMNS = [
  ['created', 'count'], ['concluded', 'count'], ['cancelled', 'count'], ['remoteShare', 'share'],
  ['medianMinutes', 'minutes'], ['p90Minutes', 'minutes'], ['medianWaitMinutes', 'minutes'],
  ['firstPassRate', 'share'], ['rectify', 'count'], ['reinspections', 'count'],
];

async function main() {
  const i18n = await initI18n();
  const user = await currentUser();
  if (!user) {
    location.replace('/login.html');
    return;
  }
  if (user.role !== 'admin' && user.role !== 'auditor') {
    location.replace(homePage(user.role));
    return;
  }
  wireStaffHeader(i18n, user);
  byId('to-admin').hidden = user.role !== 'admin';
  const page = createStatsPage(i18n);
  i18n.onChange(page.render);
  byId('stats-form').addEventListener('submit', (event) => {
    event.preventDefault();
    page.load();
  });
  byId('stats-form').addEventListener('change', page.updateCsvLink);
  window.addEventListener('resize', page.resize);
  await page.load({ first: true });
}

/**
 * @param {import('./i18n.js').I18n} i18n
 */
function createStatsPage(i18n) {
  const { t } = i18n;
  const pageError = byId('page-error');
  const charts = {
    count: echarts.init(byId('chart-count'), null, { renderer: 'canvas' }),
    minutes: echarts.init(byId('chart-minutes'), null, { renderer: 'canvas' }),
    groups: echarts.init(byId('chart-groups'), null, { renderer: 'canvas' }),
  };
  let figures = null;

  const query = () => {
    const form = byId('stats-form');
    const params = new URLSearchParams();
    for (const name of ['from', 'to', 'by', 'group']) {
      const value = form.elements[name].value;
      if (value) params.set(name, value);
    }
    return params.toString();
  };

  const updateCsvLink = () => { byId('csv').href = `/api/stats/export.csv?${query()}`; };

  /** @param {{first?: boolean}} [options] the page's first load: retried, and a network failure thrown */
  const load = async ({ first = false } = {}) => {
    try {
      figures = await (first ? retryOnNetwork(() => api(`/api/stats?${query()}`)) : api(`/api/stats?${query()}`));
      showMessage(pageError, '');
    } catch (err) {
      if (first && isNetworkFailure(err)) throw err;
      showMessage(pageError, errorText(i18n, err));
      return;
    }
    // The server fills in what was left empty (the last 30 days); the form shows what is displayed.
    const form = byId('stats-form');
    form.elements.from.value = figures.from;
    form.elements.to.value = figures.to;
    form.elements.by.value = figures.by;
    form.elements.group.value = figures.group;
    updateCsvLink();
    render();
  };

  const format = (value, kind) => {
    if (value === null || value === undefined) return t('stats.none');
    if (kind === 'share') return `${(value * 100).toFixed(1)}%`;
    if (kind === 'minutes') return t('stats.minutes', { n: value.toFixed(1) });
    return String(value);
  };

  const render = () => {
    if (!figures) return;
    byId('totals').replaceChildren(...TOTALS.map(([name, kind]) => h('div', {},
      h('dt', {}, t(`stats.f.${name}`)), h('dd', { 'data-figure': name }, format(figures.total[name], kind)))));
    const labels = figures.series.map((p) => (p.from === p.to ? p.from : `${p.from} – ${p.to}`));
    const tooltip = { trigger: 'axis', renderMode: 'richText' };
    charts.count.setOption({
      tooltip,
      legend: { top: 0 },
      grid: { left: 40, right: 20, top: 40, bottom: 60 },
      xAxis: { type: 'category', data: labels },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('stats.f.concluded'), type: 'bar', stack: 'closed', data: figures.series.map((p) => p.concluded) },
        { name: t('stats.f.cancelled'), type: 'bar', stack: 'closed', data: figures.series.map((p) => p.cancelled) },
        { name: t('stats.f.created'), type: 'line', data: figures.series.map((p) => p.created) },
      ],
    }, true);
    charts.minutes.setOption({
      tooltip,
      legend: { top: 0 },
      grid: { left: 40, right: 20, top: 40, bottom: 60 },
      xAxis: { type: 'category', data: labels },
      yAxis: { type: 'value', name: t('stats.axis.minutes') },
      series: [
        { name: t('stats.f.medianMinutes'), type: 'line', connectNulls: true, data: figures.series.map((p) => p.medianMinutes) },
        { name: t('stats.f.p90Minutes'), type: 'line', connectNulls: true, data: figures.series.map((p) => p.p90Minutes) },
        { name: t('stats.f.medianWaitMinutes'), type: 'line', connectNulls: true, data: figures.series.map((p) => p.medianWaitMinutes) },
      ],
    }, true);
    renderGroups();
  };

  const renderGroups = () => {
    const grouped = figures.group !== 'none';
    byId('groups-card').hidden = !grouped;
    if (!grouped) return;
    byId('groups-heading').textContent = t(`stats.group.${figures.group}`);
    const names = figures.groups.map((g) => g.label);
    charts.groups.resize();
    charts.groups.setOption({
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      legend: { top: 0 },
      grid: { left: 40, right: 40, top: 40, bottom: 60 },
      xAxis: { type: 'category', data: names },
      yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } }],
      series: [
        { name: t('stats.f.concluded'), type: 'bar', data: figures.groups.map((g) => g.concluded) },
        { name: t('stats.f.medianMinutes'), type: 'bar', data: figures.groups.map((g) => g.medianMinutes) },
        { name: t('stats.f.firstPassRate'), type: 'line', yAxisIndex: 1,
          data: figures.groups.map((g) => (g.firstPassRate === null ? null : Math.round(g.firstPassRate * 1000) / 10)) },
      ],
    }, true);
    byId('groups').replaceChildren(...figures.groups.map((g) => h('tr', { 'data-key': g.key },
      h('td', {}, g.label), ...COLUMNS.map(([name, kind]) => h('td', {}, format(g[name], kind))))));
  };

  const resize = () => Object.values(charts).forEach((c) => c.resize());

  return { load, render, resize, updateCsvLink };
}

startPage(main, 'page-error');
