// hyparquet's page-header parser is imported from its internals (engine/data/parquet/
// hyparquet-internals.ts): these tests fail on an upgrade that moves or reshapes it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parquetMetadata } from 'hyparquet';

import { readPageHeader } from '../../engine/data/parquet/hyparquet-internals.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = `${ROOT}test/fixtures/data/readers/`;

function reader(file: string, offset: number): { bytes: Uint8Array; r: { view: DataView; offset: number } } {
  const bytes = new Uint8Array(readFileSync(FIXTURES + file));
  return { bytes, r: { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset } };
}

describe('hyparquet internals (pinned)', function () {
  it('runs on the hyparquet version pinned exactly (no range) in package.json', function () {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { dependencies: Record<string, string> };
    assert.match(pkg.dependencies.hyparquet ?? '', /^\d+\.\d+\.\d+$/);
    const installed = JSON.parse(readFileSync(`${ROOT}node_modules/hyparquet/package.json`, 'utf8')) as { version: string };
    assert.equal(installed.version, pkg.dependencies.hyparquet);
  });

  it('exports the page-header parser as a function', function () {
    assert.equal(typeof readPageHeader, 'function');
  });

  it('reads a v1 data page header and leaves the reader at the page data', function () {
    const { bytes, r } = reader('table_plain.parquet', 0);
    const chunk = parquetMetadata(bytes).row_groups[0]!.columns[0]!.meta_data!;
    assert.deepEqual(chunk.path_in_schema, ['i64']);
    r.offset = Number(chunk.data_page_offset);
    assert.equal(r.offset, 4);
    const h = readPageHeader(r);
    assert.equal(r.offset, 67);
    assert.equal(h.type, 'DATA_PAGE');
    assert.equal(h.uncompressed_page_size, 54);
    assert.equal(h.compressed_page_size, 54);
    assert.equal(h.data_page_header?.num_values, 6);
    assert.equal(h.data_page_header?.encoding, 'PLAIN');
    assert.equal(h.data_page_header?.definition_level_encoding, 'RLE');
    assert.equal(h.dictionary_page_header, undefined);
    assert.equal(h.data_page_header_v2, undefined);
  });

  it('reads a dictionary page header, then the v2 data page header after it', function () {
    const { r } = reader('encodings_dict_v2.parquet', 4);
    const dict = readPageHeader(r);
    assert.equal(r.offset, 21);
    assert.equal(dict.type, 'DICTIONARY_PAGE');
    assert.equal(dict.uncompressed_page_size, 2864);
    assert.equal(dict.compressed_page_size, 2869);
    assert.equal(dict.dictionary_page_header?.num_values, 358);
    assert.equal(dict.dictionary_page_header?.encoding, 'PLAIN');

    r.offset += dict.compressed_page_size;
    const data = readPageHeader(r);
    assert.equal(data.type, 'DATA_PAGE_V2');
    const v2 = data.data_page_header_v2!;
    assert.deepEqual(
      {
        num_values: v2.num_values,
        num_nulls: v2.num_nulls,
        encoding: v2.encoding,
        definition_levels_byte_length: v2.definition_levels_byte_length,
        repetition_levels_byte_length: v2.repetition_levels_byte_length,
        is_compressed: v2.is_compressed,
      },
      {
        num_values: 400,
        num_nulls: 42,
        encoding: 'RLE_DICTIONARY',
        definition_levels_byte_length: 58,
        repetition_levels_byte_length: 0,
        is_compressed: false,
      },
    );
  });

  it('throws on a header cut short instead of returning one', function () {
    const { bytes } = reader('table_plain.parquet', 0);
    const cut = bytes.slice(0, 20);
    assert.throws(() => readPageHeader({ view: new DataView(cut.buffer), offset: 4 }));
  });
});
