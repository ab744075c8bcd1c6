// Two browsers in one room: the second follows the first's playback within
// the sync client's bounds, chat crosses over, and the room's live stream
// pushed with ffmpeg plays through HTTP-FLV.
//
// usage: node e2e/room.mjs http://127.0.0.1:PORT
import { launch, makeClip, publish, registerUser, relay, serveDir, sleep, stats, unique, until } from './lib.mjs';

const base = process.argv[2];
if (!base) {
  console.error('usage: node e2e/room.mjs BASE_URL');
  process.exit(2);
}

const figures = {};
const clip = makeClip();
const media = await serveDir(clip.dir);
// Bob reaches the server through a relay that can cut his network.
const bobNet = await relay(new URL(base).host);
const browser = await launch();
let failed = null;
try {
  const [alice, bob] = [await browser.newContext(), await browser.newContext()];
  const a = await alice.newPage();
  const b = await bob.newPage();
  for (const [name, page] of [['alice', a], ['bob', b]]) {
    page.on('pageerror', (e) => console.error(`[${name}] page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && console.error(`[${name}] ${m.text()}`));
  }

  await registerUser(a, base, unique('alice'));
  await registerUser(b, bobNet.url, unique('bob'));

  // Alice creates a room and opens it.
  await a.goto(`${base}/rooms/new`);
  await a.fill('input[name=name]', 'e2e movie night');
  await a.click('form button[type=submit]');
  await a.waitForURL(/\/rooms\/(?!new$)[A-Za-z0-9_-]+$/);
  const roomUrl = a.url();
  await until('alice connected', async () => (await stats(a)) !== null);

  // Bob opens the shared link.
  await b.goto(roomUrl.replace(base, bobNet.url));
  await until('bob connected', async () => (await stats(b)) !== null);

  // Alice adds the clip and plays it.
  await a.fill('input[name=url]', `${media.url}/${clip.name}`);
  await a.fill('input[name=title]', 'test clip');
  await a.click('.add-item button[type=submit]');
  await a.getByText('test clip').first().waitFor();
  await b.getByText('test clip').first().waitFor();
  const playThis = a.getByRole('button', { name: 'Play this' });
  if (await playThis.count()) await playThis.first().click();
  const toggle = a.getByTestId('play-toggle');
  await toggle.waitFor();
  if ((await toggle.textContent()) === 'Play') await toggle.click();

  await until('both playing the same item', async () => {
    const [sa, sb] = [await stats(a), await stats(b)];
    return sa?.playing && sb?.playing && sa.itemId !== null && sa.itemId === sb.itemId;
  });
  // Settled: both within a second of the room clock.
  await until(
    'both within 1 s of the room clock',
    async () => {
      const [sa, sb] = [await stats(a), await stats(b)];
      return Math.abs(sa.driftMs ?? 1e9) < 1000 && Math.abs(sb.driftMs ?? 1e9) < 1000;
    },
    { timeoutMs: 45_000 },
  );
  // Sample both for a few seconds: drift of each against the room clock,
  // and between the two players.
  await sleep(3000);
  const samples = [];
  for (let i = 0; i < 20; i++) {
    const [sa, sb] = await Promise.all([stats(a), stats(b)]);
    samples.push({
      a: sa.driftMs, b: sb.driftMs, between: sa.driftMs - sb.driftMs, offsetA: sa.offsetMs, rttA: sa.rttMs,
      stateB: sb.state, rateB: sb.rate,
    });
    await sleep(250);
  }
  const abs = (xs) => xs.map(Math.abs).sort((x, y) => x - y);
  const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const between = abs(samples.map((s) => s.between));
  figures.sync = {
    samples: samples.length,
    drift_a_ms_median: pct(abs(samples.map((s) => s.a)), 0.5),
    drift_b_ms_median: pct(abs(samples.map((s) => s.b)), 0.5),
    between_ms_median: pct(between, 0.5),
    between_ms_max: between[between.length - 1],
    offset_ms: samples[samples.length - 1].offsetA,
    rtt_ms: samples[samples.length - 1].rttA,
    seeks_b: (await stats(b)).seeks,
    trace_b: samples.map((s) => `${Math.round(s.b)}ms ${s.stateB} x${s.rateB.toFixed(3)}`).join(', '),
  };
  const last = samples[samples.length - 1];
  if (Math.abs(last.a) >= 1000 || Math.abs(last.b) >= 1000) throw new Error(`drift over 1 s: ${JSON.stringify(last)}`);

  // Pause in one, the other pauses.
  await toggle.click();
  await until('bob paused after alice paused', async () => (await stats(b))?.playing === false);

  // Chat crosses over.
  const line = `hello from alice ${Date.now()}`;
  await a.fill('input[name=chat]', line);
  await a.press('input[name=chat]', 'Enter');
  await b.getByTestId('chat-lines').getByText(line).waitFor({ timeout: 10_000 });
  figures.chat = 'delivered';

  // A network blip: Bob's page says it is reconnecting, resumes by seq and
  // gets what was said meanwhile.
  const before = await stats(b);
  bobNet.blip(3000);
  await b.locator('[data-connection=reconnecting]').waitFor({ timeout: 10_000 });
  const missed = `said during the blip ${Date.now()}`;
  await a.fill('input[name=chat]', missed);
  await a.press('input[name=chat]', 'Enter');
  await b.getByTestId('chat-lines').getByText(missed).waitFor({ timeout: 30_000 });
  const after = await until('bob connected again', async () => {
    const s = await stats(b);
    return s?.connection === 'open' ? s : null;
  });
  if (after.joins.resumed <= before.joins.resumed) {
    throw new Error(`the reconnect did not resume by seq: ${JSON.stringify(after.joins)}`);
  }
  figures.reconnect = { joins: after.joins, last_seq: after.lastSeq };

  // The room's live stream, pushed with ffmpeg, plays in Bob's page over HTTP-FLV.
  await a.getByRole('tab', { name: 'Go live' }).click();
  const server = await a.getByTestId('rtmp-server').textContent();
  const key = await a.getByTestId('stream-key').getAttribute('data-key');
  await a.getByRole('button', { name: 'Add the live stream' }).click();
  const liveRow = a.locator('.item', { hasText: 'LIVE' }).first();
  await liveRow.getByRole('button', { name: 'Play this' }).click();
  const flvRequests = [];
  b.on('request', (r) => r.url().includes('/flv/') && flvRequests.push(r.url()));
  const pusher = publish(`${server}/${key}`, 60);
  try {
    await until('bob sees the live stream', async () => (await stats(b))?.live === true, { timeoutMs: 30_000 });
    const flvLoaded = await until(
      'bob plays the live stream',
      async () => {
        const s = await stats(b);
        return s?.playing && s.currentMs > 500 ? s : null;
      },
      { timeoutMs: 40_000 },
    );
    await sleep(3000);
    const later = await stats(b);
    if (!(later.currentMs > flvLoaded.currentMs + 1000)) {
      throw new Error(`live video did not advance: ${flvLoaded.currentMs} -> ${later.currentMs}`);
    }
    if (flvRequests.length === 0) throw new Error('the live stream was not fetched over HTTP-FLV');
    figures.live = { advanced_ms: Math.round(later.currentMs - flvLoaded.currentMs), behind_edge_ms: Math.round(-later.driftMs) };
  } finally {
    pusher.stop();
  }
} catch (e) {
  failed = e;
} finally {
  await browser.close();
  media.close();
  bobNet.close();
}
console.log(JSON.stringify({ figures }, null, 2));
if (failed) {
  console.error(`FAILED: ${failed.stack ?? failed}`);
  process.exit(1);
}
console.log('web e2e: passed');
