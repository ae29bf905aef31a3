/**
 * The peers' scratch folder (issue 17 item 2): `.bench-peers/` at the repository root
 * (gitignored), with LangGraph JS, its SQLite checkpointer and the Cloudflare Agents SDK
 * at pinned versions, installed with npm's ordinary client and kept between runs (a
 * stamp of the package list says whether to install again).
 *
 * Install quirks on this machine (docs: /work/shared/TOOLCHAIN.md "Peers"):
 * - better-sqlite3 (the checkpointer's driver) must be built for the Node that runs the
 *   bench (22, the `node` package), not the system's Node 20: its build runs with that
 *   Node first on PATH and `npm_config_nodedir` at that package's headers (no download).
 * - The agents package's peer dependencies (React, the AI SDK, MCP, ...) are for other
 *   uses of it; `--legacy-peer-deps` leaves them out.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT_DIR } from '../../scripts/local.ts';

export const PEERS_DIR = join(ROOT_DIR, '.bench-peers');

/** Exact versions (looked up in the registry here, 2026-11-30; TOOLCHAIN.md lists the same). */
export const PEER_PACKAGES = {
  '@langchain/core': '1.4.0',
  '@langchain/langgraph': '1.7.3',
  '@langchain/langgraph-checkpoint-sqlite': '1.0.4',
  'better-sqlite3': '12.11.1',
  agents: '0.32.0',
  zod: '4.6.7',
} as const;

const PACKAGE_JSON = `${JSON.stringify(
  {
    name: 'greenlight-bench-peers',
    private: true,
    type: 'module',
    description: 'Written by bench/peers/install.ts; the peers npm run bench -- --peers runs.',
    dependencies: PEER_PACKAGES,
    allowScripts: { 'better-sqlite3': true },
  },
  null,
  2,
)}\n`;

/** Install the peers unless the same package list is installed already. Resolves with the folder. */
export async function installPeers(log: (line: string) => void = console.error): Promise<string> {
  mkdirSync(PEERS_DIR, { recursive: true });
  const stamp = join(PEERS_DIR, 'node_modules', '.greenlight-stamp');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === PACKAGE_JSON) return PEERS_DIR;
  writeFileSync(join(PEERS_DIR, 'package.json'), PACKAGE_JSON);
  log(
    `[peers] installing ${Object.entries(PEER_PACKAGES)
      .map(([k, v]) => `${k}@${v}`)
      .join(', ')} into ${PEERS_DIR} (once; building better-sqlite3 takes a few minutes) ...`,
  );
  // The Node running this (22): its headers are in the `node` package's platform package (or beside it in a plain install).
  const home = dirname(dirname(process.execPath));
  const nodeDir = [home, join(home, 'node_modules', `node-${process.platform}-${process.arch}`)].find((d) => existsSync(join(d, 'include', 'node', 'node.h')));
  if (!nodeDir) throw new Error(`peers: no Node headers beside ${process.execPath} to build better-sqlite3 with`);
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--legacy-peer-deps', '--no-package-lock'], {
      cwd: PEERS_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, npm_config_nodedir: nodeDir },
    });
    child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`npm install of the peers failed (${code}):\n${output.join('').slice(-4_000)}`);
  writeFileSync(stamp, PACKAGE_JSON);
  return PEERS_DIR;
}
