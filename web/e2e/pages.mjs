// What the feature scenarios do through the app's own pages: create a room,
// open one, add a clip, read the figures. Each step waits for what a person
// would see before going on.
import { stats, until } from './lib.mjs';

/** Creates a room through the form and returns its URL. */
export async function createRoom(page, base, { name, password = '', guests = false }) {
  await page.goto(`${base}/rooms/new`);
  await page.fill('input[name=name]', name);
  if (password) await page.fill('input[name=room-password]', password);
  if (guests) await page.getByLabel('Guests may enter without an account').check();
  await page.click('form button[type=submit]');
  await page.waitForURL(/\/rooms\/(?!new$)[A-Za-z0-9_-]+$/);
  await connected(page, name);
  return page.url();
}

/** Waits until the room page is connected (its title shown, the channel open). */
export async function connected(page, title) {
  if (title) await page.locator('.room-title', { hasText: title }).waitFor();
  await until('the room channel open', async () => (await stats(page))?.connection === 'open');
}

/** Adds `url` to the playlist and makes it current (paused). */
export async function addClip(page, url, title) {
  await page.fill('input[name=url]', url);
  await page.fill('input[name=title]', title);
  await page.click('.add-item button[type=submit]');
  await page.locator('.item', { hasText: title }).first().waitFor();
  const playThis = page.getByRole('button', { name: 'Play this' });
  if (await playThis.count()) await playThis.first().click();
  await page.getByTestId('play-toggle').waitFor();
}

/** Logs every page error and console error of `page` under `name`. */
export function watch(page, name) {
  page.on('pageerror', (e) => console.error(`[${name}] page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error(`[${name}] ${m.text()}`));
  page.on('dialog', (d) => void d.accept());
  return page;
}

/** A new context (its own cookies) and page. */
export async function person(browser, name, options = {}) {
  const context = await browser.newContext(options);
  return watch(await context.newPage(), name);
}

/** Fails with `what` unless `ok`. */
export function check(ok, what) {
  if (!ok) throw new Error(what);
}

/** Waits for `locator` to go away (bounded). */
export async function gone(locator, what) {
  await until(what, async () => (await locator.count()) === 0);
}

/** The room's tab called `name` (its label may carry a count). */
export function tab(page, name) {
  return page.getByRole('tab', { name: new RegExp(`^${name}`) });
}

/** The member row of `name` in the members tab. */
export function memberRow(page, name) {
  return page.locator('ul.members li', { hasText: name });
}
