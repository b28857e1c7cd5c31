// End-to-end test of the demo page (web-wasm/demo) in headless Chromium, shaped as a phone
// (390×844, touch, mobile, device scale 2), against the simulated city platform.
//
//   node web-wasm/tests/e2e.mjs [--pkg DIR] [--sim PATH]
//
//   --pkg DIR   the built web package (bash web-wasm/build.sh); default $CITYKIT_WASM_PKG, else
//               ${CITYKIT_BUILD_DIR:-/var/tmp/citykit-build}/wasm/pkg
//   --sim PATH  the simulator binary (cargo build -p citykit-sim); default $CITYKIT_SIM_BIN, else
//               <repo>/target/debug/citykit-sim
//   playwright-core is required from NODE_PATH and Chromium from $CHROMIUM (default
//   /usr/bin/chromium) with $CHROMIUM_FLAGS (source /var/cache/citykit-tools/chromium.env).
//   Screenshots go to ${CITYKIT_ARTIFACTS_DIR:-${CITYKIT_BUILD_DIR:-/var/tmp/citykit-build}/artifacts}/web-e2e.
//
// It copies the package and the demo files into a fresh directory, starts
// `citykit-sim serve --port 0 --web-root <dir>` (the page on a second HTTPS origin of the same
// test CA), and goes through the page as an enterprise agent would: the sign-in on the
// simulator's page, the switch to the enterprise, its business licence, matched policies and
// recommendations with their reasons, a service found, auto-filled with each value's source,
// completed, submitted, decided by the simulated window (`citykit-sim sim decide`) and rated;
// the inbox badge moved by the SDK's inbox events; a reload that stays logged in; large text;
// zh/en; logout; and a wrong store key. Every step is a named check bounded to 60 s; the
// simulator is stopped on exit; the exit status is non-zero when a check failed.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const buildDir = process.env.CITYKIT_BUILD_DIR || '/var/tmp/citykit-build';

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const pkg = path.resolve(arg('--pkg') || process.env.CITYKIT_WASM_PKG || path.join(buildDir, 'wasm/pkg'));
const simBin = path.resolve(arg('--sim') || process.env.CITYKIT_SIM_BIN || path.join(root, 'target/debug/citykit-sim'));
const artifacts = path.join(process.env.CITYKIT_ARTIFACTS_DIR || path.join(buildDir, 'artifacts'), 'web-e2e');
const STEP_MS = 60_000;
const WHOLE_RUN_MS = 10 * 60_000;

// ----- the fixture agent: a citizen who is an agent of exactly one enterprise and represents none -----

const data = (name) => JSON.parse(fs.readFileSync(path.join(root, 'test-fixtures/data', name), 'utf8'));
const citizens = data('citizens.json');
const enterprises = data('enterprises.json');
const agents = data('agents.json');
const agentEntry = agents.find((a) => a.role === 'agent'
  && agents.filter((b) => b.citizen === a.citizen).length === 1
  && !enterprises.some((e) => e.legal_representative === a.citizen));
if (!agentEntry) throw new Error('test-fixtures/data/agents.json has no citizen who is the agent of exactly one enterprise');
const agent = citizens.find((c) => c.id === agentEntry.citizen);
const enterprise = enterprises.find((e) => e.id === agentEntry.enterprise);
const SERVICE = { query: '医保', id: 'enterprise-medical-insurance-registration' };
const TYPED = { enterprise_phone: '0757-82701234', agent_mobile: '13912345678', employee_count: '25' };
/** The platform's anonymous statistics (what people take, by industry; every count ≥ 20 people),
 * published when the simulator starts: the page ranks services from them on the device. */
const NEXT_STEPS = {
  min_contributors: 20,
  transitions: [{ from: 'enterprise-social-insurance-registration', to: 'enterprise-medical-insurance-registration', count: 140 }],
  popularity: [
    { item: 'annual-report', count: 320 }, { item: 'invoice-application', count: 260 },
    { item: 'enterprise-social-insurance-registration', count: 180 }, { item: 'enterprise-medical-insurance-registration', count: 150 },
    { item: 'vat-general-taxpayer', count: 120 },
  ],
  repeats: [],
  segments: [
    { segment: 'industry:manufacturing', item: 'special-equipment-registration', count: 60 },
    { segment: 'industry:manufacturing', item: 'annual-report', count: 85 },
  ],
};
const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);

// ----- bookkeeping -----

const results = [];
const screenshots = [];
const timings = {};
const done = new Set();
let page;

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** A named check, bounded to STEP_MS; skipped (and failed) when a check it needs failed. */
async function check(id, name, fn, needs = []) {
  const missing = needs.filter((n) => !done.has(n));
  if (missing.length) {
    results.push({ name, ok: false, error: `not run: it needs ${missing.map((m) => `"${m}"`).join(', ')}, which failed` });
    console.log(`SKIP ${name} (needs ${missing.join(', ')})`);
    return;
  }
  const started = Date.now();
  try {
    await withTimeout(fn(), STEP_MS, name);
    done.add(id);
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    const shown = await pageErrorBanner();
    results.push({ name, ok: false, error: String(e && e.message || e).split('\n')[0] + (shown ? ` [page shows error ${shown}]` : '') });
    console.log(`FAIL ${name}: ${results.at(-1).error}`);
    await shot(`failed-${id}`, `the page when "${name}" failed`).catch(() => {});
  }
}

function assert(condition, message) { if (!condition) throw new Error(message); }

async function pageErrorBanner() {
  try {
    const box = page.locator('[data-testid="error"]');
    if (!(await box.isVisible())) return null;
    return `${await box.getAttribute('data-code')}: ${await page.locator('[data-testid="error-message"]').textContent()}`;
  } catch { return null; }
}

async function shot(name, what) {
  const file = path.join(artifacts, `${String(screenshots.length + 1).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, timeout: 15_000 });
  screenshots.push({ file, what });
}

const tid = (id) => page.locator(`[data-testid="${id}"]`);
const metrics = () => page.evaluate(() => window.__citykitDemo && { ...window.__citykitDemo });
async function waitReady(view) {
  await page.waitForFunction((v) => window.__citykitDemo && window.__citykitDemo.ready && (!v || window.__citykitDemo.view === v), view, { timeout: STEP_MS });
}

// ----- the simulator -----

let sim;
let simLog = '';
let issuer;
let web;
let work;
let caFile;

function simCommand(args) {
  return new Promise((resolve, reject) => {
    execFile(simBin, args, { env: { ...process.env, CITYKIT_ISSUER: issuer, CITYKIT_CA_FILE: caFile }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`citykit-sim ${args.join(' ')}: ${error.message.split('\n')[0]} ${stdout} ${stderr}`.trim()));
      else resolve(stdout);
    });
  });
}

async function startSimulator() {
  const webRoot = path.join(work, 'web');
  fs.cpSync(pkg, webRoot, { recursive: true, dereference: true });
  for (const file of ['index.html', 'app.js', 'style.css']) fs.copyFileSync(path.join(root, 'web-wasm/demo', file), path.join(webRoot, file));
  caFile = path.join(work, 'sim/ca.pem');
  sim = spawn(simBin, ['serve', '--port', '0', '--state-dir', path.join(work, 'sim'), '--web-root', webRoot], { stdio: ['ignore', 'pipe', 'pipe'] });
  sim.stdout.on('data', (d) => { simLog += d; });
  sim.stderr.on('data', (d) => { simLog += d; });
  const exited = new Promise((resolve) => sim.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const i = simLog.match(/listening at (\S+)/);
    const w = simLog.match(/web page:\s+(\S+)/);
    if (i && w) { issuer = i[1]; web = w[1]; return; }
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 100))]);
    if (code !== undefined) throw new Error(`the simulator exited (${code}): ${simLog.trim().split('\n').slice(-3).join(' | ')}`);
  }
  throw new Error(`the simulator printed no "listening at" and "web page:" lines in 30 s (does it know --web-root?): ${simLog.trim().split('\n').slice(-3).join(' | ')}`);
}

function stopSimulator() {
  if (sim && sim.exitCode === null && sim.signalCode === null) {
    sim.kill('SIGTERM');
    setTimeout(() => { if (sim.exitCode === null && sim.signalCode === null) sim.kill('SIGKILL'); }, 2000).unref();
  }
}

// ----- the run -----

async function run() {
  fs.mkdirSync(artifacts, { recursive: true });
  for (const old of fs.readdirSync(artifacts)) if (old.endsWith('.png')) fs.rmSync(path.join(artifacts, old));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'citykit-e2e-'));
  assert(fs.existsSync(path.join(pkg, 'citykit_wasm_bg.wasm')), `no built package in ${pkg} (run bash web-wasm/build.sh)`);
  assert(fs.existsSync(simBin), `no simulator binary at ${simBin} (cargo build -p citykit-sim)`);
  await startSimulator();
  const stats = path.join(work, 'next-steps.json');
  fs.writeFileSync(stats, JSON.stringify(NEXT_STEPS));
  await simCommand(['sim', 'next-steps', stats]);
  console.log(`e2e: simulator at ${issuer}, page at ${web}; agent ${agent.id} for ${enterprise.id}`);

  const flags = [...(process.env.CHROMIUM_FLAGS || '--headless --no-sandbox --disable-gpu').split(' '), '--ignore-certificate-errors'].filter(Boolean);
  const userDataDir = path.join(work, 'chromium');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: flags.filter((f) => f !== '--headless'),
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    ignoreHTTPSErrors: true,
    locale: 'zh-CN',
    timeout: STEP_MS,
  });
  try {
    page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(30_000);
    page.setDefaultNavigationTimeout(STEP_MS);
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    page.on('pageerror', (e) => consoleLines.push(String(e)));
    const signInRequests = [];
    page.on('request', (r) => { if (r.url().startsWith(`${issuer}/authorize`) || r.url().startsWith(`${issuer}/par`)) signInRequests.push(r.url()); });
    await steps(consoleLines, signInRequests);
  } finally {
    await withTimeout(context.close(), 15_000, 'closing Chromium').catch(() => {});
  }
}

async function steps(consoleLines, signInRequests) {
  await check('open', 'the page opens the SDK (openWrapped) and shows the agent sign-in', async () => {
    await page.goto(web);
    await waitReady('login');
    await tid('login-agent').waitFor({ state: 'visible' });
    const m = await metrics();
    assert(typeof m.openMs === 'number', `openMs not reported: ${JSON.stringify(m)}`);
    timings.firstOpenMs = m.openMs;
    await shot('sign-in-button', 'logged out: the enterprise agent sign-in (zh), store opened with a wrapped key');
  });

  await check('login', `the agent signs in on the simulator's page as ${agent.id} and comes back`, async () => {
    await tid('login-agent').tap();
    await page.waitForURL((u) => u.href.startsWith(`${issuer}/authorize`), { timeout: STEP_MS });
    await page.waitForLoadState('domcontentloaded');
    await shot('simulator-sign-in', "the simulator's sign-in page at the issuer's /authorize, listing the people by name");
    const entry = page.getByRole('link', { name: agent.name }).or(page.getByRole('button', { name: agent.name })).first();
    await entry.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => { throw new Error(`no clickable entry named ${agent.name} on the sign-in page`); });
    await entry.tap();
    await page.waitForURL((u) => u.href.startsWith(web), { timeout: STEP_MS });
    await waitReady('main');
    const url = new URL(page.url());
    assert(!url.searchParams.has('code') && !url.searchParams.has('state'), `the URL still carries the code/state: ${url.search}`);
    await tid('current-identity').waitFor({ state: 'visible' });
    assert(await tid('current-identity').getAttribute('data-kind') === 'person', 'not acting as the person after the login');
    await tid(`identity-${enterprise.id}`).waitFor({ state: 'visible', timeout: 15_000 })
      .catch(() => { throw new Error(`${enterprise.id} is not listed among the identities`); });
    await shot('logged-in', 'logged in as the agent: the identities list (the person and the enterprise)');
  }, ['open']);

  await check('profile', "the agent's own licences are fetched (their ID card fills the agent's fields)", async () => {
    await tid('fetch-licences').tap();
    await tid('licence-resident_id_card').waitFor({ state: 'visible' });
  }, ['login']);

  await check('switch', `switching to the enterprise ${enterprise.id}`, async () => {
    await tid(`switch-${enterprise.id}`).tap();
    await page.waitForFunction((id) => document.querySelector('[data-testid="current-identity"]')?.dataset.id === id, enterprise.id, { timeout: STEP_MS });
    assert(await tid('current-identity').textContent() === enterprise.name, `the current identity shows "${await tid('current-identity').textContent()}"`);
    assert(await tid('current-identity').getAttribute('data-kind') === 'enterprise', 'the current identity is not an enterprise');
  }, ['login']);

  await check('licence', "the enterprise's business licence: name, issuer, status; claims only on a tap", async () => {
    await tid('fetch-licences').tap();
    const licence = tid('licence-business_licence');
    await licence.waitFor({ state: 'visible' });
    const name = await licence.locator('[data-testid="licence-name"]').textContent();
    const issuerText = await licence.locator('[data-testid="licence-issuer"]').textContent();
    const status = await licence.locator('[data-testid="licence-status"]').getAttribute('data-status');
    assert(name === '营业执照', `licence name "${name}"`);
    assert(issuerText.includes('市场监督管理局'), `licence issuer "${issuerText}"`);
    assert(status === 'valid', `licence status ${status}`);
    assert(await licence.locator('[data-testid="licence-claims"]').count() === 0, 'claims shown before any tap');
    await licence.locator('[data-testid="licence-show"]').tap();
    const claims = licence.locator('[data-testid="licence-claims"]');
    await claims.waitFor({ state: 'visible' });
    const text = await claims.textContent();
    assert(text.includes(enterprise.name) && text.includes(enterprise.uscc), 'the claims do not show the enterprise name and USCC');
    await licence.scrollIntoViewIfNeeded();
    await shot('business-licence', "acting for the enterprise: its business licence (营业执照, 市场监督管理局, 有效) with its claims shown after a tap");
  }, ['switch']);

  await check('policies', 'matched policies with the facts that made them, recommendations with reasons', async () => {
    const campaigns = page.locator('[data-testid="campaigns"] > li');
    await page.waitForFunction(() => ['campaigns', 'recommendations'].every((l) =>
      document.querySelector(`[data-testid="${l}"] > li`) || !document.querySelector(`[data-testid="${l}-empty"]`).hidden), null, { timeout: STEP_MS });
    await tid('policies').scrollIntoViewIfNeeded();
    assert(await campaigns.count() > 0, 'no policy matched (the page says there are none)');
    assert(await page.locator('[data-testid="recommendations"] > li').count() > 0, 'no recommendation (the page says there are none)');
    const facts = await page.locator('[data-testid="campaign-facts"] > li').allTextContents();
    assert(facts.length > 0 && facts.every((f) => /=\s*\S/.test(f)), `campaign facts: ${JSON.stringify(facts)}`);
    const reasons = await page.locator('[data-testid="recommendations"] [data-testid="reason"]').allTextContents();
    assert(reasons.length > 0 && reasons.every((r) => r.trim().length > 0), `reasons: ${JSON.stringify(reasons)}`);
    await shot('policies', `matched policies (${await campaigns.count()}) naming their facts, and recommendations with reasons`);
  }, ['licence']);

  await check('search', `catalogue search "${SERVICE.query}" finds ${SERVICE.id}`, async () => {
    await tid('search-input').fill(SERVICE.query);
    await tid('search-button').tap();
    await tid(`result-${SERVICE.id}`).waitFor({ state: 'visible' });
    await tid('services').scrollIntoViewIfNeeded();
    await shot('search', `the catalogue searched for "${SERVICE.query}" (two Chinese characters)`);
  }, ['switch']);

  await check('autofill', 'auto-fill shows each field\'s source: licence, profile, to fill in', async () => {
    await tid(`apply-${SERVICE.id}`).tap();
    await tid('form').waitFor({ state: 'visible' });
    const source = async (field) => tid(`field-${field}`).getAttribute('data-source');
    assert(await source('enterprise_name') === 'verified', `enterprise_name source ${await source('enterprise_name')}`);
    const detail = await tid('source-enterprise_name').locator('[data-testid="source-detail"]').textContent();
    assert(detail.includes('营业执照') && detail.includes('市场监督管理局'), `enterprise_name source detail "${detail}"`);
    assert(await tid('value-enterprise_name').textContent() === enterprise.name, 'the enterprise name was not filled from the licence');
    assert(await source('agent_name') === 'profile', `agent_name source ${await source('agent_name')}`);
    assert(await source('enterprise_phone') === 'empty', `enterprise_phone source ${await source('enterprise_phone')}`);
    await shot('autofill', '秒报: the form filled from the business licence (政府核验) and the agent\'s ID card (个人资料), the rest to fill in');
  }, ['search']);

  await check('fill', 'the remaining required fields are typed and marked as typed by the user', async () => {
    for (const [field, value] of Object.entries(TYPED)) {
      await tid(`input-${field}`).fill(value);
      await tid(`input-${field}`).press('Tab');
    }
    for (const field of Object.keys(TYPED)) {
      await page.waitForFunction((f) => document.querySelector(`[data-testid="field-${f}"]`)?.dataset.source === 'user', field, { timeout: 15_000 })
        .catch(() => { throw new Error(`${field} is not marked as typed by the user`); });
    }
    const stillMissing = await tid('form-missing').getAttribute('data-missing-fields');
    assert(!stillMissing, `required fields still missing: ${stillMissing}`);
    await tid('field-employee_count').scrollIntoViewIfNeeded();
    await shot('form-completed', 'the remaining fields typed by the user (您填写), nothing required missing');
  }, ['autofill']);

  await check('materials', "the materials are attached from the wallet: the enterprise's business licence and the agent's ID card", async () => {
    const states = {};
    for (const li of await page.locator('[data-testid="materials"] > li').all()) {
      states[(await li.getAttribute('data-testid')).replace(/^material-/, '')] = await li.getAttribute('data-state');
    }
    const notAttached = Object.entries(states).filter(([, state]) => state !== 'attached');
    assert(Object.keys(states).length > 0, 'no materials listed');
    assert(notAttached.length === 0, `not attached: ${notAttached.map(([id, state]) => `${id} (${state})`).join(', ')}` +
      (states['agent-id-card'] === 'missing' ? " — the agent's resident ID card is in the wallet and filled the agent's fields, yet the core counts only the applicant's (the enterprise's) licences for materials" : ''));
  }, ['autofill']);

  let caseId;
  await check('submit', 'submission: the case and its status are shown', async () => {
    await tid('submit').tap();
    await page.waitForFunction(() => {
      const s = document.querySelector('[data-testid="case-status"]');
      const e = document.querySelector('[data-testid="error"]');
      return (s && s.dataset.status && !s.closest('[hidden]')) || (e && !e.hidden);
    }, null, { timeout: STEP_MS });
    const error = await pageErrorBanner();
    assert(!error, `the submission was refused: ${error}`);
    caseId = await tid('case').getAttribute('data-case-id');
    const status = await tid('case-status').getAttribute('data-status');
    assert(caseId && ['in_review', 'approved'].includes(status), `case ${caseId} status ${status}`);
    await shot('submitted', `the case ${caseId} submitted, its status shown (${status})`);
  }, ['fill']);

  let badgeBefore;
  await check('decide', 'the simulated window approves the case; a refresh shows it; the inbox badge moves by the event', async () => {
    const before = await metrics();
    badgeBefore = Number(await tid('inbox-badge').textContent());
    if (await tid('case-status').getAttribute('data-status') === 'in_review') await simCommand(['sim', 'decide', caseId, '--approve', '--note', 'e2e approval']);
    await tid('case-refresh').tap();
    await page.waitForFunction(() => document.querySelector('[data-testid="case-status"]')?.dataset.status === 'approved', null, { timeout: STEP_MS });
    await page.waitForFunction((n) => window.__citykitDemo.inboxEvents > n, before.inboxEvents, { timeout: STEP_MS })
      .catch(() => { throw new Error('no inbox event after the decision notice was pulled'); });
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="inbox-badge"]').textContent) > n, badgeBefore, { timeout: STEP_MS })
      .catch(() => { throw new Error(`the badge stayed at ${badgeBefore}`); });
    await tid('rating').waitFor({ state: 'visible' });
    await tid('case').scrollIntoViewIfNeeded();
    await shot('approved', 'the case approved by the simulated window; the inbox badge raised by the inbox event; 好差评 offered');
  }, ['submit']);

  await check('rate', '好差评: rated good with a comment, shown on the case and recorded by the platform', async () => {
    await tid('rate-good').tap();
    await tid('rate-comment').fill('办理很快，材料免交，点赞');
    await tid('rate-submit').tap();
    await page.waitForFunction(() => document.querySelector('[data-testid="case-rating"]')?.dataset.rating === 'good', null, { timeout: STEP_MS });
    const ratings = await simCommand(['sim', 'ratings', '--json']);
    assert(ratings.includes(SERVICE.id), `the platform's ratings do not name ${SERVICE.id}`);
    await shot('rated', 'the case rated 好评 with a comment');
  }, ['decide']);

  await check('inbox', 'a policy notice broadcast by the platform raises the badge through the inbox event; reading it lowers it', async () => {
    const file = path.join(work, 'campaign.json');
    fs.writeFileSync(file, JSON.stringify({
      id: 'e2e-established-enterprises', title_zh: '成立满一年企业服务提醒', title_en: 'A notice for enterprises established a year or more',
      item_id: null, audience: 'enterprise', rule: { '>=': [{ var: 'enterprise_age_years' }, 1] }, until: 1830268800,
    }));
    await simCommand(['sim', 'campaign', file]);
    const before = await metrics();
    const badge = Number(await tid('inbox-badge').textContent());
    // Opening the inbox pulls it; when it is open already, its refresh does.
    if (await tid('inbox-button').getAttribute('aria-pressed') === 'true') await tid('inbox-refresh').tap();
    else await tid('inbox-button').tap();
    await page.waitForFunction((n) => window.__citykitDemo.inboxEvents > n, before.inboxEvents, { timeout: STEP_MS })
      .catch(() => { throw new Error('no inbox event after the pull'); });
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="inbox-badge"]').textContent) > n, badge, { timeout: STEP_MS })
      .catch(() => { throw new Error(`the badge stayed at ${badge}`); });
    const raised = Number(await tid('inbox-badge').textContent());
    const m = await metrics();
    assert(raised === m.unread, `the badge (${raised}) is not the event's unread count (${m.unread})`);
    const unread = page.locator('[data-testid="inbox-items"] > li[data-read="false"]').first();
    await unread.waitFor({ state: 'visible' });
    await tid('inbox').scrollIntoViewIfNeeded();
    await shot('inbox', `the inbox open, the badge at ${raised} unread`);
    await unread.locator('button').tap();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="inbox-badge"]').textContent) === n - 1, raised, { timeout: STEP_MS })
      .catch(() => { throw new Error(`the badge did not go down from ${raised} after reading a notice`); });
  }, ['licence']);

  await check('push', "the host app hands in push bodies: the SDK decrypts and verifies them (RFC 8291, the platform's signature), shows one notification, drops the carrier's duplicate, refuses a tampered body", async () => {
    // The endpoint is the host app's (its push token); the simulated carrier queues the
    // platform's encrypted bodies for it, and this test hands them in as the host would.
    const endpoint = `https://push.e2e.invalid/host/${Date.now()}`;
    await page.evaluate((e) => window.postMessage({ type: 'citykit-push-endpoint', endpoint: e }, location.origin), endpoint);
    await page.waitForFunction(() => window.__citykitDemo.pushSubscribed || window.__citykitDemo.pushErrors.length > 0, null, { timeout: STEP_MS });
    let m = await metrics();
    assert(m.pushSubscribed, `the push subscription failed: ${JSON.stringify(m.pushErrors)}`);
    const file = path.join(work, 'campaign-push.json');
    fs.writeFileSync(file, JSON.stringify({
      id: 'e2e-pushed-notice', title_zh: '企业政策推送提醒', title_en: 'A policy notice pushed to enterprises',
      item_id: null, audience: 'enterprise', rule: { '>=': [{ var: 'enterprise_age_years' }, 1] }, until: 1830268800,
    }));
    await simCommand(['sim', 'campaign', file]);
    const out = path.join(work, 'push-bodies');
    await simCommand(['sim', 'push-take', endpoint, '--out-dir', out]);
    const bodies = fs.readdirSync(out).sort().map((f) => fs.readFileSync(path.join(out, f)));
    assert(bodies.length === 1, `the carrier queued ${bodies.length} bodies for the page's endpoint`);
    const hand = async (bytes, count) => {
      await page.evaluate((b) => window.postMessage({ type: 'citykit-push', body: new Uint8Array(b).buffer }, location.origin), Array.from(bytes));
      await page.waitForFunction((n) => window.__citykitDemo.pushActions.length + window.__citykitDemo.pushErrors.length >= n, count, { timeout: STEP_MS });
    };
    await hand(bodies[0], 1);
    m = await metrics();
    assert(JSON.stringify(m.pushActions) === '["show"]', `first delivery: ${JSON.stringify(m.pushActions)} ${JSON.stringify(m.pushErrors)}`);
    await tid('push-toast').waitFor({ state: 'visible', timeout: STEP_MS });
    const title = await tid('push-title').textContent();
    assert(/企业政策推送提醒|A policy notice pushed to enterprises/.test(title), `the notification's title: ${title}`);
    await shot('push', `a push handed in by the host app, shown as a notification: "${title}"`);
    await hand(bodies[0], 2);
    m = await metrics();
    assert(m.pushActions[1] === 'duplicate', `the carrier's second delivery: ${JSON.stringify(m.pushActions)}`);
    const tampered = Buffer.from(bodies[0]);
    tampered[tampered.length - 5] ^= 0x01;
    await hand(tampered, 3);
    m = await metrics();
    assert(m.pushErrors.length === 1 && /^push\./.test(m.pushErrors[0] || ''), `a tampered body: ${JSON.stringify(m.pushErrors)}`);
    await tid('error-dismiss').tap();
  }, ['inbox']);

  await check('reload', 'after a reload: still logged in as the enterprise, the stored licence shown, no new sign-in', async () => {
    const signIns = signInRequests.length;
    await page.reload();
    await waitReady('main');
    await page.waitForFunction((id) => document.querySelector('[data-testid="current-identity"]')?.dataset.id === id, enterprise.id, { timeout: STEP_MS });
    await tid('licence-business_licence').waitFor({ state: 'visible' });
    assert(signInRequests.length === signIns, 'the reload went through the sign-in again');
    assert(new URL(page.url()).origin === new URL(web).origin, `left the page: ${page.url()}`);
    await shot('reloaded', 'after a reload: still acting for the enterprise, its stored licence listed, no sign-in');
  }, ['licence']);

  await check('timing', 'time from navigation start to the first search result, and the store open time', async () => {
    await page.goto(`${web}?q=${encodeURIComponent(SERVICE.query)}`);
    await waitReady('main');
    await tid(`result-${SERVICE.id}`).waitFor({ state: 'visible' });
    await page.waitForFunction(() => typeof window.__citykitDemo.firstResultMs === 'number', null, { timeout: STEP_MS });
    const m = await metrics();
    timings.firstResultMs = m.firstResultMs;
    timings.reopenMs = m.openMs;
    timings.pageOpenMs = m.pageOpenMs;
    assert(m.firstResultMs > 0 && typeof m.openMs === 'number', JSON.stringify(m));
  }, ['search']);

  await check('large', 'large-text mode: body type ≥ 1.25×, black text, ≥ 56 px targets, remembered across a reload', async () => {
    const measure = () => page.evaluate(() => {
      const body = getComputedStyle(document.body);
      const button = document.querySelector('[data-testid="logout"]') || document.querySelector('[data-testid="login-agent"]');
      return { font: parseFloat(body.fontSize), color: body.color, target: button.getBoundingClientRect().height, large: document.documentElement.classList.contains('large') };
    });
    const normal = await measure();
    assert(!normal.large, 'large text already on');
    await tid('large-toggle').tap();
    const large = await measure();
    assert(large.font / normal.font >= 1.25, `body font ${normal.font}px → ${large.font}px (${(large.font / normal.font).toFixed(3)}×)`);
    assert(large.color === 'rgb(0, 0, 0)', `body colour ${large.color}`);
    assert(large.target >= 56, `button height ${large.target}px`);
    await page.reload();
    await waitReady();
    const again = await measure();
    assert(again.large && again.font === large.font, `after a reload: ${JSON.stringify(again)}`);
    assert(await tid('large-toggle').getAttribute('aria-pressed') === 'true', 'the toggle is not pressed after the reload');
    timings.fontNormal = normal.font;
    timings.fontLarge = large.font;
    await shot('large-text', `适老化: large text (${normal.font}px → ${large.font}px), higher contrast, bigger targets, after a reload`);
    await tid('large-toggle').tap();
  }, ['open']);

  await check('language', 'the zh/en toggle changes the visible strings (and back)', async () => {
    const texts = async () => ({
      lang: await page.evaluate(() => document.documentElement.lang),
      title: await tid('app-title').textContent(),
      licences: await page.locator('[data-testid="licence-card"] h2').textContent(),
      logout: await tid('logout').textContent(),
      status: await tid('licence-business_licence').locator('[data-testid="licence-status"]').textContent(),
    });
    const zh = await texts();
    assert(zh.lang === 'zh-CN' && zh.logout === '退出登录', JSON.stringify(zh));
    await tid('lang-toggle').tap();
    const en = await texts();
    assert(en.lang === 'en' && en.title === 'Business Services' && en.logout === 'Sign out' && en.status === 'Valid' && en.licences === 'E-licences', JSON.stringify(en));
    for (const key of Object.keys(zh)) assert(zh[key] !== en[key], `"${key}" did not change: ${zh[key]}`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('english', 'the same page in English');
    await tid('lang-toggle').tap();
    assert((await texts()).logout === '退出登录', 'not back in Chinese');
  }, ['reload']);

  await check('logout', 'logout: back to the sign-in, and a reload stays logged out', async () => {
    await tid('logout').tap();
    await tid('login-agent').waitFor({ state: 'visible' });
    await page.reload();
    await waitReady('login');
    await shot('logged-out', 'logged out: the sign-in again, the store emptied of the person and the enterprise');
  }, ['login']);

  await check('wrong-key', '?key=A opens, ?key=B is store.wrong_key, ?key=A again finds what A wrote', async () => {
    await page.goto(`${web}?key=${KEY_A}`);
    await waitReady();
    const first = await metrics();
    assert(first.view !== 'failed', `?key=A failed: ${await pageErrorBanner()}`);
    await page.goto(`${web}?key=${KEY_B}`);
    await waitReady('failed');
    await tid('error').waitFor({ state: 'visible' });
    const code = await tid('error').getAttribute('data-code');
    assert(code === 'store.wrong_key', `the page shows ${code}`);
    assert(await tid('error-code').textContent() === 'store.wrong_key', 'the code is not shown');
    assert((await tid('error-message').textContent()).trim().length > 0, 'no message shown');
    await shot('wrong-key', 'loaded with another key: the page shows store.wrong_key and its message, nothing opened');
    await page.goto(`${web}?key=${KEY_A}`);
    await waitReady();
    const again = await metrics();
    assert(again.view !== 'failed' && again.opens === first.opens + 1, `?key=A again: view ${again.view}, opens ${first.opens} → ${again.opens}`);
  }, ['open']);

  await check('console', 'no personal value reached the console', async () => {
    const secrets = [agent.name, agent.id_number, TYPED.agent_mobile, enterprise.legal_representative && citizens.find((c) => c.id === enterprise.legal_representative)?.name].filter(Boolean);
    const leaks = consoleLines.filter((line) => secrets.some((s) => line.includes(s)));
    assert(leaks.length === 0, `${leaks.length} console lines hold personal values`);
  });
}

// ----- main -----

const watchdog = setTimeout(() => {
  console.log(`FAIL the whole run took more than ${WHOLE_RUN_MS / 60000} minutes`);
  stopSimulator();
  process.exit(1);
}, WHOLE_RUN_MS);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { stopSimulator(); process.exit(1); });
process.on('exit', stopSimulator);

let fatal = null;
try {
  await run();
} catch (e) {
  fatal = String(e && e.message || e);
  results.push({ name: 'the run itself', ok: false, error: fatal });
} finally {
  stopSimulator();
  clearTimeout(watchdog);
}

const failed = results.filter((r) => !r.ok);
if (simLog && failed.length) fs.writeFileSync(path.join(artifacts, 'simulator.log'), simLog);
if (work) fs.rmSync(work, { recursive: true, force: true });
const ms = (v) => (typeof v === 'number' ? `${v.toFixed(0)} ms` : 'n/a');
console.log('\nweb e2e timings:');
console.log(`  navigation start → first catalogue search result rendered: ${ms(timings.firstResultMs)}`);
console.log(`  store open in the Worker (openMs): created ${ms(timings.firstOpenMs)}, reopened ${ms(timings.reopenMs)} (from the page, worker start and wasm init included: ${ms(timings.pageOpenMs)})`);
if (timings.fontLarge) console.log(`  body font: ${timings.fontNormal}px, large text ${timings.fontLarge}px (${(timings.fontLarge / timings.fontNormal).toFixed(2)}×)`);
console.log(`\nweb e2e screenshots (${artifacts}):`);
for (const s of screenshots) console.log(`  ${path.basename(s.file)}: ${s.what}`);
console.log(`\nweb e2e: ${results.length - failed.length} passed, ${failed.length} failed`);
for (const f of failed) console.log(`  FAILED ${f.name}: ${f.error}`);
process.exit(failed.length === 0 ? 0 : 1);
