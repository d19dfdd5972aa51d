/**
 * Incidents in the web inbox (docs/incidents.md): `/incidents` for the fleet and a section of the
 * model page, both from the models' cards (written at the end of each evaluation, after its
 * incident entries); `upkeep incidents` derives them from the verified trail.
 */
import { html } from 'hono/html';
import type { ModelSpec } from '../../domain/config.js';
import { durationText } from '../../engine/audit/incidents.js';
import type { CardIncident, CardIncidentReport, ModelCard } from '../../engine/cards/types.js';
import { cardReportText } from '../../engine/cards/incident-reports.js';
import { cardKey } from '../../engine/store/keys.js';
import { tryGetJson, type ArtifactStore } from '../../engine/store/store.js';
import { layout, modelHref, when, type Html, type Viewer } from './pages.js';

const ms = (v: number | null): string => (v === null ? '—' : durationText(v));
/** A report as of `now` (the page is live; the card says it as of its own date). */
const asOf = (r: CardIncidentReport, now: string): CardIncidentReport => ({
  ...r,
  overdueMs: r.filedAt === null && Date.parse(now) > Date.parse(r.dueAt) ? Date.parse(now) - Date.parse(r.dueAt) : null,
});

/** The incidents of each model of the config, from its card (none when it has no card yet). */
export async function fleetIncidents(store: ArtifactStore, models: readonly ModelSpec[]): Promise<{ modelId: string; incidents: CardIncident[] }[]> {
  return Promise.all(
    models.map(async (m) => ({
      modelId: m.id,
      incidents: (await tryGetJson<ModelCard>(store, cardKey(m.id, 'json')).catch(() => undefined))?.incidents ?? [],
    })),
  );
}

/** A table of incidents; with `model`, a first column linking each one's model. */
export function incidentsTable(rows: { modelId: string; incident: CardIncident }[], withModel: boolean, now: string = new Date().toISOString()): Html {
  if (rows.length === 0) return html`<p class="quiet">No incidents: no degraded or failing window yet.</p>`;
  return html`<table class="incidents"><thead><tr>${withModel ? html`<th>Model</th>` : ''}<th>Incident</th><th>State</th><th>First bad window</th><th>Told</th><th>Detect</th><th>Decide</th><th>Recover</th><th>Closed</th></tr></thead>
<tbody>${rows.map(
    ({ modelId, incident: i }) =>
      html`<tr class="${i.state}">${withModel ? html`<td><a href="${modelHref(modelId)}">${modelId}</a></td>` : ''}<td>${i.id}</td><td>${i.state === 'open' ? html`<strong>open</strong>` : 'closed'}, ${i.severity} (${i.badWindows} bad)</td><td>${when(i.firstBadWindowEnd)}</td><td>${i.told.join(', ') || 'nobody'}</td><td>${ms(i.times.detectMs)}</td><td>${ms(i.times.decideMs)}</td><td>${ms(i.times.recoverMs)}</td><td>${when(i.closedAt, 'not yet')}</td></tr>${
        i.notes.length
          ? html`<tr><td colspan="${withModel ? 9 : 8}">${i.notes.map((n) => html`<p class="note">Note by ${n.actor} (${when(n.at)}, ${n.signed ? 'signed' : 'unsigned'}): ${n.text}</p>`)}</td></tr>`
          : ''
      }${
        i.reports?.length
          ? html`<tr class="reports"><td colspan="${withModel ? 9 : 8}">Reports: ${i.reports.map((r, k) => {
              const text = cardReportText(asOf(r, now));
              return html`${k ? '; ' : ''}${r.filedAt === null && Date.parse(now) > Date.parse(r.dueAt) ? html`<strong class="overdue">${text}</strong>` : text}`;
            })}</td></tr>`
          : ''
      }`,
  )}</tbody></table>`;
}

/** The model page's section. */
export function modelIncidentsSection(modelId: string, card: ModelCard | undefined): Html {
  return incidentsTable(
    (card?.incidents ?? []).map((incident) => ({ modelId, incident })),
    false,
  );
}

/** `/incidents`: every model's incidents, open ones first, then newest first. */
export function incidentsPage(viewer: Viewer, fleet: { modelId: string; incidents: CardIncident[] }[]): Html {
  const rows = fleet
    .flatMap((m) => m.incidents.map((incident) => ({ modelId: m.modelId, incident })))
    .sort(
      (a, b) =>
        Number(b.incident.state === 'open') - Number(a.incident.state === 'open') || b.incident.firstBadWindowEnd.localeCompare(a.incident.firstBadWindowEnd),
    );
  const open = rows.filter((r) => r.incident.state === 'open').length;
  return layout(
    'Incidents',
    viewer,
    html`<p>${open} open, ${rows.length - open} closed. An incident opens on a degraded or failing window and closes on the next healthy one; detect runs from the first bad window's data end to its first notification, decide and recover from detection; under a reporting clock, each report owed and whether it is overdue (docs/incidents.md). From each model's card (its latest ten); <code>upkeep incidents</code> derives them from the verified audit trail.</p>
${incidentsTable(rows, true)}`,
  );
}
