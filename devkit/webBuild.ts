/**
 * The web app's bundle (web/ → web/dist, docs/web-app.md), built when it is missing or older than its
 * sources: `npm start` and the browser tests call ensureWebBuilt(), `npm run build:web` forces a build.
 * "Older" is decided by a hash of the sources and of the bundler's and ECharts' versions, written next to
 * the bundle, so a fresh clone (every file the same mtime) and a `git pull` both rebuild when they must.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './processes.ts';

export const WEB_DIR = join(REPO_ROOT, 'web');
export const WEB_DIST = join(WEB_DIR, 'dist');
const STAMP = '.source-hash';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.') && entry.name !== 'dist' && entry.name !== 'node_modules')
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

function installedVersion(pkg: string): string {
  const file = join(REPO_ROOT, 'node_modules', pkg, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'absent';
}

/** The hash the current bundle must carry to be up to date. */
export function webSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of sourceFiles(WEB_DIR))
    hash
      .update(`${relative(WEB_DIR, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  hash.update(`vite ${installedVersion('vite')} echarts ${installedVersion('echarts')} production`);
  return hash.digest('hex');
}

export function webBuildIsCurrent(): boolean {
  const stamp = join(WEB_DIST, STAMP);
  return existsSync(join(WEB_DIST, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === webSourceHash();
}

export interface WebBuildResult {
  built: boolean;
  /** Set when no build was possible (vite is a dev dependency: absent from `npm ci --omit=dev`). */
  problem?: string;
}

/**
 * Builds into a directory of its own and swaps it in, so a page being served, or a second build running at
 * the same time, never sees a half-written bundle.
 */
export function buildWeb(): WebBuildResult {
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite))
    return { built: false, problem: 'vite is not installed (a production install); build the app where dev dependencies are: npm run build:web' };
  const hash = webSourceHash();
  const outDir = join(WEB_DIR, `.dist-${process.pid}-${Date.now()}`);
  try {
    const run = spawnSync(process.execPath, [vite, 'build', '--config', join(WEB_DIR, 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      // A production bundle even when called from the test runner (NODE_ENV=test keeps ECharts' dev checks).
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (run.status !== 0) return { built: false, problem: `vite build failed:\n${run.stderr || run.stdout}` };
    writeFileSync(join(outDir, STAMP), `${hash}\n`);
    const old = `${WEB_DIST}.old-${process.pid}-${Date.now()}`;
    if (existsSync(WEB_DIST)) renameSync(WEB_DIST, old);
    renameSync(outDir, WEB_DIST);
    rmSync(old, { recursive: true, force: true });
    return { built: true };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Builds the app unless the bundle is current; never throws (the API works without the app). */
export function ensureWebBuilt(): WebBuildResult {
  if (webBuildIsCurrent()) return { built: false };
  return buildWeb();
}

/** Raw size of the bundle's files, for the build log. */
export function webBundleSize(): { files: number; bytes: number } {
  const assets = join(WEB_DIST, 'assets');
  if (!existsSync(assets)) return { files: 0, bytes: 0 };
  const files = readdirSync(assets);
  return { files: files.length, bytes: files.reduce((sum, f) => sum + statSync(join(assets, f)).size, 0) };
}
