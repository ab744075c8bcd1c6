// The app's features in Chromium against a real synctv, one scenario per
// run so they can run side by side against servers of their own:
//
//   node e2e/features.mjs BASE_URL SCENARIO
//
// Scenarios: admin, moderation, danmaku, entry, live, everyday. Each prints
// "web e2e SCENARIO: passed" and exits 0, or prints why and exits 1.
import { launch } from './lib.mjs';
import { admin, entry, moderation } from './scenarios/people.mjs';
import { danmaku } from './scenarios/danmaku.mjs';
import { everyday } from './scenarios/everyday.mjs';
import { live } from './scenarios/live.mjs';

const scenarios = { admin, moderation, danmaku, entry, live, everyday };

const [base, name] = process.argv.slice(2);
const scenario = scenarios[name];
if (!base || !scenario) {
  console.error(`usage: node e2e/features.mjs BASE_URL (${Object.keys(scenarios).join('|')})`);
  process.exit(2);
}

const browser = await launch();
let failed = null;
let figures = {};
try {
  figures = (await scenario(browser, base)) ?? {};
} catch (e) {
  failed = e;
} finally {
  await browser.close();
}
console.log(JSON.stringify({ scenario: name, figures }, null, 2));
if (failed) {
  console.error(`FAILED: ${failed.stack ?? failed}`);
  process.exit(1);
}
console.log(`web e2e ${name}: passed`);
