// Build the prebuilt (federated) labextension with @jupyterlab/builder and node alone, so a fresh
// clone, pip's isolated build env and Binder need no `jupyter` on PATH. It does what
// `jupyter labextension build .` does with JupyterLab >= 4.6: the core metadata comes from the
// pinned @jupyterlab/core-meta package, copied as package.json into a temporary --core-path.
// Usage: node scripts/build-labextension.mjs [--development]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const coreMeta = require.resolve('@jupyterlab/core-meta/core.package.json');
const builder = require.resolve('@jupyterlab/builder/lib/build-labextension.js');

const coreDir = mkdtempSync(join(tmpdir(), 'timeline-lab-core-'));
try {
  copyFileSync(coreMeta, join(coreDir, 'package.json'));
  const args = [builder, '--core-path', coreDir, ...process.argv.slice(2), packageDir];
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.error) {
    throw result.error;
  }
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(coreDir, { recursive: true, force: true });
}
