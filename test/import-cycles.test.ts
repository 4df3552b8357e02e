import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderGraph, importCycles } from '../scripts/import-cycles.ts';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'import-cycles-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the folder-level import-cycle check', () => {
  it('finds two folders that import each other, type-only imports included', () => {
    const root = tree({
      'a/one.ts': "import { two } from '../b/two.ts';\nexport const one = two;",
      'b/two.ts': "import type { Three } from '../a/three.ts';\nexport const two = 2;",
      'a/three.ts': 'export type Three = 3;',
      'c/leaf.ts': "import { one } from '../a/one.ts';",
    });
    expect(importCycles(folderGraph(root))).toEqual([['a/', 'b/']]);
  });

  it('finds a cycle through a file at the top and through a dynamic import', () => {
    const root = tree({
      'root.ts': "export { x } from './a/x.ts';",
      'a/x.ts': "export const x = 1;\nconst later = () => import('../root.ts');",
    });
    expect(importCycles(folderGraph(root))).toEqual([['a/', 'root.ts']]);
  });

  it('accepts imports inside a folder and imports that only go down', () => {
    const root = tree({
      'a/one.ts': "import { two } from './two.ts';\nimport { low } from '../low/low.ts';",
      'a/two.ts': "import { one } from './one.ts';",
      'low/low.ts': "import { pino } from 'pino';\nexport const low = 1;",
    });
    expect(importCycles(folderGraph(root))).toEqual([]);
  });

  it('holds for src/', () => {
    expect(importCycles(folderGraph('src'))).toEqual([]);
  });
});
