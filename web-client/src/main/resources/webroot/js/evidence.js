/**
 * The auditor's evidence panel for one inspection: the online verification (GET .../verify) told in plain
 * words with every problem listed, and the evidence package (the export zip) with how to verify it offline
 * and the server's public key.
 * @module evidence
 */
import { api } from './api.js';
import { byId, errorText, h } from './ui.js';

/**
 * Wires the panel's elements (#verify, #verify-result, #export, #verify-command, #public-key).
 * @param {import('./i18n.js').I18n} i18n
 * @returns {{show: (inspectionId: string) => void, render: () => void}}
 */
export function createEvidencePanel(i18n) {
  const { t } = i18n;
  const box = byId('verify-result');
  let inspectionId = null;
  /** null (not run), {running: true}, {error}, or the verdict {valid, problems, passed, notes}. */
  let result = null;
  let run = 0;

  const list = (key, lines) => (lines?.length
    ? [h('p', {}, h('strong', {}, t(key))), h('ul', { 'data-list': key }, ...lines.map((line) => h('li', {}, line)))]
    : []);

  const render = () => {
    box.hidden = !result;
    if (!result) {
      box.replaceChildren();
      return;
    }
    if (result.running) {
      box.dataset.kind = 'info';
      box.replaceChildren(t('auditor.verify.running'));
      return;
    }
    if (result.error) {
      box.dataset.kind = 'error';
      box.replaceChildren(t('auditor.verify.failedToRun', { error: errorText(i18n, result.error) }));
      return;
    }
    box.dataset.kind = result.valid ? 'ok' : 'error';
    box.dataset.valid = String(result.valid);
    const headline = result.valid
      ? t('auditor.verify.valid')
      : t('auditor.verify.invalid', { count: result.problems.length });
    // The verifier's own lines are kept as it wrote them: they name the files and events exactly.
    box.replaceChildren(h('p', {}, h('strong', {}, headline)),
      ...list('auditor.verify.problems', result.problems),
      ...list('auditor.verify.notes', result.notes),
      ...list('auditor.verify.passed', result.passed));
  };

  byId('verify').addEventListener('click', async () => {
    if (!inspectionId) return;
    const mine = ++run;
    result = { running: true };
    render();
    byId('verify').disabled = true;
    try {
      const verdict = await api(`/api/audit/inspections/${encodeURIComponent(inspectionId)}/verify`);
      if (mine === run) result = verdict;
    } catch (err) {
      if (mine === run) result = { error: err };
    } finally {
      if (mine === run) byId('verify').disabled = false;
    }
    if (mine === run) render();
  });

  return {
    show(id) {
      inspectionId = id;
      run += 1;
      result = null;
      byId('verify').disabled = false;
      const link = byId('export');
      link.href = `/api/audit/inspections/${encodeURIComponent(id)}/export`;
      link.setAttribute('download', `kanyan-evidence-${id}.zip`);
      byId('verify-command').textContent =
        `java -jar kanyan.jar verify kanyan-evidence-${id}.zip --public-key kanyan-checkpoint-key.pub.pem`;
      render();
    },
    render,
  };
}
