import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderGraph, foreignStoreImports, importCycles } from '../scripts/import-cycles.ts';

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

describe("the check that no feature imports another feature's store", () => {
  it('finds value and type-only imports of a store from another feature', () => {
    const root = tree({
      'a/store.ts': 'export const aStore = 1;\nexport type ARow = { id: string };',
      'a/url-store.ts': 'export const urls = 1;',
      'b/service.ts':
        "import { aStore } from '../a/store.ts';\nimport type { ARow } from '../a/store.ts';",
      'c/routes.ts': "export { urls } from '../a/url-store.ts';",
    });
    expect(foreignStoreImports(root)).toEqual([
      { file: join('b', 'service.ts'), store: join('a', 'store.ts') },
      { file: join('b', 'service.ts'), store: join('a', 'store.ts') },
      { file: join('c', 'routes.ts'), store: join('a', 'url-store.ts') },
    ]);
  });

  it('accepts the feature itself, the composition root, services and the shared store base', () => {
    const root = tree({
      'a/store.ts': "import { tableStore } from '../db/table-store.ts';",
      'a/service.ts':
        "import type { AStore } from './store.ts';\nexport type { ARow } from './store.ts';",
      'b/service.ts': "import type { ARow } from '../a/service.ts';",
      'db/table-store.ts': 'export const tableStore = 1;',
      'services.ts': "import { aStore } from './a/store.ts';",
      'app.ts': "import type { AStore } from './a/store.ts';",
      'runtime.ts': "import type { AStore } from './a/store.ts';",
    });
    expect(foreignStoreImports(root)).toEqual([]);
  });

  it('holds for src/', () => {
    expect(foreignStoreImports('src')).toEqual([]);
  });
});
