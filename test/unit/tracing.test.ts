import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describeEndpoint, startTracing, tracingSettings, withoutFailureText } from '../../workers/tracing.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('tracing settings from the standard OTLP environment', function () {
  it('is off unless an OTLP endpoint is set', function () {
    assert.equal(tracingSettings({}), undefined);
    assert.equal(tracingSettings({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_EXPORTER: 'otlp' }), undefined);
  });

  it('posts to <endpoint>/v1/traces, or to the traces endpoint as given, named by OTEL_SERVICE_NAME', function () {
    assert.deepEqual(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'upkeep-worker'), {
      url: 'http://collector:4318/v1/traces',
      serviceName: 'upkeep-worker',
    });
    assert.equal(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://a/base/?tenant=t1' })!.url, 'https://a/base/v1/traces?tenant=t1');
    assert.deepEqual(
      tracingSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/traces',
        OTEL_SERVICE_NAME: 'fleet',
      }),
      { url: 'https://b/otlp/traces', serviceName: 'fleet' },
    );
  });

  it('is off with OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true, whatever the endpoint', function () {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    assert.equal(tracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }), undefined);
    assert.equal(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }), undefined);
    assert.ok(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'false' }));
  });

  it('refuses what it cannot do in one line naming the variable', function () {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    assert.throws(
      () => tracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'zipkin' }),
      /^SettingsError: OTEL_TRACES_EXPORTER: upkeep exports traces with otlp only, not zipkin/,
    );
    assert.throws(() => tracingSettings({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), /^SettingsError: OTEL_EXPORTER_OTLP_PROTOCOL: .* not grpc$/);
    assert.throws(
      () => tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318' }),
      /^SettingsError: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector: is not http: or https:$/,
    );
    assert.throws(() => tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }), /^SettingsError: OTEL_EXPORTER_OTLP_ENDPOINT: not a URL/);
    // The per-signal protocol decides over the general one.
    assert.ok(tracingSettings({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }));
  });

  it('shows an endpoint without its credentials or query', function () {
    assert.equal(describeEndpoint('https://user:secret@collector:4318/v1/traces?token=abc'), 'https://collector:4318/v1/traces');
  });
});

describe('spans exported while payloads are encrypted', function () {
  it('keep an exception type, not its message or stack, nor the status message', function () {
    const span = {
      name: 'RunActivity:x',
      spanContext: () => ({ traceId: 't', spanId: 's', traceFlags: 1 }),
      status: { code: 2, message: 'model m: file secret.csv: column x3 holds text' },
      events: [
        {
          name: 'exception',
          time: [0, 0],
          attributes: { 'exception.type': 'ApplicationFailure', 'exception.message': 'secret.csv', 'exception.stacktrace': 'at secret' },
        },
        { name: 'other', time: [0, 0], attributes: { a: 1 } },
      ],
    } as unknown as ReadableSpan;
    const out = withoutFailureText(span);
    assert.deepEqual(out.status, { code: 2 });
    assert.deepEqual(out.events[0]!.attributes, { 'exception.type': 'ApplicationFailure' });
    assert.deepEqual(out.events[1], span.events[1]);
    assert.equal(out.name, 'RunActivity:x');
    assert.equal(out.spanContext().spanId, 's');
    assert.equal(span.status.message, 'model m: file secret.csv: column x3 holds text', 'the original is left as it was');
  });
});

describe('tracing off costs nothing at start-up', function () {
  this.timeout(60_000);
  it('loads no OpenTelemetry module with the worker until an endpoint turns tracing on', function () {
    // A fresh process: the worker's composition root, then tracing off, then on.
    const script = `
      import { createRequire } from 'node:module';
      // What tracing loads: the SDK, the exporter, Temporal's interceptors (not @opentelemetry/api,
      // which other packages may load for their own use: prom-client does).
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => /interceptors-opentelemetry|@opentelemetry[\\/](?!api[\\/])/.test(k)).length;
      await import('./workers/worker.ts');
      const { startTracing } = await import('./workers/tracing.ts');
      const off = await startTracing({});
      const before = loaded();
      const on = await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
      await on.shutdown(100);
      console.log(JSON.stringify({ off: off === undefined, before, after: loaded() }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { off: boolean; before: number; after: number };
    assert.equal(r.off, true);
    assert.equal(r.before, 0, 'no OpenTelemetry module is loaded while tracing is off');
    assert.ok(r.after > 0, 'the check sees the modules tracing loads');
  });
});

describe('a collector that does not answer', function () {
  it('is said in one line a minute naming the endpoint without its credentials, and never fails the caller', async function () {
    const lines: string[] = [];
    const tracing = await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:hunter2@127.0.0.1:9' }, { warn: (l) => lines.push(l) });
    tracing!.tracer.startSpan('first').end();
    await tracing!.flush(5_000);
    tracing!.tracer.startSpan('second').end();
    await tracing!.shutdown(5_000);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^upkeep: tracing: could not export spans to http:\/\/127\.0\.0\.1:9\/v1\/traces: .*ECONNREFUSED/);
    assert.ok(!lines[0]!.includes('hunter2'));
  });
});

describe('the service name of the spans', function () {
  it('is OTEL_SERVICE_NAME, else the service.name of OTEL_RESOURCE_ATTRIBUTES, else the default', async function () {
    const saved = process.env.OTEL_RESOURCE_ATTRIBUTES;
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'service.name=from-attributes,deployment.environment=test';
    try {
      const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' };
      const named = await startTracing({ ...endpoint, OTEL_SERVICE_NAME: 'named' }, { defaultService: 'upkeep-worker' });
      const attributed = await startTracing(endpoint, { defaultService: 'upkeep-worker' });
      delete process.env.OTEL_RESOURCE_ATTRIBUTES;
      const plain = await startTracing(endpoint, { defaultService: 'upkeep-worker' });
      assert.deepEqual(
        [named, attributed, plain].map((t) => t!.settings.serviceName),
        ['named', 'from-attributes', 'upkeep-worker'],
      );
      for (const t of [named, attributed, plain]) await t!.shutdown(100);
    } finally {
      if (saved === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
      else process.env.OTEL_RESOURCE_ATTRIBUTES = saved;
    }
  });
});
