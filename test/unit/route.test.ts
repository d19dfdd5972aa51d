import assert from 'node:assert/strict';
import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import { channelPlan, channelsFor, describeRouting, digestPeriodMs, inQuietHours, quietEnd, routingFor, wanted } from '../../engine/notify/route.js';
import { modelYaml } from '../helpers/config-text.js';

const CHANNELS = `
  channels:
    pager: { type: pagerduty, routing_key_file: pd-key }
    team: { type: email, smtp: "smtp://mail.example.com:587", from: upkeep@example.com, to: [team@example.com] }
    chat: { type: slack, webhook_file: slack-url }`;

const parse = (text: string) => parseConfig(text, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });

function refused(text: string): string {
  try {
    parse(text);
  } catch (err) {
    assert.ok(isUpkeepError(err, 'InvalidConfig'));
    return err.message;
  }
  assert.fail('expected the config to be refused');
}

describe('notification routes', function () {
  describe('config cross-checks', function () {
    it('refuses a route naming an undeclared channel, naming the field and the nearest declared channel', function () {
      const msg = refused(`notify:${CHANNELS}\n  routes:\n    - { channels: [pager] }\n    - { channels: [team, pagr] }\nmodels:${modelYaml()}`);
      assert.equal(msg, 'upkeep.yaml: notify.routes[1].channels[1]: unknown channel "pagr" (did you mean pager? declared: pager, team, chat)');
    });

    it("refuses a model's route, quiet-hours exemption or digest channel that is not declared", function () {
      const extra = `    notify:\n      routes: [{ channels: [chat] }]\n      quiet_hours: { from: "22:00", to: "07:00", except: [pagerduty] }\n      digest: { every: 1h, channels: [slack] }\n`;
      const msg = refused(`notify:${CHANNELS}\nmodels:${modelYaml({ extra })}`);
      assert.deepEqual(msg.split('\n'), [
        'upkeep.yaml: models[0] (churn): notify.quiet_hours.except[0]: unknown channel "pagerduty" (declared: pager, team, chat)',
        'upkeep.yaml: models[0] (churn): notify.digest.channels[0]: unknown channel "slack" (declared: pager, team, chat)',
      ]);
    });

    it('refuses routes when no channel is declared, and quiet hours that are no period', function () {
      assert.match(
        refused(`notify:\n  routes: [{ channels: [pager] }]\nmodels:${modelYaml()}`),
        /notify\.routes\[0\]\.channels\[0\]: unknown channel "pager" \(no channel is declared under notify\.channels\)/,
      );
      assert.match(
        refused(`notify:${CHANNELS}\n  quiet_hours: { from: "07:00", to: "07:00" }\nmodels:${modelYaml()}`),
        /notify\.quiet_hours: from and to are both 07:00/,
      );
    });
  });

  describe('which channels hear an event', function () {
    const text = (extra = '') =>
      `notify:${CHANNELS}\n  routes:\n    - { channels: [pager], on: [degraded, failing, recovered] }\n    - { channels: [team, chat, pager] }\n  digest: { every: 1h }\nmodels:${modelYaml({ extra })}`;

    it("uses the top-level routes, each channel once, in the routes' order; a model's own routes replace them", function () {
      const c = parse(text());
      const r = routingFor(c.notify, c.models[0]);
      assert.deepEqual(channelsFor(r, 'degraded'), ['pager', 'team', 'chat']);
      assert.deepEqual(channelsFor(r, 'approval-requested'), ['team', 'chat', 'pager']);
      const own = parse(text(`    notify:\n      routes: [{ channels: [chat], on: [warning] }]\n`));
      const m = routingFor(own.notify, own.models[0]);
      assert.deepEqual(channelsFor(m, 'degraded'), []);
      assert.deepEqual(channelsFor(m, 'warning'), ['chat']);
      assert.equal(wanted(m, 'recovered'), false);
      // The model's routes replace the top level's; the top-level digest still applies.
      assert.equal(m.digest?.every, '1h');
      assert.deepEqual(describeRouting(m), ['chat (slack, digest every 1h) ← warning (the model’s own routes)']);
    });

    it('digests every channel but PagerDuty by default, or the channels the digest names', function () {
      const c = parse(text());
      const r = routingFor(c.notify, c.models[0]);
      assert.equal(digestPeriodMs(r, 'team'), 3_600_000);
      assert.equal(digestPeriodMs(r, 'pager'), undefined);
      const named = routingFor(c.notify, { notify: { digest: { every: '30m', channels: ['pager'] } } });
      assert.equal(digestPeriodMs(named, 'pager'), 1_800_000);
      assert.equal(digestPeriodMs(named, 'team'), undefined);
    });
  });

  describe('quiet hours', function () {
    const berlin = { from: '22:00', to: '07:00', timezone: 'Europe/Berlin', except: ['pager'] };

    it('holds a period across midnight in its own time zone, and ends it at the local `to`', function () {
      // 23:30 in Berlin in winter (UTC+1).
      assert.equal(inQuietHours(berlin, new Date('2026-01-10T22:30:00Z')), true);
      assert.equal(quietEnd(berlin, new Date('2026-01-10T22:30:00Z'))?.toISOString(), '2026-01-11T06:00:00.000Z');
      // 06:59 is quiet, 07:00 and 21:59 are not; 22:00 is.
      assert.equal(inQuietHours(berlin, new Date('2026-01-11T05:59:00Z')), true);
      assert.equal(inQuietHours(berlin, new Date('2026-01-11T06:00:00Z')), false);
      assert.equal(inQuietHours(berlin, new Date('2026-01-11T20:59:00Z')), false);
      assert.equal(inQuietHours(berlin, new Date('2026-01-11T21:00:00Z')), true);
      assert.equal(quietEnd(berlin, new Date('2026-01-11T12:00:00Z')), undefined);
      // A period within one day.
      const lunch = { from: '12:00', to: '13:30', timezone: 'UTC' };
      assert.equal(quietEnd(lunch, new Date('2026-01-11T12:10:20Z'))?.toISOString(), '2026-01-11T13:30:00.000Z');
      assert.equal(inQuietHours(lunch, new Date('2026-01-11T11:59:59Z')), false);
    });

    it('ends at the local `to` across a DST change: an hour shorter in spring, longer in autumn', function () {
      // Europe: clocks go forward 2026-03-29 02:00 → 03:00, back 2026-10-25 03:00 → 02:00.
      assert.equal(quietEnd(berlin, new Date('2026-03-28T22:00:00Z'))?.toISOString(), '2026-03-29T05:00:00.000Z'); // 07:00 CEST
      assert.equal(quietEnd(berlin, new Date('2026-10-24T21:00:00Z'))?.toISOString(), '2026-10-25T06:00:00.000Z'); // 07:00 CET
      // A `to` inside the skipped hour (New York, 2026-03-08 02:00 → 03:00) ends when that hour is over.
      const ny = { from: '01:00', to: '02:30', timezone: 'America/New_York' };
      assert.equal(quietEnd(ny, new Date('2026-03-08T06:30:00Z'))?.toISOString(), '2026-03-08T07:00:00.000Z');
    });

    it('exempts the listed channels, and plans each channel at an instant', function () {
      const routing = { channels: {}, quiet_hours: berlin, digest: { every: '1h', channels: ['team'] } };
      const at = new Date('2026-01-10T22:30:00Z');
      assert.deepEqual(channelPlan(routing, 'pager', at), { channel: 'pager' });
      assert.deepEqual(channelPlan(routing, 'team', at), { channel: 'team', quietUntil: '2026-01-11T06:00:00.000Z', digestMs: 3_600_000 });
      assert.deepEqual(channelPlan(routing, 'team', new Date('2026-01-11T12:00:00Z')), { channel: 'team', digestMs: 3_600_000 });
    });
  });
});
