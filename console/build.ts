import { buildSync } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * Builds the operators' console into `outdir`: index.html and one hashed script and stylesheet, minified.
 * The local stack calls it when the page is first asked for, CDK when it bundles the console's asset (so it is
 * synchronous, about 0.1 s), and `npm run console:build` prints the sizes. config.json is not built: each
 * place that serves the page writes its own.
 */
const SRC = fileURLToPath(new URL('./src', import.meta.url));

export interface ConsoleBuild {
  outdir: string;
  files: { name: string; bytes: number; gzipBytes: number }[];
  ms: number;
}

export function buildConsole(outdir: string): ConsoleBuild {
  const started = Date.now();
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, 'assets'), { recursive: true });
  const result = buildSync({
    entryPoints: [join(SRC, 'main.tsx')],
    outdir: join(outdir, 'assets'),
    entryNames: 'app-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => p.split('/').pop() ?? p);
  const script = outputs.find((n) => n.endsWith('.js'));
  const style = outputs.find((n) => n.endsWith('.css'));
  if (!script || !style) throw new Error(`console build produced ${outputs.join(', ')}`);
  const html = readFileSync(join(SRC, 'index.html'), 'utf8')
    .replace('%SCRIPT%', `/admin/assets/${script}`)
    .replace('%STYLE%', `/admin/assets/${style}`);
  writeFileSync(join(outdir, 'index.html'), html);
  const files = ['index.html', `assets/${script}`, `assets/${style}`].map((name) => {
    const bytes = readFileSync(join(outdir, name));
    return { name, bytes: statSync(join(outdir, name)).size, gzipBytes: gzipSync(bytes).length };
  });
  return { outdir, files, ms: Date.now() - started };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outdir = process.argv[2] ?? fileURLToPath(new URL('./dist', import.meta.url));
  try {
    const b = buildConsole(outdir);
    for (const f of b.files) console.log(`${f.name.padEnd(32)} ${f.bytes} B  (gzip ${f.gzipBytes} B)`);
    console.log(`Built ${b.outdir} in ${b.ms} ms`);
  } catch (error) {
    console.error(`console build failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
