// Real peers for the browser tests: media made by ffmpeg, a static file
// server with byte ranges, Chromium through playwright-core, and bounded
// waits that fail with a clear message.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.SYNCTV_CHROMIUM ?? '/usr/bin/chromium';

/** A 60 s H.264/AAC mp4 (moov first, keyframe every second) in a fresh temp dir. */
export function makeClip() {
  const dir = mkdtempSync(join(tmpdir(), 'synctv-e2e-'));
  const file = join(dir, 'clip.mp4');
  const r = spawnSync(
    'ffmpeg',
    [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=60',
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=60',
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '25',
      '-c:a', 'aac', '-movflags', '+faststart', file,
    ],
    { stdio: 'inherit', timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg could not make the test clip (status ${r.status})`);
  return { dir, name: 'clip.mp4' };
}

/** Serves `dir` on 127.0.0.1 with Range support (browsers seek mp4 through ranges). */
export async function serveDir(dir) {
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname.slice(1));
    if (!/^[\w.-]+$/.test(name)) return void res.writeHead(404).end();
    const path = join(dir, name);
    let size;
    try {
      size = statSync(path).size;
    } catch {
      return void res.writeHead(404).end();
    }
    const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'access-control-allow-origin': '*' };
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (!range) {
      res.writeHead(200, { ...headers, 'content-length': size });
      return void createReadStream(path).pipe(res);
    }
    const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start > end || start >= size) return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    res.writeHead(206, { ...headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}` });
    createReadStream(path, { start, end }).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--mute-audio'],
  });
}

/** Waits until `check()` returns a truthy value (polled), or fails saying `what`. */
export async function until(what, check, { timeoutMs = 30_000, everyMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function stats(page) {
  return page.evaluate(() => (window.synctvStats ? window.synctvStats() : null));
}

/** Registers through the page's form; leaves the page signed in. */
export async function registerUser(page, base, name) {
  await page.goto(`${base}/register`);
  await page.fill('input[name=username]', name);
  await page.fill('input[name=password]', 'correct horse battery');
  await page.click('form button[type=submit]');
  await page.waitForURL(`${base}/`);
  await page.getByText(name).first().waitFor();
}

/** ffmpeg pushing a test pattern to `url` for `seconds`, in real time. */
export function publish(url, seconds) {
  const child = spawn(
    'ffmpeg',
    [
      '-hide_banner', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=25:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=330:duration=${seconds}`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25',
      '-c:a', 'aac', '-f', 'flv', url,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return { stop: () => child.kill('SIGTERM'), exited: new Promise((r) => child.on('exit', r)) };
}

export function unique(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/**
 * A TCP relay to `target` (host:port) on a port of its own. `blip(ms)` cuts
 * every open connection and refuses new ones for `ms`: a network outage as
 * the browser sees it.
 */
export async function relay(target) {
  const [host, port] = target.split(':');
  const open = new Set();
  let downUntil = 0;
  const server = createTcpServer((client) => {
    if (Date.now() < downUntil) return void client.destroy();
    const upstream = connect(Number(port), host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    blip(ms) {
      downUntil = Date.now() + ms;
      for (const s of open) s.destroy();
      open.clear();
    },
    close: () => server.close(),
  };
}
