// `npm run demo-feed [-- --drifted] [--days N]`: writes the demo model's labelled daily files.
// With --drifted they come from a changed world, into a separate folder, so that
// `npx upkeep evaluate --model churn --data <those files>` shows degradation and drift.
import path from 'node:path';
import { writeDemoFeed } from './demo/feed.js';
import { PROJECT_DIR } from './lib/paths.js';

const args = process.argv.slice(2);
const drifted = args.includes('--drifted');
const daysArg = args.indexOf('--days');
const days = daysArg >= 0 ? Number(args[daysArg + 1]) : 7;
// Beside the files the example config reads (.upkeep/demo-feed/churn/{date}.csv).
const dir = path.join(PROJECT_DIR, '.upkeep', 'demo-feed', drifted ? 'churn-drifted' : 'churn');
const written = writeDemoFeed({ dir, end: new Date(), days, drifted });
console.log(written.length > 0 ? `wrote ${written.length} files to ${dir}` : `all ${days} files already exist in ${dir}`);
if (drifted) console.log(`try: npx upkeep evaluate --model churn --data ${path.relative(process.cwd(), dir)}/*.csv`);
