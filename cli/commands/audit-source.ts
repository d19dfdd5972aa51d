/**
 * `upkeep audit verify <model> --source`: shows that each day a query read is the same data now as
 * then (docs/sql-sources.md, "Showing a window is the same data"): the stored Parquet file against
 * its recorded hashes, and the recorded query run again against the model's database. One line per
 * day; exit 1 when a day differs or its source could not be re-read.
 */
import { loadConfig } from '../../engine/config/load.js';
import { UpkeepError } from '../../engine/errors.js';
import { connectSql } from '../../engine/data/sql/connect.js';
import type { SqlConnect } from '../../engine/data/sql/connection.js';
import { recheckSnapshots, storedSnapshots, type DayRecheck } from '../../engine/data/sql/recheck.js';
import { createDataSource } from '../../engine/data/sources.js';
import { openStore } from '../../engine/store/open.js';
import { reportsPrefix } from '../../engine/store/keys.js';
import { tryGetJson, type ArtifactStore } from '../../engine/store/store.js';
import { plainLine } from '../../domain/escape.js';
import { commandConfig } from '../context.js';

export interface SourceOptions {
  config?: string;
  snapshot?: string;
  evaluation?: string;
  day?: string;
}

/** The snapshot an evaluation read, from its report (reports/<model>/<time>_<run id>.json). */
async function evaluationSnapshot(store: ArtifactStore, model: string, runId: string): Promise<string> {
  const key = (await store.list(reportsPrefix(model))).find((k) => k.endsWith(`_${runId}.json`));
  const report = key ? await tryGetJson<{ snapshot?: { sha256?: string } }>(store, key) : undefined;
  if (!report?.snapshot?.sha256) throw new UpkeepError('InvalidRequest', `model ${model}: no evaluation report of run ${runId} in the store ${store.root}`);
  return report.snapshot.sha256;
}

function dayLine(d: DayRecheck): string {
  const label = d.status === 'same' ? 'same' : d.status === 'differs' ? 'DIFFERS' : 'UNREACHABLE';
  const parts = [d.source.detail, d.stored.ok ? d.stored.detail : `stored file DIFFERS: ${d.stored.detail}`, ...d.notes.map((n) => `note: ${n}`)];
  return plainLine(`${d.date} ${label.padEnd(11)} snapshot ${d.snapshot.slice(0, 12)}: ${parts.join('; ')}`, 2000);
}

export async function verifySourceCommand(model: string, o: SourceOptions, connect: SqlConnect = connectSql): Promise<void> {
  if (o.snapshot !== undefined && o.evaluation !== undefined) throw new UpkeepError('InvalidRequest', 'give --snapshot or --evaluation, not both');
  if (o.snapshot !== undefined && !/^[0-9a-f]{4,64}$/.test(o.snapshot))
    throw new UpkeepError('InvalidRequest', `--snapshot ${JSON.stringify(o.snapshot)} is not a snapshot sha256 (or its first hex digits)`);
  if (o.day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(o.day))
    throw new UpkeepError('InvalidRequest', `--day ${JSON.stringify(o.day)} is not a date (YYYY-MM-DD)`);
  const config = await loadConfig(commandConfig(o.config));
  const spec = config.models.find((m) => m.id === model);
  if (!spec) throw new UpkeepError('UnknownModel', `no model with id ${model} in the config: its database and credentials are taken from there`);
  const store = await openStore(config);
  const sha = o.evaluation !== undefined ? await evaluationSnapshot(store, model, o.evaluation) : o.snapshot;
  const snapshots = await storedSnapshots(store, model, sha);
  if (snapshots.length === 0)
    throw new UpkeepError('InvalidRequest', `model ${model}: no snapshot${sha ? ` ${sha.slice(0, 12)}` : ''} in the store ${store.root}`);
  const days = await recheckSnapshots({ store, connect, labelFiles: createDataSource(config.s3) }, spec, snapshots, o.day ? { day: o.day } : {});
  if (days.length === 0) {
    console.log(
      `model ${model}: no day read by a query in ${snapshots.length} snapshot${snapshots.length === 1 ? '' : 's'}${o.day ? ` on ${o.day}` : ''}: nothing to re-read`,
    );
    return;
  }
  for (const d of days) console.log(dayLine(d));
  const count = (s: DayRecheck['status']): number => days.filter((d) => d.status === s).length;
  const bad = days.length - count('same');
  const summary = `model ${model}: ${days.length} day${days.length === 1 ? '' : 's'} of ${snapshots.length} snapshot${snapshots.length === 1 ? '' : 's'}: ${count('same')} same, ${count('differs')} differ, ${count('unreachable')} not re-read`;
  if (bad === 0) console.log(summary);
  else {
    console.error(summary);
    process.exitCode = 1;
  }
}
