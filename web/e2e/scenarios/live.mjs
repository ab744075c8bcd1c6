// "Go live": a new key refuses the old one at the RTMP door and admits
// itself; a viewer whose HTTP-FLV fails watches over HLS instead.
import { publish, registerUser, sleep, stats, unique, until } from '../lib.mjs';
import { check, connected, createRoom, person, tab } from '../pages.mjs';

export async function live(browser, base) {
  const a = await person(browser, 'alice');
  const b = await person(browser, 'bob');
  await registerUser(a, base, unique('alice'));
  await registerUser(b, base, unique('bob'));
  const roomUrl = await createRoom(a, base, { name: 'on air' });

  await tab(a, 'Go live').click();
  const server = await a.getByTestId('rtmp-server').textContent();
  const keyEl = a.getByTestId('stream-key');
  const oldKey = await keyEl.getAttribute('data-key');
  await a.getByRole('button', { name: 'New key' }).click();
  const newKey = await until('a new stream key', async () => {
    const k = await keyEl.getAttribute('data-key');
    return k && k !== oldKey ? k : null;
  });

  // The old key is refused: ffmpeg gives up and the room never goes live.
  const refused = publish(`${server}/${oldKey}`, 20);
  const code = await Promise.race([refused.exited, sleep(30_000).then(() => 'still running')]);
  refused.stop();
  check(code !== 0 && code !== 'still running', `the old key was not refused (ffmpeg: ${code})`);
  check((await a.getByTestId('live-status').textContent()) === 'Not live', 'the room went live on the old key');

  // Bob cannot fetch HTTP-FLV: his player falls back to HLS.
  await b.route('**/flv/**', (route) => route.abort('connectionrefused'));
  const hlsRequests = [];
  b.on('request', (r) => r.url().includes('/hls/') && hlsRequests.push(r.url()));
  await b.goto(roomUrl);
  await connected(b, 'on air');

  await a.getByRole('button', { name: 'Add the live stream' }).click();
  await a.locator('.item', { hasText: 'LIVE' }).first().getByRole('button', { name: 'Play this' }).click();
  const pusher = publish(`${server}/${newKey}`, 120);
  const why = async () => `${JSON.stringify(await stats(b))}; hls requests: ${hlsRequests.join(' ')}; shown: ${await b.locator('.player .error').allTextContents()}`;
  try {
    await a.getByTestId('live-status').getByText('Live now').waitFor({ timeout: 30_000 });
    const first = await until(
      'bob plays the live stream over HLS',
      async () => {
        const s = await stats(b);
        return s?.live && s.playing && s.currentMs > 500 ? s : null;
      },
      { timeoutMs: 60_000 },
    ).catch(async (e) => {
      throw new Error(`${e.message}: ${await why()}`);
    });
    const later = await until(
      "bob's live video to advance",
      async () => {
        const s = await stats(b);
        return s.currentMs > first.currentMs + 1000 ? s : null;
      },
      { timeoutMs: 30_000 },
    );
    check(hlsRequests.some((u) => u.endsWith('.m3u8')), 'no HLS playlist was fetched');
    return {
      old_key_ffmpeg_exit: code,
      hls_requests: hlsRequests.length,
      advanced_ms: Math.round(later.currentMs - first.currentMs),
    };
  } finally {
    pusher.stop();
  }
}
