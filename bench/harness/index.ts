// What scenarios import: bench/README.md describes each module.
export * from './load.ts';
export * from './processes.ts';
export * from './profile.ts';
export * from './report.ts';
export * from './scenario.ts';
export * from './world.ts';
