// Fails when the JavaScript needed for the first paint (the entry chunk and
// what index.html preloads) is over budget, gzip-compressed. Player
// libraries are separate chunks, loaded only when a video needs them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 100 * 1024;
const dir = process.argv[2] ?? process.env.SYNCTV_WEB_OUT ?? '../crates/web/dist';
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const scripts = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/([^"]+\.js)"/g)].map((m) => m[1]);
if (scripts.length === 0) {
  console.error(`no script in ${dir}/index.html`);
  process.exit(1);
}
let total = 0;
for (const file of scripts) {
  const size = gzipSync(readFileSync(join(dir, file)), { level: 9 }).length;
  total += size;
  console.warn(`${file}: ${(size / 1024).toFixed(1)} KiB gzip`);
}
console.warn(`first paint: ${(total / 1024).toFixed(1)} KiB gzip of ${BUDGET / 1024} KiB allowed`);
if (total > BUDGET) process.exit(1);
