// The dependency rules of eslint.config.mjs, proved by linting code that breaks them: each layer may
// import only the layers below it, product code never imports tests, and no import makes a cycle.
// ESLint loads its flat config with a dynamic import(), which jest's module sandbox refuses, so the
// linting runs in one child process through ESLint's Node API.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');

interface LintCase { filePath: string; code?: string }
interface LintResult { filePath: string; messages: { ruleId: string | null; message: string }[] }

/** Lints virtual files (`code` given) and files on disk, ignores off so fixtures are linted too. */
function lint(cases: LintCase[]): LintResult[] {
  const script = `
    import { ESLint } from 'eslint';
    const cases = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: process.cwd(), ignore: false });
    const results = [];
    for (const c of cases) {
      const [r] = c.code === undefined ? await eslint.lintFiles([c.filePath]) : await eslint.lintText(c.code, { filePath: c.filePath });
      results.push({ filePath: c.filePath, messages: r.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })) });
    }
    process.stdout.write(JSON.stringify(results));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as LintResult[];
}

/** A module that imports each specifier as a value and uses it. */
const importing = (...specifiers: string[]) =>
  specifiers.map((specifier, i) => `import * as imported${i} from '${specifier}';\nexport const used${i} = imported${i};\n`).join('');

// [file, what it imports, the rule that refuses it]. Workflow files are linted with a type-aware parser
// that knows only the project's files: a real workflow file name is used, with its text replaced.
const forbidden: [string, string, string][] = [
  ['api/x.ts', '../activities/stock/stock.activities', 'import-x/no-restricted-paths'],
  ['api/x.ts', '../workflows/place-order.saga', 'import-x/no-restricted-paths'],
  ['domain/orders/x.ts', '../../persistence/order.repository', 'import-x/no-restricted-paths'],
  ['domain/orders/x.ts', '../../workflows/definitions', 'import-x/no-restricted-paths'],
  ['workflows/activity-proxies.ts', '../activities/stock/stock.activities', '@typescript-eslint/no-restricted-imports'],
  ['workflows/activity-proxies.ts', '../persistence/transaction', 'import-x/no-restricted-paths'],
  ['activities/stock/x.ts', '../../workflows/definitions', 'import-x/no-restricted-paths'],
  ['activities/stock/x.ts', '../../api/problem', 'import-x/no-restricted-paths'],
  ['persistence/x.ts', '../activities/shared/business-failure', 'import-x/no-restricted-paths'],
  ['platform/x.ts', '../persistence/transaction', 'import-x/no-restricted-paths'],
  ['workers/x.ts', '../api/app', 'import-x/no-restricted-paths'],
  ['api/x.ts', '../test/builders/order.builders', 'import-x/no-restricted-paths'],
  ['api/x.ts', './orders.api.test', 'import-x/no-restricted-paths'],
  ['domain/orders/x.ts', '../../test/builders/order.builders', 'import-x/no-restricted-paths'],
];

const allowed: [string, string, string][] = [
  ['api imports persistence, the order contracts and the workflow definitions', 'api/x.ts', importing('../persistence/order.repository', '../domain/orders/order.commands', '../workflows/definitions')],
  ['a workflow imports activity types', 'workflows/activity-proxies.ts', 'import type { StockActivities } from \'../activities/stock/stock.activities\';\nexport type Used = StockActivities;\n'],
  ['activities import persistence and platform', 'activities/stock/x.ts', importing('../../persistence/product.repository', '../../platform/config')],
  ['a domain test imports test builders', 'domain/orders/x.test.ts', importing('../../test/builders/order.builders')],
];

describe('dependency rules (eslint.config.mjs)', () => {
  // One ESLint run for every case: starting ESLint with the type-aware parser takes seconds.
  let results: Map<string, LintResult>;
  const key = (filePath: string, code: string) => `${filePath}\n${code}`;
  beforeAll(() => {
    const cases: LintCase[] = [...forbidden.map(([filePath, specifier]) => ({ filePath, code: importing(specifier) })), ...allowed.map(([, filePath, code]) => ({ filePath, code })), { filePath: 'test/lint/fixtures/cycle-a.ts' }];
    const linted = lint(cases);
    results = new Map(linted.map((r, i) => [key(r.filePath, cases[i]!.code ?? ''), r]));
  }, 120_000);
  // Import rules, and parse errors (no rule id) so that a case that fails to parse cannot pass.
  const importErrors = (filePath: string, code = '') => results.get(key(filePath, code))!.messages.filter((m) => m.ruleId === null || /import/.test(m.ruleId));

  it.each(forbidden)('when %s imports %s, then lint fails (%s)', (filePath, specifier, rule) => {
    expect(importErrors(filePath, importing(specifier)).map((m) => m.ruleId)).toContain(rule);
  });

  it.each(allowed)('when %s, then lint has no import error', (_what, filePath, code) => {
    expect(importErrors(filePath, code)).toEqual([]);
  });

  it('when two modules import each other, then lint reports the cycle', () => {
    expect(importErrors('test/lint/fixtures/cycle-a.ts').map((m) => m.ruleId)).toEqual(['import-x/no-cycle']);
  });
});

// import-x/no-cycle skips type-only imports (they vanish at run time), but a type cycle still ties two
// modules together (bench's report imported the runner for its Results type): the whole tree,
// type imports included, has none.
describe('import graph', () => {
  const FOLDERS = ['domain', 'workflows', 'activities', 'persistence', 'workers', 'api', 'platform', 'dev', 'prisma', 'scripts', 'bench', 'chaos', 'test'];
  const FIXTURES = path.join(ROOT, 'test', 'lint', 'fixtures');

  function sourceFiles(dir: string): string[] {
    if (!existsSync(dir) || dir === FIXTURES) return [];
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(file);
      return file.endsWith('.ts') ? [file] : [];
    });
  }

  function importsOf(file: string): string[] {
    return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles
      .map((i) => i.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .flatMap((specifier) => {
        const base = path.resolve(path.dirname(file), specifier);
        return [`${base}.ts`, path.join(base, 'index.ts'), base].filter((candidate) => candidate.endsWith('.ts') && existsSync(candidate)).slice(0, 1);
      });
  }

  /** The first cycle found by a depth-first walk, as the list of files on it; null when there is none. */
  function findCycle(graph: Map<string, string[]>): string[] | null {
    const done = new Set<string>();
    const onPath: string[] = [];
    const visit = (file: string): string[] | null => {
      const at = onPath.indexOf(file);
      if (at >= 0) return [...onPath.slice(at), file];
      if (done.has(file)) return null;
      onPath.push(file);
      for (const next of graph.get(file) ?? []) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
      onPath.pop();
      done.add(file);
      return null;
    };
    for (const file of graph.keys()) {
      const cycle = visit(file);
      if (cycle) return cycle;
    }
    return null;
  }

  it('when type-only imports are counted too, then no module of ours is part of an import cycle', () => {
    const files = FOLDERS.flatMap((folder) => sourceFiles(path.join(ROOT, folder)));
    const graph = new Map(files.map((file) => [file, importsOf(file)]));
    expect(files.length).toBeGreaterThan(100);
    expect(findCycle(graph)?.map((file) => path.relative(ROOT, file)) ?? null).toBeNull();
  });

  it('when the fixture pair is walked, then its cycle is found (the check can fail)', () => {
    const files = [path.join(FIXTURES, 'cycle-a.ts'), path.join(FIXTURES, 'cycle-b.ts')];
    expect(findCycle(new Map(files.map((file) => [file, importsOf(file)])))?.map((file) => path.basename(file))).toEqual(['cycle-a.ts', 'cycle-b.ts', 'cycle-a.ts']);
  });
});
