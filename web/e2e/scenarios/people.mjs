// Who may do what: the site admin's page, a room's moderation and settings,
// and entering rooms as a guest or with a password.
import { registerUser, stats, unique, until } from '../lib.mjs';
import { check, connected, createRoom, gone, memberRow, person, tab } from '../pages.mjs';

/** Bans and unbans a user on /admin (the banned session is refused), deletes a room. */
export async function admin(browser, base) {
  const a = await person(browser, 'admin');
  const b = await person(browser, 'bob');
  const [adminName, bobName] = [unique('admin'), unique('bob')];
  await registerUser(a, base, adminName); // the first account is the site admin
  await registerUser(b, base, bobName);
  const roomUrl = await createRoom(a, base, { name: 'doomed room' });
  await b.goto(roomUrl);
  await connected(b, 'doomed room');

  // Delete the room from the admin page: Bob, inside, is told.
  await a.goto(`${base}/admin`);
  const roomRow = a.locator('ul.rooms li', { hasText: 'doomed room' });
  await roomRow.getByRole('button', { name: 'Delete' }).click();
  await gone(roomRow, 'the deleted room to leave the admin list');
  await b.getByText('You are no longer in this room: the room was deleted').waitFor();

  // Ban Bob: his session is refused, and so is his password.
  const bobRow = a.locator('tr', { hasText: bobName });
  await bobRow.getByRole('button', { name: 'Ban' }).click();
  await bobRow.getByRole('button', { name: 'Unban' }).waitFor();
  const refused = await b.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
  check(refused === 401 || refused === 403, `a banned user's session still answers ${refused}`);
  await b.goto(`${base}/login`);
  await b.fill('input[name=username]', bobName);
  await b.fill('input[name=password]', 'correct horse battery');
  await b.click('form button[type=submit]');
  await b.getByText('This account is banned.').waitFor();

  // Unban: he logs in again.
  await bobRow.getByRole('button', { name: 'Unban' }).click();
  await bobRow.getByRole('button', { name: 'Ban' }).waitFor();
  await b.click('form button[type=submit]');
  await b.waitForURL(`${base}/`);
  await b.getByText(`Signed in as ${bobName}`).waitFor();
  return { me_status_while_banned: refused };
}

/** Roles, room settings by a room admin, permission bits, kick, ban and unban. */
export async function moderation(browser, base) {
  const a = await person(browser, 'alice');
  const b = await person(browser, 'bob');
  const bobName = unique('bob');
  await registerUser(a, base, unique('alice'));
  await registerUser(b, base, bobName);
  const roomUrl = await createRoom(a, base, { name: 'moderated' });
  await b.goto(roomUrl);
  await connected(b, 'moderated');

  // Alice makes Bob an admin: his page shows the role and the settings tab.
  await tab(a, 'Members').click();
  await memberRow(a, bobName).getByRole('button', { name: 'Make admin' }).click();
  await tab(b, 'Members').click();
  await memberRow(b, bobName).getByText('admin', { exact: true }).waitFor();
  await tab(b, 'Settings').click();

  // Bob, a room admin, renames the room; Alice sees it.
  await b.getByLabel('Room name').fill('renamed by bob');
  await b.getByRole('button', { name: 'Save' }).click();
  await b.getByText('Saved.').waitFor();
  await a.locator('.room-title', { hasText: 'renamed by bob' }).waitFor();

  // Back to member; Alice takes chat away from members: Bob's chat box goes.
  await memberRow(a, bobName).getByRole('button', { name: 'Make member' }).click();
  await gone(tab(b, 'Settings'), "the settings tab to leave Bob's page");
  await tab(b, 'Chat').click();
  await b.locator('input[name=chat]').waitFor();
  await tab(a, 'Settings').click();
  await a.getByRole('group', { name: 'member' }).getByLabel('Chat').uncheck();
  await a.getByRole('button', { name: 'Save' }).click();
  await a.getByText('Saved.').waitFor();
  await gone(b.locator('input[name=chat]'), "the chat box to leave Bob's page once members may not chat");

  // Kick: Bob is told, and may come back.
  await tab(a, 'Members').click();
  await memberRow(a, bobName).getByRole('button', { name: 'Kick' }).click();
  await b.getByText('you were removed from the room').waitFor();
  await b.goto(roomUrl);
  await connected(b, 'renamed by bob');

  // Ban: Bob is told, and cannot come back until unbanned.
  await memberRow(a, bobName).getByRole('button', { name: 'Ban' }).click();
  await b.getByText('you are banned from this room').waitFor();
  await b.goto(roomUrl);
  const refusal = await b.locator('.card .error').first().textContent({ timeout: 30_000 });
  const banned = a.locator('h3', { hasText: 'Banned' }).locator('xpath=following-sibling::ul[1]/li');
  await banned.first().getByRole('button', { name: 'Unban' }).click();
  await gone(banned, 'the ban list to empty');
  await b.goto(roomUrl);
  await connected(b, 'renamed by bob');
  return { refused_with: refusal };
}

/** Guests where the room admits them, sign-in where not; the password prompt. */
export async function entry(browser, base) {
  const a = await person(browser, 'alice');
  await registerUser(a, base, unique('alice'));
  const open = await createRoom(a, base, { name: 'open door', guests: true });
  const closed = await createRoom(a, base, { name: 'members only' });
  const locked = await createRoom(a, base, { name: 'locked', password: 'sesame123' });

  const g = await person(browser, 'guest');
  await g.goto(open);
  await g.getByLabel('Your name').fill('visitor');
  await g.getByRole('button', { name: 'Enter as a guest' }).click();
  await connected(g, 'open door');
  await a.goto(open);
  await connected(a, 'open door');
  await tab(a, 'Members').click();
  await memberRow(a, 'visitor').getByText('guest', { exact: true }).waitFor();

  await g.goto(closed);
  await g.getByText('Log in or register to enter this room.').waitFor();
  check((await g.getByRole('button', { name: 'Enter as a guest' }).count()) === 0, 'a guest was offered a room without guests');
  await g.goto(locked);
  await g.getByText('Log in or register to enter this room.').waitFor();

  const b = await person(browser, 'bob');
  await registerUser(b, base, unique('bob'));
  await b.goto(locked);
  await b.fill('input[name=room-password]', 'not the password');
  await b.getByRole('button', { name: 'Enter' }).click();
  await b.getByText('Wrong room password.').waitFor();
  await b.fill('input[name=room-password]', 'sesame123');
  await b.getByRole('button', { name: 'Enter' }).click();
  await connected(b, 'locked');
  const s = await until('bob joined', async () => (await stats(b))?.joins.welcome);
  return { bob_welcomes: s };
}
