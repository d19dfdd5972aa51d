/**
 * `upkeep users passkeys [id]`: the devices people registered in the web inbox, each with the line
 * the platform team adds under `passkeys:` in the keys file, and whether the config lists it yet
 * (docs/signed-decisions.md#signed-on-the-persons-device-webauthn).
 */
import { commandConfig } from '../context.js';

export async function passkeysCommand(id: string | undefined, o: { config?: string }): Promise<void> {
  const configPath = commandConfig(o.config);
  const [{ loadConfig }, { openStore }, { registeredPasskeys, passkeyYaml }] = await Promise.all([
    import('../../engine/config/load.js'),
    import('../../engine/store/open.js'),
    import('../web/passkeys.js'),
  ]);
  const config = await loadConfig(configPath);
  const listed = new Set(config.models.flatMap((m) => Object.values(m.keys?.devices ?? {}).flatMap((list) => list.map((d) => d.credential))));
  const devices = await registeredPasskeys(openStore(config), id);
  if (devices.length === 0) {
    console.log(`no device registered${id ? ` by ${id}` : ''} in the web inbox (a person registers one on its Devices page, /passkeys)`);
    return;
  }
  for (const d of devices) {
    const state = listed.has(d.credential) ? 'listed: it signs their decisions' : 'not listed yet: add the line below under passkeys: in the keys file';
    console.log(`${d.id}, registered ${d.registeredAt}${d.label ? ` (${d.label})` : ''}, for ${d.origin}: ${state}`);
    console.log(passkeyYaml(d));
  }
}
