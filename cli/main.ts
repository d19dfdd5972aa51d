/**
 * The upkeep command line: the commands and their options. What a command does is loaded when it
 * runs (cli/commands/*.ts, which print what the client layer cli/client/ returns), so `upkeep
 * --help` loads neither Temporal nor ONNX Runtime. Settings come from the environment once, through workers/settings.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { UpkeepError } from '../engine/errors.js';
import { addMaintenanceCommands } from './commands/maintenance.js';
import { PROJECT_DIR } from '../workers/paths.js';
import type { InitOptions } from './commands/init.js';

const parseNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
};
const parseDate = (v: string): Date => {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('expected a date (YYYY-MM-DD) or an ISO 8601 time');
  return d;
};
const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const evaluation = () => import('./commands/evaluate.js');
const scheduling = () => import('./commands/schedules.js');
/**
 * For a command that talks to Temporal only as a client, never running a worker in its process:
 * Temporal's client gets its protobuf root without the worker's and Temporal Cloud's messages
 * (cli/client/proto-root.ts; the maintenance commands do the same in commands/maintenance.ts).
 */
const asClient = async <T>(load: () => Promise<T>): Promise<T> => {
  (await import('./client/proto-root.js')).useClientProtoRoot();
  return load();
};

const program = new Command('upkeep')
  .description('Keeps production ML models maintained on Temporal: scheduled evaluation, retraining with approval, promotion.')
  .version((JSON.parse(readFileSync(path.join(PROJECT_DIR, 'package.json'), 'utf8')) as { version: string }).version)
  .showHelpAfterError()
  // Usage errors exit with 2 like other input errors; 1 is `evaluate --fail-on`'s verdict.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program
  .command('evaluate')
  .description('evaluate a model once, in this process (no Temporal needed)')
  .option('--model <id>', 'model id from the config')
  .option('--data <uri...>', 'data file(s) to evaluate instead of the configured window, or a database URI with --query')
  .option('--query <sql>', 'with --data <postgres://… or duckdb:…>: the query read for each day of the window, with {start} and {end}')
  .option('--at <time>', 'end of the configured window (default: now)', parseDate)
  .option('--onnx <file>', 'any ONNX file, evaluated without a config')
  .addOption(new Option('--task <task>', 'with --onnx: the task').choices(['binary', 'multiclass', 'regression']))
  .option('--label <column>', 'with --onnx: the label column (absent or empty in the data: labels not yet known, estimated against --reference)')
  .option('--features <a,b,c>', 'with --onnx: feature columns in the order the model expects', list)
  .option('--positive-label <value>', 'with --onnx and a binary task: the positive class')
  .option('--classes <a,b,c>', 'with --onnx: class labels in probability-column order (for a model that does not record them)', list)
  .option('--metric <name>', 'with --onnx: the primary metric of the verdict')
  .option('--min <value>', 'with --onnx: minimum of the primary metric', parseNumber)
  .option('--max <value>', 'with --onnx: maximum of the primary metric (error metrics)', parseNumber)
  .option('--min-rows <n>', 'with --onnx: fewer labelled rows give a verdict on the estimate, or insufficient-data without one', parseNumber, 1)
  .option('--reference <uri...>', 'compare with a reference (drift; estimates for unlabelled rows): a profile (.json) or data files (all rows, exactly)')
  .option('--categorical <a,b>', 'columns to watch as categories (besides the model inputs)', list)
  .option('--segments <a,b>', 'report metrics per value of these columns (slices)', list)
  .addOption(new Option('--format <format>', 'output format (html: a self-contained page with the pictures)').choices(['json', 'md', 'html']).default('md'))
  .option('--out <file>', 'write the report to this file instead of standard output')
  .option('--segments-export <file>', 'write the rows of the weak segments found (their data.key, or file and row) as CSV, for relabelling')
  .addOption(
    new Option('--fail-on <verdict>', 'exit with status 1 when the verdict is this bad or worse')
      .choices(['warning', 'degraded', 'failing', 'never'])
      .default('failing'),
  )
  .action(async (o) => (await evaluation()).evaluateCommand(o));

program
  .command('profile')
  .description('profile reference (e.g. training) data with the model; stored next to the model version')
  .option('--model <id>', 'model id from the config')
  .option('--onnx <file>', 'any ONNX file, without a config')
  .addOption(new Option('--task <task>', 'with --onnx: the task').choices(['binary', 'multiclass', 'regression']))
  .option('--label <column>', 'with --onnx: the label column')
  .option('--features <a,b,c>', 'with --onnx: feature columns in the order the model expects', list)
  .option('--positive-label <value>', 'with --onnx and a binary task: the positive class')
  .option('--classes <a,b,c>', 'with --onnx: class labels in probability-column order (for a model that does not record them)', list)
  .option('--categorical <a,b>', 'columns to profile as categories', list)
  .option('--data <uri...>', "reference data file(s), or a database URI with --query (default: a model's own query)")
  .option('--query <sql>', 'with --data <postgres://… or duckdb:…>: the query read for each day of the window, with {start} and {end}')
  .option('--at <time>', 'with a query: the end of the window read (default: now)', parseDate)
  .option('--out <file>', 'also write the profile to this file')
  .action(async (o) => (await evaluation()).profileCommand(o));

program
  .command('init')
  .description('write a commented upkeep.yaml from an ONNX model (and a data sample), or add the model to an existing one; what it cannot infer is marked TODO')
  .requiredOption('--onnx <file>', 'the ONNX model')
  .option('--data <file>', 'a data sample (CSV, JSONL or Parquet): columns, label and date pattern; or a database URI with --query')
  .option('--query <sql>', 'with --data <postgres://… or duckdb:…>: the query read for each day, with {start} and {end}; a sample of its last 7 days is read')
  .option('--out <file>', 'the config to write (default: the --config file, else upkeep.yaml)')
  .option('--id <id>', 'model id (default: from the file name)')
  .option('--owner <email>', 'accountable owner (else a TODO)')
  .option('--force', "replace an existing file (without it, the model is added to the file's models)")
  .action(async (o: { out?: string; config?: string }) =>
    (await import('./commands/init.js')).initCommand({ ...(o as Omit<InitOptions, 'out'>), out: o.out ?? o.config ?? 'upkeep.yaml' }),
  );

program
  .command('check')
  .description('validate the config, each model against its spec and its latest data file (writes nothing)')
  .option('--model <id>', 'only this model')
  .action(async (o) => (await import('./commands/check.js')).checkCommand(o));

program
  .command('start')
  .description(
    'what `npm start` does in the clone: the dev server (unless TEMPORAL_ADDRESS is set), a worker, the schedules and one evaluation per model; Ctrl-C stops',
  )
  .action(async (o: { config?: string }) => {
    // start.ts reads its config from the settings, like `npm start`.
    if (o.config) process.env.UPKEEP_CONFIG = o.config;
    await import('./start.js');
  });

const schedules = program.command('schedules').description('Temporal Schedules, one per model');

schedules
  .command('sync')
  .description('create or update the schedules of the config, pause, prune or keep those whose model left it (schedules.orphans), and print the difference')
  .option('--dry-run', 'only print what would change')
  .option('--prune', "delete this task queue's schedules whose model is no longer in the config, whatever schedules.orphans says")
  .option('--author <who>', 'who made the config change this sync records (default UPKEEP_AUTHOR; recorded as asserted, not proven)')
  .action(async (o) => (await asClient(scheduling)).syncCommand(o));

schedules
  .command('list')
  .description('list the upkeep schedules with their next run and latest verdict')
  .action(async () => (await asClient(scheduling)).listCommand());

schedules
  .command('trigger <model>')
  .description('start an evaluation now (the window ends now); `trigger watchdog` runs the watchdog now')
  .action(async (model: string) => (await asClient(scheduling)).triggerCommand(model));

for (const verb of ['pause', 'resume'] as const) {
  schedules
    .command(`${verb} <model>`)
    .description(`${verb} a model's schedule`)
    .option('--note <text>', 'why (kept on the schedule)')
    .action(async (model: string, o: { note?: string; config?: string }) => (await asClient(scheduling)).pauseCommand(verb, model, o));
}

schedules
  .command('backfill <model>')
  .description('evaluate the past windows whose scheduled times fall in [from, to)')
  .requiredOption('--from <date>', 'start (YYYY-MM-DD or ISO time)', parseDate)
  .requiredOption('--to <date>', 'end, exclusive (YYYY-MM-DD or ISO time)', parseDate)
  .option('--wait', 'wait until the backfilled evaluations have finished (progress on a terminal), then count their verdicts')
  .action(async (model: string, o: { from: Date; to: Date; wait?: boolean }) => (await asClient(scheduling)).backfillCommand(model, o));

const auditing = () => import('./commands/audit.js');
const audit = program
  .command('audit')
  .description("a model's audit trail from the store: every verdict, request, notification, decision, training, promotion and rollback, hash-chained")
  .argument('<model>', 'model id')
  .option('--since <time>', 'from this time (YYYY-MM-DD or ISO time)', parseDate)
  .option('--until <time>', 'before this time, exclusive', parseDate)
  .addOption(new Option('--format <format>', 'output format').choices(['md', 'json', 'html']).default('md'))
  .option('--config <file>', 'config file (default: $UPKEEP_CONFIG, else ./upkeep.yaml, else in a clone the example config)')
  .option('--unverified', 'show the records even when the trail does not verify (marked UNVERIFIED; exit 1 all the same)')
  .action(async (model: string, o) => (await auditing()).auditCommand(model, o));
audit
  .command('verify <model>')
  .description(
    "check that no entry of the model's audit trail was removed, reordered or altered, re-hash everything it cites, check its signatures against the keys in force then and the registry against it (exit 1 naming each problem)",
  )
  .option('--source', "instead: run each day's recorded query again against the model's database and show the rows are the same (sql-sources.md)")
  .option('--snapshot <sha256>', 'with --source: only this snapshot (its sha256 or first hex digits)')
  .option('--evaluation <run id>', 'with --source: only the snapshot this evaluation read')
  .option('--day <date>', 'with --source: only this day of the window (YYYY-MM-DD)')
  .option('--no-temporal', 'do not ask Temporal: check the anchors and completed evaluation runs of the exported histories only')
  // --config may land on `audit` itself: read the options of both.
  .action(async (model: string, _o, cmd: Command) => (await auditing()).verifyCommand(model, cmd.optsWithGlobals()));
audit
  .command('migrate')
  .description(
    'move an audit trail an earlier version kept under ledger/ to audit/: every object copied, read back and compared by sha256 before the move is marked (a worker does it at start; safe to run again)',
  )
  .option('--remove-old', 'then remove the originals under ledger/ (each copy verified first)')
  .action(async (_o, cmd: Command) => (await auditing()).migrateCommand(cmd.optsWithGlobals()));
audit
  .command('export')
  .description('copy the histories of closed workflows to the store now (a worker does it hourly)')
  .action(async (_o, cmd: Command) => (await auditing()).exportCommand(cmd.optsWithGlobals()));
// The evidence pack (docs/audit.md#evidence-pack). --from/--to are checked by the command: a required
// option here would be required of `pack verify` too.
const packing = () => import('./commands/pack.js');
const pack = audit
  .command('pack')
  .description(
    'write one .tar.gz for a review of a period: model cards, monitoring plans, verdicts with their reports, signed decisions with the evidence shown and their check, incidents, histories, the chain segment and a sha256 manifest, readable offline',
  )
  .argument('[model]', 'model id')
  .option('--from <time>', 'start of the period (YYYY-MM-DD or ISO time)')
  .option('--to <time>', 'end of the period, excluded (YYYY-MM-DD or ISO time)')
  .option('--out <file>', 'the archive to write (default: ./evidence-<model>-<from>-<to>.tar.gz; never overwritten)')
  .option('--unverified', 'pack a trail that does not verify, marked UNVERIFIED throughout (exit 1 all the same)')
  .option('--config <file>', 'config file (default: $UPKEEP_CONFIG, else ./upkeep.yaml, else in a clone the example config)')
  .action(async (model: string | undefined, _o, cmd: Command) => (await packing()).packCommand(model, cmd.optsWithGlobals()));
pack
  .command('verify <archive>')
  .description(
    'check an evidence pack offline: every file against its manifest (altered, removed, added), the chain segment, reports and anchors (exit 1 naming each problem)',
  )
  .action(async (archive: string) => (await packing()).packVerifyCommand(archive));

program
  .command('who-was-watching <model>')
  .description(
    'at a given time: owner and approvers in force, last verdict, open alerts, pending approvals, who was told, schedule state (from the store alone)',
  )
  .option('--at <time>', 'the instant (YYYY-MM-DD, ISO time or now; default: now)', (v: string) => (v === 'now' ? new Date() : parseDate(v)))
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
  .option('--unverified', 'answer even when the trail does not verify (marked UNVERIFIED; exit 1 all the same)')
  .action(async (model: string, o) => (await auditing()).whoCommand(model, o));

const incidenting = () => import('./commands/incidents.js');
const incidents = program
  .command('incidents [model]')
  .description(
    "each model's incidents from its audit trail: opened by a degraded or failing window, closed by the next healthy one, with their timeline and times to detect, decide and recover",
  )
  .option('--json', 'as JSON')
  .option('--unverified', 'answer even when a trail does not verify (marked UNVERIFIED; exit 1 all the same)')
  .option('--config <file>', 'config file (default: $UPKEEP_CONFIG, else ./upkeep.yaml, else in a clone the example config)')
  .action(async (model: string | undefined, o) => (await incidenting()).incidentsCommand(model, o));
incidents
  .command('note <model> <incident>')
  .description("the owner's post-incident note, recorded in the audit trail (signed with the owner's key when the config lists one, else marked unsigned)")
  .requiredOption('--text <text>', 'the note')
  .option('--as <person>', 'who writes it (default: $USER); must be the model owner')
  .action(async (model: string, incident: string, _o, cmd: Command) => (await incidenting()).noteCommand(model, incident, cmd.optsWithGlobals()));
incidents
  .command('report <model> <incident>')
  .description(
    'file the initial or final report an incident owes under its reporting clock, recorded in the audit trail (signed with your key when the config lists one)',
  )
  .option('--initial', 'the first report (incomplete allowed)')
  .option('--final', 'the final report')
  .option('--file <report.md>', 'the report, from a file')
  .option('--text <text>', 'the report, as text')
  .option('--as <person>', "who files it (default: $USER): the model's owner, an approver or a platform contact")
  .action(async (model: string, incident: string, _o, cmd: Command) =>
    (await import('./commands/incident-report.js')).reportCommand(model, incident, cmd.optsWithGlobals()),
  );

program
  .command('status [model]')
  .description(
    "the fleet's health: owner, champion, last evaluation and its trend, staleness, next run, pending approvals, watchdog findings; one model in detail",
  )
  .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
  .action(async (model: string | undefined, o: { format: 'table' | 'json'; config?: string }) =>
    (await asClient(() => import('./commands/status.js'))).statusCommand(model, o),
  );
const watchdogCommands = program
  .command('watchdog')
  .description('the watchdog: models nobody is watching (stale, paused, overdue approvals, failures in a row, people who left)');

watchdogCommands
  .command('run')
  .description('run the watchdog now (a worker runs it) and print its findings; new ones are told to their people')
  .action(async (o: { config?: string }) => (await import('./commands/watchdog.js')).runCommand(o));

watchdogCommands
  .command('show')
  .description('print the latest watchdog report from the store (no Temporal needed)')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(async (o: { config?: string; format?: 'text' | 'json' }) => (await import('./commands/watchdog.js')).showCommand(o));

addMaintenanceCommands(program, async () => (await import('./context.js')).maintenanceContext());

program
  .command('codec-server')
  .description('serve /encode and /decode for the Temporal UI, with the payload keys of UPKEEP_PAYLOAD_KEYS(_FILE)')
  .option('--port <n>', 'port', parseNumber, 8888)
  .option('--host <address>', 'address to listen on (anyone who reaches it can decrypt)', '127.0.0.1')
  .option('--origin <url...>', 'origins of the Temporal UI allowed by CORS (default: the dev server UI)')
  .action(async (o) => (await import('./commands/codec.js')).codecServerCommand(o));

// The web inbox: `upkeep serve` and the people who may sign in to it.
const web = () => import('./commands/serve.js');

program
  .command('serve')
  .description('serve the web inbox: fleet overview, a page per model, pending decisions with approve / reject (docs/web.md)')
  .option('--port <n>', 'port', parseNumber, 8080)
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option(
    '--public-url <url>',
    'the address people use, e.g. https://inbox.example.com behind a TLS proxy (form posts must come from it; https makes cookies Secure)',
  )
  .action(async (o) => (await web()).serveCommand(o));

const users = program.command('users').description('who may sign in to the web inbox (tokens kept hashed in web.users_file)');
users
  .command('add <id>')
  .description('add a person and print their sign-in token once (only its hash is kept)')
  .action(async (id: string, o: { config?: string }) => (await web()).usersCliCommand('add', id, o));
users
  .command('list')
  .description('list the people who may sign in')
  .action(async (o: { config?: string }) => (await web()).usersCliCommand('list', undefined, o));
users
  .command('passkeys [id]')
  .description("the devices people registered in the web inbox to sign their own decisions, with each one's line for the keys file")
  .action(async (id: string | undefined, o: { config?: string }) => (await import('./commands/passkeys.js')).passkeysCommand(id, o));
users
  .command('remove <id>')
  .description('remove a person: their token stops working and their sessions end')
  .action(async (id: string, o: { config?: string }) => (await web()).usersCliCommand('remove', id, o));

program
  .command('worker')
  .description('run a worker for the configured Temporal cluster (or the local dev server)')
  .option(
    '--queues <which>',
    'task queues to poll: all, evaluation (workflows, evaluations, short steps) or training (`<queue>-training`); default UPKEEP_WORKER_QUEUES or all',
  )
  .action(async (o) => (await scheduling()).workerCommand(o));

// Handing a model to a new owner, who accepts it signed (docs/governance.md#handover).
program
  .command('handover <model>')
  .description(
    'hand a model to a new owner, who must accept it with a signed decision (upkeep approve <model> --gate handover); until then the owner stays accountable',
  )
  .requiredOption('--to <person>', 'the new owner (their id, as the keys file lists their key)')
  .option('--reason <text>', 'why (shown to the new owner and kept in the audit trail)')
  .option('--as <id>', 'who asks (default: $USER; recorded as asserted)')
  .action(async (model: string, o) => (await import('./commands/handover.js')).handoverCommand(model, o));

// Maintenance made visible (docs/governance.md): the report, from the audit trail alone.
program
  .command('report')
  .description(
    'what maintenance did in a period, per model and in total: evaluations, verdicts, decisions and their latency, retrains, incidents, notifications',
  )
  .requiredOption('--since <time>', 'start of the period (YYYY-MM-DD, ISO time, or a duration back from now such as 7d)')
  .option('--until <time>', 'end of the period, excluded (default: now)')
  .option('--model <ids>', 'only these models (comma-separated)', list)
  .addOption(new Option('--format <format>', 'output format').choices(['md', 'html', 'json']).default('md'))
  .action(async (o) => (await import('./commands/report.js')).reportCommand(o));

// The monitoring plan the config gives a model (docs/governance.md#the-monitoring-plan).
program
  .command('plan <model>')
  .description('the monitoring plan generated from the config (what is watched, thresholds, cadence, owners, approvers, escalation) and its history')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
  .action(async (model: string, o) => (await import('./commands/plan.js')).planCommand(model, o));

/** Every command takes --config (those that read no config accept it too, so scripts may always pass it). */
function addConfigOption(cmd: Command): void {
  if (cmd.commands.length > 0) {
    cmd.commands.forEach(addConfigOption);
    return;
  }
  if (cmd === program) return;
  cmd.option('--config <file>', 'config file (default: $UPKEEP_CONFIG, else ./upkeep.yaml, else in a clone the example config)');
}
addConfigOption(program);

program.parseAsync().catch((err: unknown) => {
  // A bad UPKEEP_* value (SettingsError, not imported here: settings load with the command).
  if (err instanceof UpkeepError || (err instanceof Error && err.name === 'SettingsError')) {
    console.error(`upkeep: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
