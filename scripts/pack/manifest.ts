/**
 * The manifest `npm pack` ships, derived from the package.json used in this repository.
 * Here `exports` point at TypeScript sources (Node 22, vitest and tsc run them as they
 * are); the packed package points at the build in dist/ (build.ts), so it runs on Node 20,
 * in bundlers and in Workers, with nothing of this repository beside it.
 */
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** An `exports` value: a path, or conditions (node, browser, default ...) over paths. */
export type ExportTarget = string | { [condition: string]: ExportTarget };

export type DevManifest = {
  name: string;
  version: string;
  description?: string;
  license?: string;
  keywords?: string[];
  sideEffects?: boolean;
  exports?: Record<string, ExportTarget>;
  dependencies?: Record<string, string>;
  /**
   * Build settings: `bin` maps a command name to its TypeScript entry (`./src/bin.ts`);
   * `platform: "node"` for a package that only runs on Node (its imports' Node builds).
   */
  greenlight?: { bin?: Record<string, string>; platform?: 'node' };
};

const SRC = /^\.\/src\/(.+)\.ts$/;

/** `./src/node/index.ts` -> `node/index` (the name of its built file under dist/). */
export function outName(target: string): string {
  const m = SRC.exec(target);
  if (!m) throw new Error(`a built entry must be ./src/<path>.ts, not ${JSON.stringify(target)}`);
  return m[1]!;
}

function leaves(target: ExportTarget, into: string[] = []): string[] {
  if (typeof target === 'string') into.push(target);
  else for (const t of Object.values(target)) leaves(t, into);
  return into;
}

/**
 * Every file to build: `js` maps an output name to its source (from `exports`), `bins` the
 * same for the commands in `greenlight.bin`. Targets outside ./src (package.json, say) are
 * shipped as they are and not built.
 */
export function entriesOf(dev: DevManifest): { js: Record<string, string>; bins: Record<string, string> } {
  const js: Record<string, string> = {};
  for (const target of Object.values(dev.exports ?? {}).flatMap((t) => leaves(t))) {
    if (SRC.test(target)) js[outName(target)] = target;
  }
  const bins: Record<string, string> = {};
  for (const target of Object.values(dev.greenlight?.bin ?? {})) bins[outName(target)] = target;
  return { js, bins };
}

/** One export target rewritten to the build: `{ types, default }` for a source, conditions kept. */
function builtTarget(target: ExportTarget, typesDir: string): ExportTarget {
  if (typeof target !== 'string') return Object.fromEntries(Object.entries(target).map(([c, t]) => [c, builtTarget(t, typesDir)]));
  if (!SRC.test(target)) return target;
  const name = outName(target);
  return { types: `./dist/types/${typesDir}/src/${name}.d.ts`, default: `./dist/${name}.js` };
}

/** Manifests whose pins count, first match wins: the package, then the workspace packages bundled into it. */
const PINNED_IN = ['packages/sdk', 'packages/core', 'apps/api', 'packages/cli'];

/**
 * The version to depend on: the exact pin a workspace manifest declares (this repository
 * pins exact versions), else the version installed at the root (a dependency's dependency).
 */
function pinnedVersion(root: string, dir: string, name: string): string {
  for (const d of [dir, ...PINNED_IN.map((p) => join(root, p))]) {
    const m = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const v = m.dependencies?.[name] ?? m.devDependencies?.[name];
    if (v && /^\d/.test(v)) return v;
  }
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The packed package.json: exports and bins pointing into dist/, `files: ["dist"]`, and as
 * dependencies exactly the third-party packages the built JavaScript (`runtime`) and the
 * declarations (`types`) import, each at the version installed here.
 */
export function publishManifest(dev: DevManifest, build: { root: string; dir: string; runtime: Set<string>; types: Set<string> }): Record<string, unknown> {
  const typesDir = relative(build.root, build.dir).split(sep).join('/');
  const deps = [...new Set([...build.runtime, ...build.types])].sort();
  const bin = Object.fromEntries(Object.entries(dev.greenlight?.bin ?? {}).map(([cmd, src]) => [cmd, `./dist/${outName(src)}.js`]));
  return {
    name: dev.name,
    version: dev.version,
    ...(dev.description ? { description: dev.description } : {}),
    license: dev.license ?? 'UNLICENSED',
    ...(dev.keywords ? { keywords: dev.keywords } : {}),
    type: 'module',
    ...(dev.sideEffects !== undefined ? { sideEffects: dev.sideEffects } : {}),
    ...(Object.keys(bin).length > 0 ? { bin } : {}),
    exports: Object.fromEntries(Object.entries(dev.exports ?? {}).map(([k, t]) => [k, builtTarget(t, typesDir)])),
    files: ['dist'],
    engines: { node: '>=20' },
    dependencies: Object.fromEntries(deps.map((d) => [d, pinnedVersion(build.root, build.dir, d)])),
  };
}
