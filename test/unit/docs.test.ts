/**
 * The README is a front door (at most 300 lines) and the manual lives in docs/: every relative
 * link of the README and of docs/ resolves (file and anchor), every docs page is linked from the
 * index docs/README.md, and the README's CLI table names exactly the commands cli/main.ts has.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PROJECT_DIR } from '../../workers/paths.js';

const README = path.join(PROJECT_DIR, 'README.md');
const DOCS = path.join(PROJECT_DIR, 'docs');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return markdownFiles(file);
    return name.endsWith('.md') ? [file] : [];
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.(ts|mjs|js)$/.test(name) ? [file] : [];
  });
}

/** The text outside fenced code blocks and inline code, where Markdown links are links. */
function prose(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Relative link targets: `[text](target)`, leaving out web and mail addresses (anything with a scheme). */
function relativeLinks(text: string): string[] {
  const links: string[] = [];
  for (const m of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    links.push(target);
  }
  return links;
}

/** GitHub's anchors for a Markdown file's headings (lower case, punctuation dropped, spaces to hyphens, repeats numbered). */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const withoutCode = text.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '');
  for (const m of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = (m[1] ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** Problems with a file's relative links: a missing file, or an anchor its target does not have. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const problems: string[] = [];
  for (const link of relativeLinks(text)) {
    const [target = '', anchor] = link.split('#', 2);
    const resolved = target === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(target));
    const where = `${path.relative(PROJECT_DIR, file)}: ${link}`;
    if (!existsSync(resolved)) {
      problems.push(`${where}: no such file`);
      continue;
    }
    if (anchor && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
      problems.push(`${where}: no heading with that anchor in ${path.relative(PROJECT_DIR, resolved)}`);
    }
  }
  return problems;
}

/** Every command path of the CLI (`schedules sync`, `audit`, `audit verify`, …), read from cli/main.ts's program. */
function cliCommands(): string[] {
  const script = `
    import { Command } from 'commander';
    Command.prototype.parseAsync = async function () {
      const out = [];
      const walk = (c, prefix) => {
        for (const s of c.commands) {
          const name = prefix + s.name();
          if (s.commands.length === 0 || s.registeredArguments.length > 0) out.push(name);
          walk(s, name + ' ');
        }
      };
      walk(this, '');
      console.log(JSON.stringify(out));
    };
    await import('./cli/main.ts');`;
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_DIR, encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('the README and docs/', function () {
  this.timeout(30_000);

  it('the README is a front door: at most 300 lines, linking the manual', function () {
    const text = readFileSync(README, 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= 300, `README.md has ${lines} lines, more than 300: move the detail to a page of docs/`);
    assert.ok(relativeLinks(text).includes('docs/README.md'), 'README.md does not link the manual docs/README.md');
  });

  it('every relative link of README.md and docs/ resolves to a file and, for a page, to a heading', function () {
    const problems = [README, ...markdownFiles(DOCS)].flatMap(brokenLinks);
    assert.deepEqual(problems, []);
  });

  it('every page of docs/ is linked from the index docs/README.md', function () {
    const index = path.join(DOCS, 'README.md');
    const linked = new Set(relativeLinks(readFileSync(index, 'utf8')).map((l) => path.resolve(DOCS, l.split('#')[0] ?? '')));
    const unlinked = markdownFiles(DOCS)
      .filter((f) => f !== index && !linked.has(f))
      .map((f) => path.relative(PROJECT_DIR, f));
    assert.deepEqual(unlinked, []);
  });

  it("the README's CLI table has one row per command of cli/main.ts, and no other", function () {
    const rows = [...readFileSync(README, 'utf8').matchAll(/^\| `upkeep ([a-z-]+(?: [a-z-]+){0,2})(?: [<[][^`]*)?` \|/gm)].map((m) => m[1] ?? '');
    assert.deepEqual([...rows].sort(), cliCommands().sort());
  });

  it('the pages the product points its users at exist (messages, help, the example config), and none points at a README section', function () {
    const sources = ['cli', 'engine', 'domain', 'workers', 'workflows', 'activities'].flatMap((dir) => sourceFiles(path.join(PROJECT_DIR, dir)));
    const problems: string[] = [];
    for (const file of [...sources, path.join(PROJECT_DIR, 'upkeep.example.yaml')]) {
      const text = readFileSync(file, 'utf8');
      const where = path.relative(PROJECT_DIR, file);
      for (const m of text.matchAll(/\bdocs\/[\w/.-]+\.md\b/g)) if (!existsSync(path.join(PROJECT_DIR, m[0]))) problems.push(`${where}: ${m[0]}: no such page`);
      for (const m of text.matchAll(/\(README[:,][^)]*\)|README: [A-Z][\w ,]*/g))
        problems.push(`${where}: ${m[0]}: the README has no sections to point at; name the page of docs/`);
    }
    assert.deepEqual(problems, []);
  });

  it("docs/architecture.md states the engine's folder order as depcruise enforces it", function () {
    const rules = (createRequire(import.meta.url)(path.join(PROJECT_DIR, '.dependency-cruiser.cjs')) as { forbidden: { name: string }[] }).forbidden;
    const ENGINE_ORDER = rules.flatMap((r) => /^engine-(.+)-imports-only-lower-folders$/.exec(r.name)?.[1] ?? []);
    assert.ok(ENGINE_ORDER.length > 5, 'no engine folder rules in .dependency-cruiser.cjs');
    const text = readFileSync(path.join(DOCS, 'architecture.md'), 'utf8');
    assert.ok(text.includes(ENGINE_ORDER.join(' → ')), `docs/architecture.md does not state the engine's order ${ENGINE_ORDER.join(' → ')}`);
  });

  it('anchors follow GitHub: punctuation dropped, spaces to hyphens, repeats numbered', function () {
    assert.deepEqual(
      [...anchors('# Limits: what one file may cost (`domain/limits.ts`)\n## A\n## A\n```\n# not a heading\n```\n')],
      ['limits-what-one-file-may-cost-domainlimitsts', 'a', 'a-1'],
    );
    assert.deepEqual(relativeLinks('[a](x.md#y) [b](https://e.com) `[c](z.md)`\n```\n[d](w.md)\n```\n'), ['x.md#y']);
  });
});
