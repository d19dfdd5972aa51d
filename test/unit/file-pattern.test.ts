import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseConfig } from '../../engine/config/load.js';
import { datePatternHint } from '../../engine/data/date-pattern.js';
import { dayFiles, filePatternProblem, globRegExp, isFilePattern, matchNames } from '../../engine/data/file-pattern.js';
import { createFileDataSource } from '../../engine/data/source.js';
import { isUpkeepError } from '../../engine/errors.js';
import { datePattern } from '../../cli/commands/init.js';
import { modelYaml } from '../helpers/config-text.js';

const config = (uri: string): string => `
version: 1
store: store
models:${modelYaml({ dataUri: uri })}`;

describe('file patterns (several files per day)', function () {
  it('matches * and ? within one file name, everything else literally', function () {
    assert.ok(globRegExp('part-*.csv').test('part-00001.csv'));
    assert.ok(globRegExp('part-*.csv').test('part-.csv'));
    assert.ok(!globRegExp('part-*.csv').test('part-1.csv.tmp'));
    assert.ok(!globRegExp('part-*.csv').test('xpart-1.csv'));
    assert.ok(globRegExp('part-?.csv').test('part-7.csv'));
    assert.ok(!globRegExp('part-?.csv').test('part-17.csv'));
    // Regular-expression characters in names are literal.
    assert.ok(!globRegExp('a.csv').test('abcsv'));
    assert.ok(globRegExp('(x)+[1].csv').test('(x)+[1].csv'));
    assert.ok(!globRegExp('(x)+[1].csv').test('xx1.csv'));
    // Hidden files (a writer's .part-0.csv.swp, .part-0.csv) only by a glob that starts with a dot.
    assert.ok(!globRegExp('*.csv').test('.part-0.csv'));
    assert.ok(!globRegExp('?part-0.csv').test('.part-0.csv'));
    assert.ok(globRegExp('.*.csv').test('.part-0.csv'));
  });

  it('keeps the matching names in name order (code units, as S3 lists them)', function () {
    assert.deepEqual(matchNames('*.parquet', ['part-2.parquet', 'part-10.parquet', '_SUCCESS', 'Part-3.parquet', 'part-1.parquet.crc']), [
      'Part-3.parquet',
      'part-10.parquet',
      'part-2.parquet',
    ]);
  });

  it('tells a pattern from a plain file name, also when a file:// URI writes ? as %3F', function () {
    assert.ok(isFilePattern('s3://labels/churn/dt={date}/*.parquet'));
    assert.ok(isFilePattern('file:///d/{yyyy}/{mm}/{dd}/part-%3F.csv'));
    assert.ok(!isFilePattern('file:///d/{date}.csv'));
    assert.ok(!isFilePattern('s3://labels/churn/{date}.parquet'));
  });

  it('allows wildcards only in the file name', function () {
    assert.equal(filePatternProblem('s3://labels/churn/dt={date}/*.parquet'), undefined);
    assert.equal(filePatternProblem('data/{date}.csv'), undefined);
    assert.match(filePatternProblem('s3://labels/*/dt={date}/a.parquet')!, /only be in the file name.*not in the folder \*\//);
    assert.match(filePatternProblem('file:///d/dt=%3F/a.csv')!, /not in the folder dt=%3F\//);
    const refused = (uri: string): string => {
      try {
        parseConfig(config(uri), { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });
      } catch (err) {
        assert.ok(isUpkeepError(err, 'InvalidConfig'));
        return err.message;
      }
      assert.fail(`expected ${uri} to be refused`);
    };
    assert.equal(
      refused('data/dt=*/{date}.csv'),
      'upkeep.yaml: models[0] (churn): data.uri: a wildcard (* or ?) may only be in the file name, the last part of the path, not in the folder dt=*/ (write a dated folder with {date}, e.g. dt={date}/*.parquet)',
    );
    const ok = parseConfig(config('data/dt={date}/part-?.csv'), { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });
    assert.equal(ok.models[0]!.data.uri, 'file:///srv/upkeep/data/dt={date}/part-%3F.csv');
    assert.ok(isFilePattern(ok.models[0]!.data.uri));
  });

  describe('the files of a day in a folder', function () {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-pattern-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("lists the matching files of the day's folder, none for a missing folder, the URI itself without a pattern", async function () {
      const day = path.join(dir, 'dt=2026-11-20');
      mkdirSync(day);
      for (const name of ['part 2.csv', 'part 1.csv', 'notes.txt', 'part#3.csv']) writeFileSync(path.join(day, name), 'a\n1\n');
      mkdirSync(path.join(day, 'part-sub.csv'));
      const data = createFileDataSource();
      const folder = pathToFileURL(day).href + '/';
      const files = await dayFiles(data, `${folder}part*.csv`);
      assert.deepEqual(files, [`${folder}part%201.csv`, `${folder}part%202.csv`, `${folder}part%233.csv`]);
      // Each listed URI reads back the file it names.
      for (const uri of files) assert.ok(await data.read(uri));
      assert.deepEqual(await dayFiles(data, `${folder}part-%3F.csv`), []);
      assert.deepEqual(await dayFiles(data, `${pathToFileURL(dir).href}/dt=2026-11-21/*.csv`), []);
      assert.deepEqual(await dayFiles(data, `${folder}notes.txt`), [`${folder}notes.txt`]);
    });

    it('reports a folder that cannot be listed instead of taking it for a missing day', async function () {
      symlinkSync('loop', path.join(dir, 'loop'));
      await assert.rejects(dayFiles(createFileDataSource(), `${pathToFileURL(dir).href}/loop/*.csv`), (err: Error) => {
        assert.ok(isUpkeepError(err, 'UnreadableData'));
        assert.equal(err.message, `data folder ${path.join(dir, 'loop')}/ cannot be listed (ELOOP)`);
        return true;
      });
    });

    it('refuses a pattern on a data source that cannot list folders', async function () {
      await assert.rejects(dayFiles({}, 's3://labels/churn/dt=2026-11-20/*.parquet'), /cannot list folders, so a file pattern cannot be used/);
    });
  });

  it('keeps the did-you-mean sane for patterns', function () {
    // Dates in the folders: only one folder's names are read, so nothing is said.
    assert.equal(datePatternHint('s3://labels/churn/dt={date}/*.parquet', ['part-0.parquet']), undefined);
    // A pattern that matches the folder's naming: the window is what is off.
    assert.equal(
      datePatternHint('file:///srv/d/events-{date}-*.csv', ['events-2026-11-19-a.csv', 'events-2026-11-20-a.csv', 'events-2026-11-20-b.csv']),
      '/srv/d/ holds 3 files named like events-{date}-*.csv, the newest for 2026-11-20: does the window end at the right time?',
    );
    // Another naming is shown, not offered as a one-file-per-day data.uri.
    assert.equal(
      datePatternHint('file:///srv/d/events-{date}-*.csv', ['events_20261119_a.csv', 'events_20261120_a.csv']),
      'no file matches events-{date}-*.csv in /srv/d/, which holds 2 files named like events_20261119_a.csv (dated as events_{yyyy}{mm}{dd}_a.csv)',
    );
  });

  it('lets init infer a pattern from a sample in a dated folder', function () {
    assert.deepEqual(datePattern('labels/churn/dt=2026-11-20/part-00000.parquet'), { uri: 'labels/churn/dt={date}/*.parquet', dated: true, pattern: true });
    assert.deepEqual(datePattern('data/2026/11/20/part-1.csv'), { uri: 'data/{yyyy}/{mm}/{dd}/*.csv', dated: true, pattern: true });
    assert.deepEqual(datePattern('exports/20261120/events.jsonl'), { uri: 'exports/{yyyy}{mm}{dd}/*.jsonl', dated: true, pattern: true });
    // A date in the name names one file per day; no date anywhere keeps the file.
    assert.deepEqual(datePattern('dt=2026-11-20/2026-11-20.csv'), { uri: 'dt={date}/{date}.csv', dated: true });
    assert.deepEqual(datePattern('data/2026/11/sample.csv'), { uri: 'data/2026/11/sample.csv', dated: false });
  });
});
