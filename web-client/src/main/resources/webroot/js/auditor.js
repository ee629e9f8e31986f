// Auditor page wiring: search, an inspection's facts, its trail as a timeline over the recording
// (each marker seeks the player), the snapshot gallery and the location fixes against the site.
import { api, currentUser, isNetworkFailure, retryOnNetwork } from './api.js';
import { initI18n } from './i18n.js';
import { startPage } from './page-load.js';
import { createEvidencePanel } from './evidence.js';
import { checkLog } from './log-watch.js';
import { snapshotUrl } from './snapshot.js';
import { byId, distanceMetres, errorText, formatDistance, formatTime, h, showMessage, wireStaffHeader } from './ui.js';
import { answerText, renderChecklistResults } from './checklist.js';
import { phonePhotoBadges } from './phone-photo.js';

/** Trail event types shown as markers on the recording timeline. */
const MARKED = new Set(['invite.opened', 'participant.joined', 'participant.disconnected', 'participant.reconnected',
  'participant.left', 'call.connected', 'location.fix', 'note.added', 'snapshot.taken', 'recording.gap',
  'inspection.ended', 'media.event']);

async function main() {
  const i18n = await initI18n();
  const user = await currentUser();
  if (!user) {
    location.replace('/login.html');
    return;
  }
  wireStaffHeader(i18n, user);
  const audit = createAudit(i18n);
  i18n.onChange(audit.render);
  byId('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    audit.search();
  });
  watchLog(i18n);
  await audit.search({ first: true });
  // The verify link printed on every page of an inspection record opens that inspection here: on load, and when
  // the link is followed while this page is already open (only the address's #fragment changes then).
  const openLinked = () => {
    const linked = new URLSearchParams(location.hash.slice(1)).get('inspection');
    return linked ? audit.open(linked) : undefined;
  };
  window.addEventListener('hashchange', openLinked);
  await openLinked();
}

/** The inspection record's PDF (the server puts an auditor's download on the trail). */
function showRecordLink(inspection) {
  const link = byId('record-link');
  link.hidden = !inspection.conclusion;
  link.href = `/api/inspections/${encodeURIComponent(inspection.id)}/record/pdf`;
}

/** Checks the commitment log against the tree head this browser saw last (js/log-watch.js); warns if rewritten. */
async function watchLog(i18n) {
  const box = byId('log-status');
  let check;
  try {
    check = await checkLog(api);
  } catch (err) {
    showMessage(box, i18n.t('auditor.log.unchecked', { why: errorText(i18n, err) }), 'warn');
    return;
  }
  const show = () => {
    if (check.status === 'rewritten') {
      showMessage(box, i18n.t(`auditor.log.rewritten.${check.reason}`, { from: check.from, size: check.size }), 'error');
      box.setAttribute('role', 'alert');
    } else if (check.status === 'ok' || check.status === 'first') {
      showMessage(box, i18n.t(`auditor.log.${check.status}`, { from: check.from, size: check.size }), 'ok');
    }
  };
  show();
  i18n.onChange(show);
}

function createAudit(i18n) {
  const { t } = i18n;
  const pageError = byId('page-error');
  const player = byId('player');
  let results = [];
  let current = null; // { inspection, events, valid, firstBreak, segments }
  let replayError = false;
  const evidence = createEvidencePanel(i18n);

  let searchRun = 0;
  /** @param {{first?: boolean}} [options] the page's first load: retried, and a network failure thrown */
  const search = async ({ first = false } = {}) => {
    const run = ++searchRun;
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(byId('search-form')).entries()) {
      if (!value) continue;
      if (key === 'from') params.set(key, new Date(`${value}T00:00:00`).toISOString());
      else if (key === 'to') params.set(key, new Date(`${value}T23:59:59.999`).toISOString());
      else params.set(key, value.trim());
    }
    let found;
    try {
      found = await (first ? retryOnNetwork(() => api(`/api/inspections?${params}`)) : api(`/api/inspections?${params}`));
      showMessage(pageError, '');
    } catch (err) {
      if (first && isNetworkFailure(err)) throw err;
      showMessage(pageError, errorText(i18n, err));
      found = [];
    }
    // Only the latest search may show its results (an earlier, slower answer must not overwrite it).
    if (run !== searchRun) return;
    results = found;
    renderResults();
  };

  const renderResults = () => {
    byId('results').replaceChildren(...results.map((item) => h('tr', { class: 'clickable', 'data-id': item.id, tabindex: '0' },
      h('td', {}, item.caseNumber), h('td', {}, item.matterType), h('td', {}, item.inspectorName || item.inspector),
      h('td', {}, formatTime(item.createdAt, i18n.lang)),
      h('td', {}, h('span', { class: 'badge', 'data-status': item.status }, t(`status.${item.status}`))),
      h('td', {}, item.conclusion ? t(`conclusion.${item.conclusion}`) : '—',
        item.recordProblems?.length ? h('span', { class: 'badge', 'data-record-altered': '', title: item.recordProblems.join('; ') },
          t('auditor.record.alteredBadge')) : null))));
    byId('results-empty').hidden = results.length > 0;
  };

  const open = async (id) => {
    try {
      const [inspection, trail] = await Promise.all([
        api(`/api/inspections/${encodeURIComponent(id)}`),
        api(`/api/inspections/${encodeURIComponent(id)}/trail`),
      ]);
      const events = trail.events.map((e) => ({ ...e, data: parsePayload(e.payload), at: Date.parse(e.time) }));
      current = { inspection, events, valid: trail.valid, firstBreak: trail.firstBreak, segments: segmentsOf(events, inspection.id) };
    } catch (err) {
      showMessage(pageError, errorText(i18n, err));
      return;
    }
    byId('detail').hidden = false;
    evidence.show(current.inspection.id);
    showChecklist(current.inspection.id);
    showRecordLink(current.inspection);
    renderDetail();
    loadSegment(current.segments[0]?.key);
    byId('detail').scrollIntoView({ behavior: 'smooth' });
  };

  // The checklist results (js/checklist.js): each answer jumps the recording to the moment it was given.
  let checklist = null;
  const showChecklist = async (id) => {
    checklist = null;
    byId('checklist-panel').hidden = true;
    try {
      checklist = { id, state: await api(`/api/inspections/${encodeURIComponent(id)}/checklist`) };
    } catch (err) {
      showMessage(pageError, errorText(i18n, err));
      return;
    }
    if (current?.inspection.id !== id) return;
    renderChecklist();
  };
  const renderChecklist = () => {
    if (!checklist) return;
    byId('checklist-panel').hidden = false;
    renderChecklistResults(byId('checklist-results'), checklist.state, {
      t, lang: i18n.lang, inspectionId: checklist.id,
      onJump: (time) => seekTo(Date.parse(time)),
      onOpen: (id) => open(id),
    });
  };

  // Search by matter type and by an item that did not conform: the catalogue's matters and items.
  const loadMatters = async () => {
    try {
      matters = await api('/api/catalog/matters');
    } catch {
      matters = [];
    }
    renderSearchChoices();
  };
  let matters = [];
  const renderSearchChoices = () => {
    const keep = (select, options) => {
      const chosen = select.value;
      select.replaceChildren(h('option', { value: '' }, t('auditor.search.any')), ...options);
      select.value = chosen;
    };
    keep(byId('q-matter'), matters.map((m) => h('option', { value: m.name }, m.name)));
    keep(byId('q-nonconforming'), matters.flatMap((m) => m.items.map((item) =>
      h('option', { value: item.id }, `${m.name} · ${item.id} ${item.title}`))));
  };

  const renderDetail = () => {
    if (!current) return;
    renderChecklist();
    const { inspection } = current;
    byId('detail-case').textContent = inspection.caseNumber;
    byId('detail-status').textContent = t(`status.${inspection.status}`);
    byId('detail-status').dataset.status = inspection.status;
    byId('detail-facts').replaceChildren(...[
      ['field.matterType', inspection.matterType],
      ['field.applicantName', inspection.applicantName],
      ['field.applicantPhone', inspection.applicantPhone],
      ['field.siteAddress', inspection.siteAddress],
      ['field.inspector', inspection.inspectorName || inspection.inspector],
      ['field.startedAt', formatTime(inspection.startedAt, i18n.lang)],
      ['field.endedAt', formatTime(inspection.endedAt, i18n.lang)],
      ['field.conclusion', inspection.conclusion ? t(`conclusion.${inspection.conclusion}`) : '—'],
      ['field.remark', inspection.remark || '—'],
    ].flatMap(([key, value]) => [h('dt', {}, t(key)), h('dd', {}, value ?? '—')]));
    const chain = byId('chain-status');
    const recordProblems = inspection.recordProblems || [];
    if (current.valid === false) showMessage(chain, t('auditor.chain.broken', { where: current.firstBreak || '' }), 'error');
    else if (recordProblems.length) showMessage(chain, t('auditor.record.altered', { problems: recordProblems.join('; ') }), 'error');
    else showMessage(chain, t('auditor.chain.valid', { count: current.events.length }), 'ok');
    const playing = byId('segment').value;
    byId('segment').replaceChildren(...current.segments.map((s) => h('option', { value: s.key, 'data-role': s.role || '' },
      s.role
        ? t('auditor.replay.segmentOptionRole', { role: t(`actor.${s.role}`), n: s.segment, time: formatTime(s.startedAt, i18n.lang, { timeOnly: true }) })
        : t('auditor.replay.segmentOption', { n: s.segment, time: formatTime(s.startedAt, i18n.lang, { timeOnly: true }) }))));
    if (current.segments.some((s) => s.key === playing)) byId('segment').value = playing;
    byId('segment').disabled = current.segments.length < 2;
    renderTrail();
    renderGallery();
    renderLocations();
    renderMarkers();
    renderReplayInfo();
    evidence.render();
  };

  const renderTrail = () => {
    const slices = current.events.filter((e) => e.type === 'recording.slice').length;
    const items = current.events.filter((e) => e.type !== 'recording.slice').map((e) => h('li', { 'data-type': e.type, 'data-seq': String(e.seq) },
      h('button', { type: 'button', 'data-seek': String(e.at), title: t('auditor.trail.seek') }, formatTime(e.time, i18n.lang, { timeOnly: true })),
      h('span', { class: 'what' }, eventLabel(e)),
      // The actor and the role are often the same word (申请人): say it once.
      h('span', { class: 'detail' }, [actorLabel(e.actor), summary(e)].filter((part, i, all) => part && all.indexOf(part) === i)
        .join(' · '))));
    if (slices) items.push(h('li', { 'data-type': 'recording.slice' }, h('span', {}, ''), h('span', { class: 'muted' }, t('auditor.trail.slices', { count: slices }))));
    byId('trail').replaceChildren(...items);
  };

  const renderGallery = () => {
    const snaps = current.events.filter((e) => e.type === 'snapshot.taken');
    byId('gallery').replaceChildren(...snaps.map((e) => {
      const id = current.inspection.id;
      const sid = e.data.snapshotId;
      return h('figure', { 'data-snapshot-id': sid },
        h('a', { href: snapshotUrl(id, sid, 'original'), target: '_blank', rel: 'noopener', title: t('auditor.gallery.original') },
          h('img', { src: snapshotUrl(id, sid, 'watermarked'), alt: t('auditor.gallery.alt', { time: formatTime(e.time, i18n.lang) }), loading: 'lazy' })),
        h('figcaption', {}, `${formatTime(e.time, i18n.lang)} · ${describeFix(e.data.location)}`, h('br'),
          ...phonePhotoBadges(e.data, t), ...(e.data.source === 'phone' ? [h('br')] : []),
          h('span', { class: 'mono' }, `SHA-256 ${e.data.sha256}`)));
    }));
    byId('gallery-empty').hidden = snaps.length > 0;
  };

  const renderLocations = () => {
    const { inspection } = current;
    const hasSite = typeof inspection.siteLat === 'number' && typeof inspection.siteLng === 'number';
    byId('site-position').textContent = hasSite
      ? t('auditor.locations.site', { address: inspection.siteAddress, lat: inspection.siteLat.toFixed(6), lng: inspection.siteLng.toFixed(6) })
      : t('auditor.locations.noSite', { address: inspection.siteAddress });
    const fixes = current.events.filter((e) => e.type === 'location.fix');
    byId('locations').replaceChildren(...fixes.map((e) => {
      const { lat, lng, accuracy, clockSkewMillis, clockSkewFlagged } = e.data;
      const distance = hasSite ? distanceMetres(inspection.siteLat, inspection.siteLng, lat, lng) : null;
      // A device clock far from the server's: the fix may not be from when it claims.
      const skew = clockSkewFlagged
        ? h('span', { class: 'badge', 'data-clock-skew': String(clockSkewMillis) },
          t('auditor.locations.clockSkew', { minutes: Math.round(Math.abs(clockSkewMillis) / 60000) }))
        : null;
      return h('tr', {}, h('td', {}, formatTime(e.time, i18n.lang), skew ? ' ' : null, skew), h('td', { class: 'mono' }, `${lat.toFixed(6)}, ${lng.toFixed(6)}`),
        h('td', {}, accuracy != null ? `±${Math.round(accuracy)} m` : '—'),
        h('td', { 'data-distance': distance == null ? '' : String(Math.round(distance)) }, distance == null ? '—' : formatDistance(distance)));
    }));
  };

  const currentSegment = () => current?.segments.find((s) => s.key === byId('segment').value);

  const renderMarkers = () => {
    const timeline = byId('timeline');
    timeline.querySelectorAll('.marker').forEach((m) => m.remove());
    const seg = currentSegment();
    const duration = Number.isFinite(player.duration) && player.duration > 0 ? player.duration : (seg?.durationMs || 0) / 1000;
    if (!seg || !duration) return;
    for (const e of current.events) {
      if (!MARKED.has(e.type)) continue;
      const offset = (e.at - seg.t0) / 1000;
      if (offset < 0 || offset > duration) continue;
      timeline.append(h('button', {
        type: 'button', class: 'marker', 'data-type': e.type, 'data-offset': offset.toFixed(2),
        style: `left:${(100 * offset) / duration}%`, title: `${eventLabel(e)} · ${formatTime(e.time, i18n.lang, { timeOnly: true })}`,
        'aria-label': eventLabel(e),
      }));
    }
  };

  const loadSegment = (key) => {
    replayError = false;
    const seg = current.segments.find((s) => s.key === key);
    if (!seg) {
      player.removeAttribute('src');
      player.load();
      renderReplayInfo();
      return;
    }
    byId('segment').value = key;
    player.src = seg.url;
    renderReplayInfo();
  };

  /** The line under the player, in the current language. */
  const renderReplayInfo = () => {
    const seg = currentSegment();
    let text;
    if (replayError) text = t('auditor.replay.error');
    else if (!seg) text = t('auditor.replay.none');
    else if (seg.finalised) text = t('auditor.replay.info', { sha: seg.sha256, size: ((seg.size || 0) / 1e6).toFixed(2) });
    else text = t('auditor.replay.notFinalised');
    byId('replay-info').textContent = text;
  };

  /** Seeks the player to the moment of a wall-clock time, switching segment if needed. */
  const seekTo = (at) => {
    // Kurento mode records each participant: stay with the participant being watched when they have a segment then.
    const role = currentSegment()?.role;
    const candidates = current.segments.filter((s) => s.role === role);
    const pool = candidates.some((s) => at >= s.t0) ? candidates : current.segments;
    const seg = [...pool].reverse().find((s) => at >= s.t0) || pool[0];
    if (!seg) return;
    const offset = Math.max(0, (at - seg.t0) / 1000);
    if (seg.key !== byId('segment').value) {
      loadSegment(seg.key);
      player.addEventListener('loadedmetadata', () => { player.currentTime = offset; }, { once: true });
    } else {
      player.currentTime = offset;
    }
  };

  player.addEventListener('loadedmetadata', renderMarkers);
  player.addEventListener('timeupdate', () => {
    const duration = player.duration;
    if (Number.isFinite(duration) && duration > 0) byId('timeline-cursor').style.left = `${(100 * player.currentTime) / duration}%`;
  });
  player.addEventListener('error', () => {
    if (!player.getAttribute('src')) return;
    replayError = true;
    renderReplayInfo();
  });
  byId('segment').addEventListener('change', () => loadSegment(byId('segment').value));
  byId('timeline').addEventListener('click', (event) => {
    const marker = event.target.closest('.marker');
    if (marker) player.currentTime = Number(marker.dataset.offset);
  });
  byId('trail').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-seek]');
    if (button) seekTo(Number(button.dataset.seek));
  });
  byId('results').addEventListener('click', (event) => {
    const row = event.target.closest('tr[data-id]');
    if (row) open(row.dataset.id);
  });
  byId('results').addEventListener('keydown', (event) => {
    const row = event.target.closest('tr[data-id]');
    if (row && event.key === 'Enter') open(row.dataset.id);
  });

  const eventLabel = (e) => {
    const key = `event.${e.type}`;
    return t(key) === key ? e.type : t(key);
  };

  const actorLabel = (actor) => {
    if (actor === 'applicant') return t('actor.applicant');
    if (actor === 'system') return t('actor.system');
    if (actor.startsWith('integration:')) return t('actor.integration');
    return actor.replace(/^user:/, '');
  };

  const describeFix = (fix) => (fix && typeof fix.lat === 'number'
    ? `${fix.lat.toFixed(5)}, ${fix.lng.toFixed(5)}${fix.accuracy != null ? ` ±${Math.round(fix.accuracy)} m` : ''}`
    : t('auditor.locations.none'));

  const summary = (e) => {
    const d = e.data;
    switch (e.type) {
      case 'location.fix': return describeFix(d);
      case 'snapshot.taken': return `${describeFix(d.location)} · SHA-256 ${String(d.sha256).slice(0, 12)}…`;
      case 'note.added': return d.text;
      case 'notification.sent': return [t(`notify.channel.${d.channel}`), d.to].filter(Boolean).join(' · ');
      case 'notification.failed': return [t(`notify.channel.${d.channel}`), d.to, d.error].filter(Boolean).join(' · ');
      case 'integration.key_used': return d.name;
      case 'checklist.bound': return t('auditor.checklist.matter', { matter: d.matterName, version: d.checklistVersion });
      case 'checklist.current': return d.itemId;
      case 'checklist.answered': return [d.itemId, answerText(t, d), d.remark || ''].filter(Boolean).join(' · ');
      case 'inspection.ended': return `${d.conclusion ? t(`conclusion.${d.conclusion}`) : ''} ${d.remark || ''}`.trim();
      case 'recording.gap': return d.reason === 'owner_changed'
        ? [d.role ? t(`actor.${d.role}`) : '', t('auditor.trail.gapOwnerChanged', { n: d.segment, from: d.from, to: d.to })].filter(Boolean).join(' · ')
        : d.reason === 'new-segment' || d.gapMillis != null
        ? [d.role ? t(`actor.${d.role}`) : '', t('auditor.trail.gapSegment', { n: d.segment })].filter(Boolean).join(' · ')
        : t('auditor.trail.gapSlices', { from: d.fromSeq, to: d.toSeq });
      case 'recording.finalised': return [d.role ? t(`actor.${d.role}`) : '', d.error
        ? t('auditor.trail.notFinalised', { n: d.segment, error: d.error })
        : t('auditor.trail.finalised', { n: d.segment, sha: String(d.sha256).slice(0, 12) })].filter(Boolean).join(' · ');
      case 'media.event': return d.kind === 'recording.segment.started' ? t('auditor.trail.segmentStarted', { n: d.segment }) : mediaKind(d);
      default: return d.role ? t(`actor.${d.role}`) : '';
    }
  };

  /** A media event's kind in words (kms.chosen, media.flowing, ...), with the participant it concerns. */
  const mediaKind = (d) => {
    const key = `media.kind.${d.kind}`;
    const words = t(key) === key ? (d.kind || '') : t(key);
    return [words, d.role ? t(`actor.${d.role}`) : '', d.mediaType ? t(`media.type.${d.mediaType}`) : '',
      d.mode === 'sharp' || d.mode === 'smooth' ? t(`media.mode.${d.mode}`) : '',
      d.segment ? t('auditor.trail.segmentNumber', { n: d.segment }) : ''].filter(Boolean).join(' · ');
  };

  loadMatters();

  return {
    search,
    open,
    render: () => { renderSearchChoices(); renderResults(); renderDetail(); },
  };
}

/**
 * Recording segments from the trail, each with where it starts (the video's zero) and its finalised file:
 * the browser's own segments (peer-to-peer mode), or the media server's recordings of each participant
 * (Kurento mode, which carry a role: the applicant's site and voice, the inspector's voice and what they showed).
 */
function segmentsOf(events, inspectionId) {
  const segments = new Map();
  const base = `/api/inspections/${encodeURIComponent(inspectionId)}/recordings`;
  for (const e of events) {
    const d = e.data;
    if (e.type === 'media.event' && d.kind === 'recording.segment.started') {
      segments.set(`p2p-${d.segment}`, { key: `p2p-${d.segment}`, segment: d.segment, t0: e.at, startedAt: e.time,
        url: `${base}/${d.segment}`, finalised: false });
    } else if (e.type === 'media.event' && d.kind === 'recording.started' && (d.role === 'applicant' || d.role === 'inspector')) {
      const key = `kms-${d.role}-${d.segment}`;
      segments.set(key, { key, role: d.role, segment: d.segment, t0: e.at, startedAt: e.time,
        url: `${base}/${d.segment}?role=${d.role}`, finalised: false });
    } else if (e.type === 'recording.finalised' && !d.error) {
      const seg = segments.get(d.role ? `kms-${d.role}-${d.segment}` : `p2p-${d.segment}`);
      if (seg) {
        Object.assign(seg, {
          finalised: true, sha256: d.sha256, size: d.size ?? d.sizeBytes, durationMs: d.durationMs ?? d.durationMillis,
        });
      }
    }
  }
  return [...segments.values()].filter((s) => s.finalised).sort((a, b) => a.t0 - b.t0);
}

function parsePayload(payload) {
  if (payload && typeof payload === 'object') return payload;
  try { return JSON.parse(payload || '{}'); } catch { return {}; }
}

startPage(main, 'page-error');
