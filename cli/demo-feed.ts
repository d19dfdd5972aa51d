// `npm run demo-feed [-- --drifted] [--days N]`: writes the demo model's labelled daily files where
// the config's `churn` model reads them (the example config: .upkeep/demo-feed/churn/{date}.csv).
// With --drifted the last N days (default 28) are replaced by data from a changed world, so the
// next evaluation of `churn` is degraded and asks its owner for a retrain.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findModel, loadConfig } from '../engine/config/load.js';
import { writeDemoFeed } from './demo/feed.js';
import { PROJECT_DIR } from '../workers/paths.js';
import { configPath as configFile, readSettings } from '../workers/settings.js';

const args = process.argv.slice(2);
const drifted = args.includes('--drifted');
const daysArg = args.indexOf('--days');
const days = daysArg >= 0 ? Number(args[daysArg + 1]) : 28;
if (!Number.isInteger(days) || days < 1) {
  console.error('upkeep demo-feed: --days needs a whole number of days');
  process.exit(2);
}
const configPath = configFile(readSettings(process.env));
const dir = path.dirname(fileURLToPath(findModel(await loadConfig(configPath), 'churn', path.basename(configPath)).data.uri.replace('{date}', 'day')));
const written = writeDemoFeed({ dir, end: new Date(), days, drifted, replace: drifted });
console.log(
  written.length > 0
    ? `wrote ${written.length} ${drifted ? 'drifted ' : ''}files to ${path.relative(PROJECT_DIR, dir) || dir}`
    : `all ${days} files already exist in ${dir}`,
);
if (drifted) console.log('next: npx upkeep schedules trigger churn   (or wait for the schedule), then npx upkeep approvals list');
