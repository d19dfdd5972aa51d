/**
 * Cross-checks of notification routing the schema cannot make alone: every channel a route, a
 * quiet-hours exemption or a digest names is declared under notify.channels, and quiet hours are
 * a period (from ≠ to). Each problem is one line naming the field.
 */
import type { UpkeepConfig } from '../../domain/config.js';
import { nearestNames } from '../../domain/suggest.js';
import { UpkeepError } from '../errors.js';

type Notify = Pick<UpkeepConfig['notify'], 'routes' | 'quiet_hours' | 'digest'>;

export function checkRouting(
  config: Pick<UpkeepConfig, 'notify'> & { models: { id: string; notify?: Partial<Notify> | undefined }[] },
  configName: string,
): void {
  const declared = Object.keys(config.notify.channels);
  const problems: string[] = [];
  const unknown = (where: string, name: string): void => {
    if (declared.includes(name)) return;
    const near = nearestNames(name, declared);
    const hint = near.length ? `did you mean ${near.join(' or ')}? ` : '';
    const list = declared.length ? `declared: ${declared.join(', ')}` : 'no channel is declared under notify.channels';
    problems.push(`${where}: unknown channel ${JSON.stringify(name)} (${hint}${list})`);
  };
  const check = (prefix: string, n: Partial<Notify> | undefined): void => {
    n?.routes?.forEach((r, i) => r.channels.forEach((c, j) => unknown(`${prefix}notify.routes[${i}].channels[${j}]`, c)));
    n?.quiet_hours?.except.forEach((c, j) => unknown(`${prefix}notify.quiet_hours.except[${j}]`, c));
    if (n?.quiet_hours && n.quiet_hours.from === n.quiet_hours.to)
      problems.push(`${prefix}notify.quiet_hours: from and to are both ${n.quiet_hours.from}: give a period, e.g. from: "22:00", to: "07:00"`);
    n?.digest?.channels?.forEach((c, j) => unknown(`${prefix}notify.digest.channels[${j}]`, c));
  };
  check('', config.notify);
  config.models.forEach((m, i) => check(`models[${i}] (${m.id}): `, m.notify));
  if (problems.length > 0) throw new UpkeepError('InvalidConfig', problems.map((p) => `${configName}: ${p}`).join('\n'));
}
