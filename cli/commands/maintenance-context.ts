/**
 * What the maintenance commands are given (cli/context.ts makes it when one runs), and the config
 * and model spec they read.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { ModelSpec, UpkeepConfig } from '../../domain/config.js';

export interface MaintenanceContext {
  /** Connects to Temporal (with the CLI's target and error messages), runs `fn`, closes. */
  withClient: <T>(fn: (client: Client) => Promise<T>) => Promise<T>;
  /** Where new maintenance workflows are started (the workers' task queue). */
  taskQueue: string;
  /** Who asks for a retrain when --as is not given (the login name). */
  defaultRequester: string;
  /** The config file for a command's --config (or its absence). */
  configPath(flag?: string): string;
  /** Where the person's signing keys are (cli/keys.ts). */
  keyDir: string;
}

export async function configAndModel(
  ctx: MaintenanceContext,
  configFile: string | undefined,
  modelId: string,
): Promise<{ config: UpkeepConfig; spec: ModelSpec }> {
  const configPath = ctx.configPath(configFile);
  // Loaded here: the commands that only talk to Temporal do not pay for the config's parser.
  const { findModel, loadConfig, warnUnauthenticated } = await import('../../engine/config/load.js');
  const config = await loadConfig(configPath);
  warnUnauthenticated(config, path.basename(configPath));
  return { config, spec: findModel(config, modelId, path.basename(configPath)) };
}
