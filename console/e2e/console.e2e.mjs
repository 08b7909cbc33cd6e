// The console in a real browser (Debian's chromium + playwright-core) against a real coordinator;
// run by tests/console/console-e2e.sh, which brings up the lab and passes BMF_URL, BMF_SECRETS,
// BMF_SHOTS, BMF_LAB_CMD, BMFCTL (with BMF_TOKEN, an admin's) in the environment.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const URL = process.env.BMF_URL;
const secret = (user) => readFileSync(join(process.env.BMF_SECRETS, `${user}.pw`), 'utf8').trim();
const shots = process.env.BMF_SHOTS;
let failures = 0;
const t0 = Date.now();
const say = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${m}`);
function check(what, ok, detail = '') {
  if (ok) say(`ok: ${what}`);
  else { failures++; say(`FAILED: ${what}${detail ? ` — ${detail}` : ''}`); }
}

// launch() gives chromium a new, empty profile (user-data-dir) of its own each run.
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--disable-quic'],
});

async function session(user, { keyboard = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 40[134]/.test(m.text())) errors.push(m.text()); });
  page.on('dialog', (d) => d.accept());
  await page.goto(`${URL}/ui/`);
  if (keyboard) {  // the login works from the keyboard alone
    await page.getByLabel('User').focus();
    await page.keyboard.type(user);
    await page.keyboard.press('Tab');
    await page.keyboard.type(secret(user));
    await page.keyboard.press('Enter');
  } else {
    await page.getByLabel('User').fill(user);
    await page.getByLabel('Password').fill(secret(user));
    await page.getByRole('button', { name: 'Log in' }).click();
  }
  await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 10_000 });
  return { context, page, errors };
}

// Watches the progress list: which stages appear, in which order, when (as the page saw them).
async function watchStages(page, until, timeout = 90_000) {
  const seen = [];
  const deadline = Date.now() + timeout;
  for (;;) {
    const now = await page.locator('ol.stages li[data-stage]').evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')));
    for (const s of now.slice(seen.length)) seen.push({ stage: s, at: Date.now() });
    if (now.some((s) => until.includes(s))) return seen;
    if (Date.now() > deadline) return seen;
    await page.waitForTimeout(50);
  }
}

try {
  // ---- alice: log in, make a network, request 3 nodes and watch them come
  say(`console at ${URL}/ui/`);
  const alice = await session('alice');
  const cookies = await alice.context.cookies();
  const c = cookies.find((x) => x.name === 'bmf_session');
  check('the session is an HttpOnly, SameSite=Strict cookie', c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(c));
  check('the page cannot read it', !(await alice.page.evaluate(() => document.cookie)).includes('bmf_session'));

  await alice.page.getByRole('link', { name: 'Networks' }).click();
  await alice.page.getByRole('form', { name: 'Create a network' }).getByLabel('Name').fill('web');
  await alice.page.getByRole('button', { name: 'Create' }).click();
  await alice.page.getByText(/Network web created on VLAN \d+/).waitFor();
  check('alice created network web from the console', true);

  await alice.page.getByRole('link', { name: 'Request nodes' }).first().click();
  const form = alice.page.getByRole('form', { name: 'Request nodes' });
  await form.getByLabel('Nodes', { exact: true }).fill('3');
  await form.getByLabel('Network').selectOption('web');
  const streams = [];
  alice.page.on('request', (r) => { if (r.url().endsWith('/events')) streams.push(r.url()); });
  await alice.page.evaluate(() => { window.bmfNotReloaded = true; });  // a page load would drop it
  const clicked = Date.now();
  await form.getByRole('button', { name: 'Request 3 nodes' }).click();
  await alice.page.waitForURL(/\/ui\/allocations\/\d+$/);
  const allocation = alice.page.url().split('/').pop();
  const seen = await watchStages(alice.page, ['ready', 'failed']);
  const order = seen.map((s) => s.stage);
  say(`stages as they appeared: ${seen.map((s) => `${s.stage} +${s.at - clicked} ms`).join(', ')}`);
  check('the allocation became ready', order.includes('ready'), order.join(' '));
  for (const s of ['requested', 'reserved', 'powering_on', 'powered_on', 'assigned', 'ready']) check(`stage ${s} is shown`, order.includes(s));
  const notReloaded = await alice.page.evaluate(() => window.bmfNotReloaded === true);
  check('the stages arrived live, one after another (server-sent events, no reload)',
        streams.length >= 1 && notReloaded && seen[seen.length - 1].at - seen[0].at > 500,
        `streams=${streams.length} not reloaded=${notReloaded} spread=${seen[seen.length - 1].at - seen[0].at} ms`);
  const readyRow = alice.page.locator('li[data-stage=ready]');
  check('each stage shows its time since the request', /\+\d/.test(await readyRow.locator('.elapsed').innerText()));
  check('and when it happened', /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(await readyRow.locator('.at').innerText()));
  await alice.page.locator('table[aria-label="Allocation nodes"] tbody tr').nth(2).waitFor();
  await alice.page.screenshot({ path: join(shots, 'console-progress.png'), fullPage: true });

  await alice.page.getByRole('link', { name: 'Nodes', exact: true }).click();
  await alice.page.locator('tr[data-node]').nth(2).waitFor();
  const rows = await alice.page.locator('tr[data-node]').count();
  const active = await alice.page.locator('tr[data-node] .badge', { hasText: 'active' }).count();
  const onWeb = await alice.page.locator('tr[data-node]', { hasText: 'web (' }).count();
  check('alice sees her 3 nodes, active, on network web', rows === 3 && active === 3 && onWeb === 3, `rows=${rows} active=${active} web=${onWeb}`);
  await alice.page.screenshot({ path: join(shots, 'console-nodes.png') });
  await alice.page.getByRole('link', { name: 'Projects' }).click();
  const quotaCell = alice.page.locator('table[aria-label="Projects"] tr', { hasText: 'team-a' }).locator('td').nth(1);
  await quotaCell.waitFor();
  check("alice's project shows 3 of its 5 nodes in use", (await quotaCell.innerText()).trim() === '3 / 5', await quotaCell.innerText());

  // ---- bob: none of it
  const bob = await session('bob', { keyboard: true });
  await bob.page.getByText('Your projects hold no nodes').waitFor();
  check('bob (keyboard login) sees no node of team-a', (await bob.page.locator('tr[data-node]').count()) === 0);
  await bob.page.goto(`${URL}/ui/allocations/${allocation}`);
  await bob.page.getByText(`Allocation ${allocation} does not exist.`).waitFor();
  check("bob's link to alice's allocation says it does not exist (no empty shell)", true);
  await bob.page.goto(`${URL}/ui/allocations`);
  await bob.page.getByText('No allocation yet.').waitFor();
  await bob.page.goto(`${URL}/ui/networks`);
  await bob.page.getByRole('heading', { name: 'Networks' }).waitFor();
  await bob.page.waitForTimeout(500);
  const bobText = await bob.page.locator('body').innerText();
  check("no page of bob's names team-a's network", !/\bweb\b/.test(bobText.replace(/bmf/g, '')) && !bobText.includes('team-a'));

  // ---- alice releases: the release's stages arrive live too
  await alice.page.goto(`${URL}/ui/allocations/${allocation}`);
  await alice.page.getByRole('button', { name: 'Release' }).click();
  const released = await watchStages(alice.page, ['released'], 90_000);
  const relOrder = released.map((s) => s.stage);
  check('the release went through its stages to released', ['releasing', 'ports_released', 'released'].every((s) => relOrder.includes(s)),
        relOrder.join(' '));

  // ---- a switch that refuses the commit: the failure in words
  const lock = spawn(process.env.BMF_LAB_CMD, ['switch-lock', '60'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    lock.stdout.on('data', (d) => { if (String(d).includes('LOCKED')) resolve(); });
    lock.on('exit', (code) => reject(new Error(`switch-lock exited ${code}`)));
    setTimeout(() => reject(new Error('the switch lock was not taken in 30 s')), 30_000);
  });
  await alice.page.goto(`${URL}/ui/request`);
  const form2 = alice.page.getByRole('form', { name: 'Request nodes' });
  await form2.getByLabel('Nodes', { exact: true }).fill('2');
  await form2.getByLabel('Network').selectOption('web');
  await form2.getByRole('button', { name: 'Request 2 nodes' }).click();
  await alice.page.waitForURL(/\/ui\/allocations\/\d+$/);
  await alice.page.locator('.failure').waitFor({ timeout: 90_000 });
  const failure = await alice.page.locator('.failure').innerText();
  lock.kill();
  say(`failure shown: ${failure.replace(/\n+/g, ' | ')}`);
  check('the failing step is named', /Failed at “Assigned to the project's network”/.test(failure));
  check("the switch's own words are shown", /lock/i.test(failure) && /leaf-1/.test(failure));
  check('what was rolled back is shown', /Rolled back:.*leases of nodes/.test(failure));
  await alice.page.screenshot({ path: join(shots, 'console-failure.png'), fullPage: true });

  // ---- the operator sees the hotpool change
  const op = await session('operator');
  await op.page.getByRole('link', { name: 'Hotpool' }).click();
  const hot = op.page.locator('tr[data-class="any"] td.hot');
  await hot.waitFor();
  // the failed allocation's nodes were power-cycled back (hot) and the pool (max 0) turns them off again
  for (let i = 0; i < 240 && Number(await hot.innerText()) !== 0; ++i) await op.page.waitForTimeout(250);
  const before = Number(await hot.innerText());
  execFileSync(process.env.BMFCTL, ['hotpool', 'set', 'any', '--min', '2', '--max', '2'], { stdio: 'inherit' });
  let after = before;
  for (let i = 0; i < 240 && after < 2; ++i) { await op.page.waitForTimeout(250); after = Number(await hot.innerText()); }
  check('the operator sees the hot tier go from 0 to 2 after raising its bounds', before === 0 && after >= 2, `before=${before} after=${after}`);
  await op.page.screenshot({ path: join(shots, 'console-hotpool.png') });
  await op.page.getByRole('link', { name: 'Nodes', exact: true }).click();
  await op.page.locator('tr[data-node]').nth(4).waitFor();
  check('the operator sees all 5 nodes', (await op.page.locator('tr[data-node]').count()) === 5);
  await op.page.getByRole('link', { name: 'Events' }).click();
  await op.page.getByText('ALLOCATION_RESERVED').first().waitFor();
  check('the operator sees recent events', true);

  // ---- logout ends the session
  await alice.page.getByRole('button', { name: 'Log out' }).click();
  await alice.page.getByRole('button', { name: 'Log in' }).waitFor();
  const after401 = await alice.page.evaluate(async () => (await fetch('/api/v1/nodes')).status);
  check('after logout the API refuses the browser (401)', after401 === 401, String(after401));

  for (const [who, s] of [['alice', alice], ['bob', bob], ['operator', op]]) {
    check(`no script error or CSP violation in ${who}'s pages`, s.errors.length === 0, s.errors.join(' | '));
  }
} catch (e) {
  failures++;
  say(`FAILED: ${e.stack ?? e}`);
} finally {
  await browser.close();
}
say(failures ? `console e2e: ${failures} check(s) FAILED` : 'console e2e: every check passed');
process.exit(failures ? 1 : 0);
