/**
 * The maintenance commands of the CLI and their options: retrain, approvals, approve / reject,
 * rollback (through Temporal), and versions / card (read from the store, no Temporal needed).
 * What they do is in maintenance-actions.ts (Temporal) and store-actions.ts (the store alone),
 * loaded only when one of them runs.
 */
import { Option, type Command } from 'commander';
import { GATE_NAMES } from '../../domain/maintenance.js';
import type { MaintenanceContext } from './maintenance-context.js';

/**
 * These commands talk to Temporal only as a client (no worker in their process): @temporalio/client
 * gets the protobuf root without the worker's and Temporal Cloud's messages (cli/client/proto-root.ts).
 */
const actions = async () => {
  (await import('../client/proto-root.js')).useClientProtoRoot();
  return import('./maintenance-actions.js');
};
const storeActions = () => import('./store-actions.js');

/** `context` is called when a command runs (settings, Temporal client, config path). */
export function addMaintenanceCommands(program: Command, context: () => Promise<MaintenanceContext>): void {
  program
    .command('retrain <model>')
    .description('ask for a retrain of a model (attaches to the pending request if there is one); it waits for approval')
    .requiredOption('--reason <text>', 'why the model should be retrained (shown to the approvers)')
    .option('--as <id>', 'who asks (default: $USER)')
    .action(async (model: string, o: { reason: string; as?: string; config?: string }) => (await actions()).retrain(await context(), model, o));

  program
    .command('approvals')
    .description('maintenance requests (retrain, promotion, rollback, handover) and the decisions they wait for')
    .command('list')
    .description('list the running maintenance requests with their open approval gate')
    .option('--model <id>', 'only this model')
    .option('--json', "print the requests' status as JSON")
    .action(async (o: { model?: string; json?: boolean }) => (await actions()).approvalsList(await context(), o));

  for (const decision of ['approve', 'reject'] as const) {
    const cmd = program
      .command(`${decision} <model>`)
      .description(`${decision} the decision a model's maintenance request waits for (${GATE_NAMES.slice(0, -1).join(', ')} or ${GATE_NAMES.at(-1)})`)
      .requiredOption('--as <id>', "who decides: the model's owner or one of its approvers")
      .addOption(new Option('--gate <gate>', 'which request, when more than one waits').choices(GATE_NAMES))
      .option('--evidence <sha256>', 'decide only if the request still shows this evidence (the sha256 upkeep approvals list prints)');
    if (decision === 'reject') cmd.requiredOption('--comment <text>', 'why (required for a rejection; kept in the audit trail)');
    else cmd.option('--comment <text>', 'a note kept in the audit trail');
    cmd.action(async (model: string, o: { as: string; comment?: string; gate?: string; evidence?: string }) =>
      (await actions()).decide(await context(), decision, model, o),
    );
  }

  program
    .command('rollback <model>')
    .description('restore an earlier champion version, after approval (or at once with --emergency)')
    .requiredOption('--as <id>', "who asks (for --emergency: the model's owner or one of its approvers)")
    .option('--to <version>', 'the version to restore (default: the champion before the current one; see upkeep versions)')
    .option('--reason <text>', 'why (shown to the approvers and kept in the audit trail)')
    .option('--emergency', 'skip the approval gate (only the owner or an approver may)')
    .option('--wait', 'wait until the rollback is decided and done')
    .action(async (model: string, o: { as: string; to?: string; reason?: string; emergency?: boolean; wait?: boolean; config?: string }) =>
      (await actions()).rollback(await context(), model, o),
    );

  program
    .command('keys')
    .description('signing keys for decisions (docs/signed-decisions.md)')
    .command('create')
    .description('make a key pair; the private key stays in your key folder (mode 0600), the public key is printed to paste into the config')
    .option('--id <person>', 'whose key: the id the config lists you by (default: $USER)')
    .option('--force', 'replace an existing key (its public key stops working)')
    .action(async (o: { id?: string; force?: boolean }) => {
      const ctx = await context();
      (await import('../keys.js')).keysCreateCommand(ctx.keyDir, { id: o.id ?? ctx.defaultRequester, ...(o.force ? { force: true } : {}) });
    });

  program
    .command('verify-decision <model>')
    .description("check the signatures of the decisions kept in the model's champion history against the config's keys (exit 1 if one fails)")
    .action(async (model: string, o: { config?: string }) => (await storeActions()).verifyDecisions(await context(), model, o));

  program
    .command('versions <model>')
    .description('list the registered versions of a model; * marks the champion (no Temporal needed)')
    .action(async (model: string, o: { config?: string }) => (await storeActions()).versions(await context(), model, o));

  program
    .command('card <model>')
    .description('print the living model card from the store (no Temporal needed)')
    .option('--json', "print the card's JSON record instead of the Markdown")
    .action(async (model: string, o: { json?: boolean; config?: string }) => (await storeActions()).card(await context(), model, o));
}
