/**
 * Build a publishable package (packages/sdk, packages/cli) into its dist/: ESM JavaScript
 * bundled with esbuild, declarations emitted by tsc, and the manifest `npm pack` ships
 * (see manifest.ts; prepack.ts puts it in place). Usage: `node scripts/pack/build.ts <package dir>`.
 *
 * The entries come from the package's own package.json, so a new subpath needs one line
 * there and nothing here: every `exports` target `./src/<x>.ts` becomes `./dist/<x>.js`
 * with `./dist/types/.../<x>.d.ts`, every `greenlight.bin` target a bin in dist/;
 * `greenlight.platform: "node"` (the CLI) resolves its imports' `node` conditions.
 * The repository's own packages (@greenlight/*) are bundled in, so nothing outside the
 * npm registry is needed; every other package stays an import and becomes a dependency
 * at the version installed here (manifest.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { entriesOf, publishManifest, type DevManifest } from './manifest.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the repository's workspace packages live, for the declarations (bare imports rewritten to these). */
const WORKSPACE_TYPES: Record<string, string> = {
  '@greenlight/core': 'packages/core/src/index.ts',
  '@greenlight/core/hooks': 'packages/core/src/hooks/index.ts',
  '@greenlight/api/contract': 'apps/api/src/contract/index.ts',
  '@greenlight/sdk': 'packages/sdk/src/index.ts',
  '@greenlight/sdk/node': 'packages/sdk/src/node/index.ts',
};

/** A bare import that is not one of ours: left as an import (and listed as a dependency). */
const isExternal = (spec: string): boolean => !spec.startsWith('.') && !spec.startsWith('/') && !spec.startsWith('@greenlight/');

/** Marks every third-party and node: import external (ours, @greenlight/*, are bundled). */
const externals: Plugin = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (isExternal(args.path) ? { path: args.path, external: true } : undefined));
  },
};

/**
 * One copy of each dependency in a bundle: every bare import resolves from the package
 * being built, as if it were written there (npm nests a second zod under packages/core
 * when the root's differs, and the bundle would carry both).
 */
function oneCopy(dir: string): Plugin {
  return {
    name: 'one-copy',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (isBuiltin(args.path) || args.path.startsWith('@greenlight/') || args.resolveDir === dir || args.pluginData === 'one-copy') return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, resolveDir: dir, importer: args.importer, pluginData: 'one-copy' });
        return r.errors.length > 0 ? undefined : r;
      });
    },
  };
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
export function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The JavaScript: one ESM file per entry, shared code in chunks, heavy commands loaded on demand. */
async function buildJs(dir: string, entries: Record<string, string>, banner: Record<string, string>, node: boolean): Promise<Set<string>> {
  const result = await build({
    absWorkingDir: dir,
    entryPoints: Object.entries(entries).map(([out, src]) => ({ in: src, out })),
    outdir: 'dist',
    bundle: true,
    splitting: true,
    format: 'esm',
    // A library is built for every platform: the SDK's main entry must bundle for browsers
    // and Workers too; node: imports stay imports and only its Node entries make them; its
    // dependencies stay imports (shared with the application's). A command (greenlight.platform
    // "node", the CLI) bundles its dependencies too, Node builds: the hook starts on every
    // tool call, and resolving and loading some hundred files of node_modules was most of it.
    platform: node ? 'node' : 'neutral',
    mainFields: ['module', 'main'],
    conditions: node ? ['node', 'import', 'default'] : ['import', 'default'],
    // The CLI never sends a form: tRPC's client asks `input instanceof FormData` on every
    // call, and Node's FormData is a getter that loads undici (fetch's implementation, some
    // 20-30 ms of a hook's start-up). A class nothing is an instance of answers it just as well.
    ...(node ? { define: { FormData: '__GreenlightNoFormData' } } : {}),
    // Bundled CommonJS (ws) calls require() for Node's built-ins; an ES module has none of its own.
    ...(node ? { banner: { js: "import { createRequire as __greenlightRequire } from 'node:module';\nconst require = __greenlightRequire(import.meta.url);\nclass __GreenlightNoFormData {}" } } : {}),
    target: 'es2022',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: node ? [oneCopy(dir)] : [externals],
    // The command's code is parsed on every start: smaller is faster (the source map keeps it readable).
    minify: node,
  });
  // The packages the output imports (after tree shaking: an import of an unused module is gone).
  const seen = new Set<string>();
  for (const out of Object.values(result.metafile.outputs)) {
    for (const imp of out.imports) {
      // A require() esbuild could not resolve in bundled CommonJS is an optional peer ws tries inside a try (bufferutil).
      if (imp.external && !isBuiltin(imp.path) && !(node && imp.kind === 'require-call')) seen.add(packageName(imp.path));
    }
  }
  // A bin starts with its shebang (esbuild keeps the one in the source of an entry; add it when missing).
  for (const [out] of Object.entries(banner)) {
    const file = join(dir, 'dist', `${out}.js`);
    const text = readFileSync(file, 'utf8');
    if (!text.startsWith('#!')) writeFileSync(file, `#!/usr/bin/env node\n${text}`);
  }
  return seen;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

/**
 * The declarations: tsc emits .d.ts for the entries and for the workspace modules they
 * reach (core, the API contract) under dist/types/<repo path>; then every `.ts` import
 * becomes `.js` and every `@greenlight/*` import a relative path into that tree, so the
 * types resolve in a project that has none of this repository. Returns the third-party
 * packages the declarations import (they must be installed for the types to resolve).
 */
function buildTypes(dir: string, entries: string[]): Set<string> {
  const outDir = join(dir, 'dist', 'types');
  const config = join(dir, 'tsconfig.pack.json');
  const roots = [...entries, ...Object.values(WORKSPACE_TYPES).map((p) => join(ROOT, p))];
  writeFileSync(
    config,
    JSON.stringify({
      extends: relative(dir, join(ROOT, 'tsconfig.base.json')),
      compilerOptions: {
        lib: ['ES2023', 'DOM'],
        types: ['node'],
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        rootDir: relative(dir, ROOT),
        outDir: relative(dir, outDir),
      },
      files: roots.map((p) => relative(dir, p)),
    }),
  );
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], { stdio: 'inherit' });
  } finally {
    rmSync(config, { force: true });
  }
  const seen = new Set<string>();
  for (const file of walk(outDir)) {
    if (!file.endsWith('.d.ts')) continue;
    const rewritten = readFileSync(file, 'utf8').replace(/(from |import\()(['"])([^'"]+)\2/g, (all, lead: string, q: string, spec: string) => {
      if (spec.startsWith('.')) return `${lead}${q}${spec.replace(/\.ts$/, '.js')}${q}`;
      const ours = WORKSPACE_TYPES[spec];
      if (ours) {
        let rel = relative(dirname(file), join(outDir, ours.replace(/\.ts$/, '.js')))
          .split(sep)
          .join('/');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return `${lead}${q}${rel}${q}`;
      }
      if (spec.startsWith('@greenlight/')) throw new Error(`${file}: ${spec} is not in WORKSPACE_TYPES (scripts/pack/build.ts)`);
      if (!isBuiltin(spec)) seen.add(packageName(spec));
      return all;
    });
    writeFileSync(file, rewritten);
  }
  return seen;
}

/** Build `dir` (a package folder) into dir/dist; returns the manifest to pack it with. */
export async function buildPackage(dir: string, opts: { types?: boolean } = {}): Promise<Record<string, unknown>> {
  const dev = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as DevManifest;
  const { js, bins } = entriesOf(dev);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  mkdirSync(join(dir, 'dist'), { recursive: true });
  const all = { ...js, ...bins };
  const runtime = await buildJs(dir, all, bins, dev.greenlight?.platform === 'node');
  const typeDeps =
    opts.types === false
      ? new Set<string>()
      : buildTypes(
          dir,
          Object.values(js).map((p) => join(dir, p)),
        );
  return publishManifest(dev, { root: ROOT, dir, runtime, types: typeDeps });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? process.cwd());
  const types = !process.argv.includes('--no-types');
  const started = performance.now();
  await buildPackage(dir, { types });
  console.log(`built ${relative(ROOT, dir) || '.'} in ${Math.round(performance.now() - started)} ms`);
}
