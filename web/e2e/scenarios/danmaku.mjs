// Danmaku over the video in the other browser: colour and mode as sent, and
// timed to the media position of the item playing.
import { makeClip, registerUser, serveDir, stats, unique, until } from '../lib.mjs';
import { addClip, check, connected, createRoom, person } from '../pages.mjs';

export async function danmaku(browser, base) {
  const clip = makeClip();
  const media = await serveDir(clip.dir);
  try {
    const a = await person(browser, 'alice');
    const b = await person(browser, 'bob');
    await registerUser(a, base, unique('alice'));
    await registerUser(b, base, unique('bob'));
    const roomUrl = await createRoom(a, base, { name: 'comments' });
    await b.goto(roomUrl);
    await connected(b, 'comments');
    await addClip(a, `${media.url}/${clip.name}`, 'commented clip');
    await until('bob has the clip current', async () => (await stats(b))?.itemId !== null);

    // Red, at the top: Bob sees it over his video in that colour.
    await a.fill('input[name=danmaku]', 'red at the top');
    await a.getByLabel('Colour').fill('#ff0000');
    await a.getByRole('combobox', { name: 'Danmaku' }).selectOption('top');
    await a.getByRole('button', { name: 'Send' }).first().click();
    const shown = b.locator('.screen .danmaku .dm-top', { hasText: 'red at the top' });
    await shown.waitFor();
    const colour = await shown.evaluate((el) => getComputedStyle(el).color);
    check(colour === 'rgb(255, 0, 0)', `the danmaku is ${colour}, not red`);

    // Timed: a comment pinned 3 s ahead of Alice's paused video waits, in
    // her page, until her video gets there. A comment sent after it at the
    // paused position shows at once, so when that one is on screen the
    // timed one has arrived too.
    const toggle = a.getByTestId('play-toggle');
    if ((await toggle.textContent()) === 'Pause') await toggle.click();
    const paused = await until('alice paused', async () => {
      const s = await stats(a);
      return s && !s.playing && s.state === 'paused' ? s : null;
    });
    const pinned = Math.round(paused.currentMs) + 3000;
    await sendRaw(b, roomUrl, { text: 'three seconds ahead', media_position_ms: pinned });
    await sendRaw(b, roomUrl, { text: 'right now', media_position_ms: null });
    await a.locator('.danmaku .dm', { hasText: 'right now' }).waitFor();
    const early = await a.locator('.danmaku .dm', { hasText: 'three seconds ahead' }).count();
    check(early === 0, `a danmaku pinned at ${pinned} ms showed while the video stood at ${paused.currentMs}`);
    await toggle.click();
    await a.locator('.danmaku .dm', { hasText: 'three seconds ahead' }).waitFor({ timeout: 30_000 });
    const at = (await stats(a)).currentMs;
    check(at >= pinned - 500, `the timed danmaku showed at ${at} ms of the video, before ${pinned}`);
    return { red: colour, pinned_ms: pinned, shown_at_ms: Math.round(at) };
  } finally {
    media.close();
  }
}

/** Sends one danmaku on a realtime connection of its own from `page`. */
async function sendRaw(page, roomUrl, { text, media_position_ms }) {
  const id = new URL(roomUrl).pathname.split('/').pop();
  const answer = await page.evaluate(
    ({ id, text, media_position_ms }) =>
      new Promise((resolve) => {
        const url = new URL(`/api/v1/rooms/${id}/ws`, location.href);
        url.protocol = 'ws:';
        const ws = new WebSocket(url);
        ws.onopen = () => ws.send(JSON.stringify({ type: 'join', last_seq: null }));
        ws.onmessage = (e) => {
          const m = JSON.parse(e.data);
          if (m.type === 'welcome') {
            ws.send(JSON.stringify({ type: 'danmaku', text, color: 0xffffff, mode: 'scroll', media_position_ms, request_id: `raw-${Date.now()}` }));
          } else if (m.type === 'ack' || m.type === 'error') {
            ws.close();
            resolve(m.type === 'ack' ? 'ack' : `${m.code}: ${m.message}`);
          }
        };
        ws.onerror = () => resolve('websocket error');
      }),
    { id, text, media_position_ms },
  );
  check(answer === 'ack', `the danmaku was not accepted: ${answer}`);
}
