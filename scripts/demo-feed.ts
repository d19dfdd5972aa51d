// `npm run demo-feed [-- --drifted] [--days N]`: writes the demo model's labelled files.
import path from 'node:path';
import { writeDemoFeed } from './demo/feed.js';
import { stateDir } from './lib/paths.js';

const args = process.argv.slice(2);
const drifted = args.includes('--drifted');
const daysArg = args.indexOf('--days');
const days = daysArg >= 0 ? Number(args[daysArg + 1]) : 7;
const dir = path.join(stateDir(process.env), 'demo-feed', 'churn');
const written = writeDemoFeed({ dir, end: new Date(), days, drifted });
console.log(written.length > 0 ? `wrote ${written.length} files to ${dir}` : `all ${days} files already exist in ${dir}`);
