/**
 * Folder-level import cycles in src/: each top-level folder of src/ (and each file directly in
 * src/) is one node; an import from one node to another is an edge. A cycle means two folders
 * that each need the other, so neither can be read (or moved) on its own. `npm test` runs this;
 * `node scripts/import-cycles.ts` prints the cycles and exits 1 when there is one.
 *
 * It also checks that features talk through services: a feature's store (`store.ts`,
 * `*-store.ts`) is imported only inside its folder and by the composition root, which builds
 * every store and hands it to its service. Exits 1 on such an import too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `import … from '…'`, `export … from '…'`, `import('…')`; type-only imports count too. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The node a file belongs to: its top-level folder under `root`, or the file itself. */
function nodeOf(root: string, file: string): string | undefined {
  const path = relative(root, file);
  if (path.startsWith('..')) return undefined;
  const [first, ...rest] = path.split(sep);
  return rest.length > 0 ? `${first}/` : first;
}

/** Edges between nodes, with one importing file named per edge (for the message). */
export function folderGraph(root: string): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(root)) {
    const from = nodeOf(root, file);
    if (!from) continue;
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1];
      if (!specifier?.startsWith('.')) continue;
      const to = nodeOf(root, resolve(dirname(file), specifier));
      if (to && to !== from && !edges.has(to)) edges.set(to, relative(root, file));
    }
  }
  return graph;
}

/** The files that wire every feature together and so may build any feature's store. */
const COMPOSITION_ROOT = new Set(['services.ts', 'app.ts', 'runtime.ts']);
/** Not a feature: `db/table-store.ts` is the base every store is built on. */
const SHARED_FOLDERS = new Set(['db']);

/** One import of a feature's store from outside that feature. */
export interface StoreImport {
  file: string;
  store: string;
}

/**
 * Imports of another feature's store (type-only imports included), outside the composition
 * root: the feature's service (or a narrow port its service module exports) is the way in.
 */
export function foreignStoreImports(root: string): StoreImport[] {
  const found: StoreImport[] = [];
  for (const file of sourceFiles(root)) {
    const from = relative(root, file);
    if (COMPOSITION_ROOT.has(from)) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1];
      if (!specifier?.startsWith('.')) continue;
      const store = relative(root, resolve(dirname(file), specifier));
      const [folder, name, ...deeper] = store.split(sep);
      if (!folder || !name || deeper.length > 0 || SHARED_FOLDERS.has(folder)) continue;
      if (!/^(?:.+-)?store\.ts$/.test(name)) continue;
      if (from.split(sep)[0] !== folder) found.push({ file: from, store });
    }
  }
  return found;
}

/** Strongly connected components with more than one node (Tarjan), each sorted. */
export function importCycles(graph: Map<string, Map<string, string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? 'src');
  const graph = folderGraph(root);
  const cycles = importCycles(graph);
  for (const cycle of cycles) {
    console.error(`import cycle between ${cycle.join(', ')}:`);
    for (const from of cycle)
      for (const [to, file] of graph.get(from) ?? [])
        if (cycle.includes(to)) console.error(`  ${from} → ${to}  (${file})`);
  }
  if (cycles.length === 0) console.log(`no folder-level import cycle in ${relative('.', root)}/`);
  const storeImports = foreignStoreImports(root);
  for (const { file, store } of storeImports)
    console.error(`${file} imports ${store}: use that feature's service instead`);
  if (storeImports.length === 0) console.log("no feature imports another feature's store");
  process.exitCode = cycles.length === 0 && storeImports.length === 0 ? 0 : 1;
}
