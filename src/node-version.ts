/**
 * The oldest Node.js Hostpass runs on: undici 8 needs 22.19 (on Node 20 it fails at import with
 * "Cannot read properties of undefined (reading 'bind')"), and the sources rely on type stripping.
 * bin/hostpass.js keeps the same numbers (it must run on any Node, before TypeScript can load);
 * package.json's `engines` says the same to npm.
 */
export const MINIMUM_NODE = { major: 22, minor: 19 } as const;

/** Null when `version` (process.versions.node) is recent enough, otherwise what to do about it. */
export function nodeVersionProblem(version: string, command: string): string | null {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > MINIMUM_NODE.major || (major === MINIMUM_NODE.major && minor >= MINIMUM_NODE.minor))
    return null;
  const required = `${MINIMUM_NODE.major}.${MINIMUM_NODE.minor}`;
  return (
    `Hostpass needs Node.js ${required} or newer; this is Node.js ${version}. ` +
    `Use the Node.js 22 that \`npm ci\` installs into the project: \`npx hostpass ${command}\` or \`npm start\` ` +
    `(or node_modules/.bin/node instead of node), or install Node.js ${required}+.`
  );
}
