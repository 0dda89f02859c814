/* The platform matrix: one row per platform, its outcome, and the hazards by kind with their source lines. */
import type { Hazard, SimResult } from '../../src/model/sim/types';
import { HAZARD_KINDS, DATA_HAZARDS } from '../../src/model/sim/types';
import { PLATFORMS } from '../../src/model/platforms';
import { PLATFORM_IDS } from '../../src/model/platformIds';
import { byId, clear, el } from './dom';
import { sourceLine } from './replay';
import type { PanelState } from './state';

/** A mapping still live when an extracted function returns is usually kept for the device on purpose. */
function endOfTraceLeak(h: Hazard): boolean {
  return h.kind === 'LEAK' && /end of the trace/.test(h.detail);
}

function outcome(r: SimResult): 'ok' | 'violation' | 'broken' {
  if (r.hazards.some((h) => DATA_HAZARDS.includes(h.kind) || h.kind === 'IOMMU_FAULT' || h.kind === 'USE_AFTER_UNMAP' || h.kind === 'USE_AFTER_FREE' || h.kind === 'MAP_ERROR_USED' || h.kind === 'INFO_LEAK')) return 'broken';
  return r.hazards.some((h) => !endOfTraceLeak(h)) ? 'violation' : 'ok';
}

export function renderMatrix(S: PanelState): void {
  const box = byId('matrix');
  clear(box);
  const summary = byId('matrix-summary');
  summary.textContent = '';
  const results = S.ensureMatrix(S.view === 'matrix');
  if (!results) {
    if (S.parsed && !S.error) summary.textContent = 'Replaying on every platform…';
    return;
  }
  const kinds = HAZARD_KINDS.filter((k) => PLATFORM_IDS.some((p) => results[p]?.hazards.some((h) => h.kind === k)));
  const table = el('table', { class: 'matrix' });
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Platform'), el('th', { scope: 'col' }, 'Outcome'));
  for (const k of kinds) head.append(el('th', { scope: 'col', 'data-kind': k }, k));
  table.append(el('thead', {}, head));
  const body = el('tbody', {});
  const groups: Record<'ok' | 'violation' | 'broken', string[]> = { ok: [], violation: [], broken: [] };
  for (const p of PLATFORM_IDS) {
    const r = results[p];
    if (!r) continue;
    const o = outcome(r);
    groups[o].push(PLATFORMS[p]?.label ?? p);
    const tr = el('tr', { 'data-platform': p, tabindex: '0', class: p === S.platform ? 'selected' : '' });
    tr.append(el('th', { scope: 'row', title: PLATFORMS[p]?.description ?? '' }, PLATFORMS[p]?.label ?? p));
    const label = o === 'ok' ? (r.hazards.length ? '✓ works (still mapped at the end)' : '✓ works') : o === 'violation' ? '⚠ works by luck (contract violation)' : '✗ broken';
    tr.append(el('td', { class: `outcome ${o}`, 'data-outcome': o }, label));
    for (const k of kinds) {
      const hs = r.hazards.filter((h) => h.kind === k);
      const lines = [...new Set(hs.map((h) => sourceLine(r.steps[h.step]) ?? NaN).filter((x) => !Number.isNaN(x)))];
      const td = el('td', { 'data-kind': k, class: hs.length ? (DATA_HAZARDS.includes(k) ? 'hit data' : 'hit') : 'none' }, hs.length ? `${DATA_HAZARDS.includes(k) ? '✗' : '⚠'} ${lines.length ? lines.map((l) => `L${l}`).join(' ') : hs.length}` : '—');
      if (hs.length) td.title = hs.map((h) => h.detail).join('\n');
      tr.append(td);
    }
    const pick = () => {
      S.setPlatform(p, true);
      S.setView('replay');
    };
    tr.addEventListener('click', pick);
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        pick();
        e.preventDefault();
      }
    });
    body.append(tr);
  }
  table.append(body);
  box.append(table);
  const parts: string[] = [];
  if (groups.ok.length) parts.push(`Works on ${groups.ok.join(', ')}.`);
  if (groups.violation.length) parts.push(`Works by luck (contract violation only) on ${groups.violation.join(', ')}.`);
  if (groups.broken.length) parts.push(`Broken on ${groups.broken.join(', ')}.`);
  summary.textContent = parts.join(' ');
}
