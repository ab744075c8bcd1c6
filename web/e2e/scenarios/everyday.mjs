// Everyday use: Chinese for a zh-CN browser and the language switch, a phone
// screen without sideways scrolling, and the room driven by keyboard alone.
import { makeClip, registerUser, serveDir, stats, unique, until } from '../lib.mjs';
import { addClip, check, connected, createRoom, person } from '../pages.mjs';

export async function everyday(browser, base) {
  const clip = makeClip();
  const media = await serveDir(clip.dir);
  try {
    const figures = {};
    // Chinese first, English after the switch, kept over a reload.
    const zh = await person(browser, 'zh', { locale: 'zh-CN' });
    await zh.goto(`${base}/`);
    await zh.getByRole('navigation').getByText('房间').waitFor();
    await zh.getByRole('combobox', { name: '语言' }).selectOption('en');
    await zh.getByRole('navigation').getByText('Rooms').waitFor();
    await zh.reload();
    await zh.getByRole('navigation').getByText('Rooms').waitFor();
    figures.lang_after_reload = await zh.evaluate(() => document.documentElement.lang);
    check(figures.lang_after_reload === 'en', `<html lang> is ${figures.lang_after_reload} after switching to English`);

    // A phone: the room page fits its width.
    const phone = await person(browser, 'phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await registerUser(phone, base, unique('phone'));
    const roomUrl = await createRoom(phone, base, { name: 'a room seen on a phone with a long name' });
    await addClip(phone, `${media.url}/${clip.name}`, 'a clip with a rather long title for a narrow screen');
    for (const name of ['Members', 'Go live', 'Settings', 'Chat']) {
      await phone.getByRole('tab', { name: new RegExp(`^${name}`) }).click();
      const widths = await phone.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      check(widths[0] <= widths[1], `the ${name} tab scrolls sideways on a phone: ${widths[0]} > ${widths[1]}`);
      figures[`phone_${name}`] = widths.join('/');
    }

    // Keyboard only: Tab to the play button and press Enter; Tab to the
    // members tab and press Space; Tab to the chat box, type and Enter.
    const k = await person(browser, 'keys');
    await registerUser(k, base, unique('keys'));
    await k.goto(roomUrl);
    await connected(k, 'a room seen on a phone');
    await tabTo(k, '[data-testid=play-toggle]');
    const wasPlaying = (await k.getByTestId('play-toggle').textContent()) === 'Pause';
    await k.keyboard.press('Enter');
    await until('Enter on the play button to toggle playback', async () => (await stats(k))?.playing === !wasPlaying);
    await tabTo(k, '[role=tab]:text-matches("^Members")');
    await k.keyboard.press('Space');
    await k.locator('[role=tab][aria-selected=true]', { hasText: 'Members' }).waitFor();
    await k.locator('[role=tab]', { hasText: 'Chat' }).focus();
    await k.keyboard.press('Enter');
    await tabTo(k, 'input[name=chat]');
    await k.keyboard.type('typed without a mouse');
    await k.keyboard.press('Enter');
    await k.getByTestId('chat-lines').getByText('typed without a mouse').waitFor();
    return figures;
  } finally {
    media.close();
  }
}

/** Presses Tab until `selector` has the focus (at most 80 times). */
async function tabTo(page, selector) {
  const target = page.locator(selector).first();
  await target.waitFor();
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}
