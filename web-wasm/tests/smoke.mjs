// Loads the wasm build in headless Chromium and checks the core runs there: an encrypted
// in-memory store opens (SQLCipher compiled to wasm), a record round-trips through the core's
// store API, and bad input is a typed error. Usage: node smoke.mjs <pkg-dir>
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const pkg = path.resolve(process.argv[2]);
const page = `<!doctype html><meta charset="utf-8"><title>CityKit wasm smoke</title>
<script type="module">
import init, { WebStore, WebVerifier, latestSchemaVersion, validateField } from './citykit_wasm.js';
const results = [];
const check = async (name, fn) => {
  try { await fn(); results.push({ name, ok: true }); }
  catch (e) { results.push({ name, ok: false, error: String(e && e.stack || e) }); }
};
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
await init();
const key = 'a5'.repeat(32);
let store;
await check('an encrypted in-memory store opens', async () => { store = await WebStore.openInMemory(key); });
await check('it is SQLCipher', async () => { const v = await store.cipherVersion(); assert(/^4\\./.test(v), 'cipher_version ' + v); });
await check('the schema is migrated to the latest version', async () => { const v = await store.schemaVersion(); assert(v >= 3 && v === latestSchemaVersion(), 'schema ' + v); });
await check('a record round-trips through the core', async () => {
  await store.put('people', 'p1', JSON.stringify({ name: '张三', n: 1 }));
  const back = JSON.parse(await store.get('people', 'p1'));
  assert(back.name === '张三' && back.n === 1, JSON.stringify(back));
  assert(await store.get('people', 'nobody') === undefined, 'absent record');
});
await check('a value that is not JSON is refused without quoting it', async () => {
  let message = null;
  try { await store.put('people', 'p2', '{"name": 张三, "id": 11010519491231002X}'); } catch (e) { message = String(e.message); }
  assert(message !== null, 'no error');
  assert(!message.includes('张三') && !message.includes('11010519491231002X'), 'the error quotes the value: ' + message);
  assert(/^not JSON: JSON syntax error at line 1 column [0-9]+$/.test(message), 'value-free wording (privacy::json_problem): ' + message);
});
await check('a malformed key is refused', async () => {
  let threw = false;
  try { await WebStore.openInMemory('xyz'); } catch (e) { threw = true; }
  assert(threw, 'no error');
});
await check('a wrong-length key is a typed store error (store.invalid_key)', async () => {
  try { await WebStore.openInMemory('ab'.repeat(16)); } catch (e) { assert(e.code === "store.invalid_key", "code " + e.code); return; }
  throw new Error('no error');
});
const fixture = await (await fetch('./fixture.json')).json();
const catalogue = await (await fetch('./catalogue.json')).text();
await check('the catalogue imports and is searched in Chinese (two characters too)', async () => {
  const count = await store.importCatalogue(catalogue);
  assert(count >= 150, 'items ' + count);
  const social = JSON.parse(await store.searchCatalogue('社保', 20));
  assert(social.some(i => i.id === 'social-security-card-application'), JSON.stringify(social.map(i => i.id)));
  const rental = JSON.parse(await store.searchCatalogue('房屋租赁', 5));
  assert(rental[0] && rental[0].id === 'rental-registration', JSON.stringify(rental.map(i => i.id)));
  assert(JSON.parse(await store.searchCatalogue('火星移民', 5)).length === 0, 'no match expected');
  const item = JSON.parse(await store.catalogueItem('rental-registration'));
  assert(item.form.fields.length > 3 && item.co_signing, 'guide');
});
await check('a malformed catalogue is a typed error', async () => {
  let code;
  try { await store.importCatalogue('{"items": 3}'); } catch (e) { code = e.code; }
  assert(code === 'catalogue.malformed', 'code ' + code);
});
await check('field validators: GB 11643 check digit, mobile, with messages', async () => {
  const idField = JSON.stringify({ name: 'id', label_zh: '身份证号', label_en: 'ID number', type: 'id_number', required: true });
  assert(validateField(idField, '11010519491231002X') === undefined, 'a valid ID number');
  const bad = JSON.parse(validateField(idField, '110105194912310021'));
  assert(bad.problem === 'check_digit' && bad.field === 'id' && bad.message_zh.includes('身份证号'), JSON.stringify(bad));
  assert(JSON.parse(validateField(idField, null)).problem === 'required', 'required');
  const phone = JSON.stringify({ name: 'p', label_zh: '电话', label_en: 'Phone', type: 'phone', required: false });
  assert(JSON.parse(validateField(phone, '12345')).problem === 'format', 'phone');
});
await check('a licence presentation verifies in the browser (verifier mode)', async () => {
  const kiosk = new WebVerifier(fixture.audience, [fixture.metadata]);
  const verified = JSON.parse(kiosk.verify(fixture.text));
  assert(verified.vct.endsWith('resident_id_card'), verified.vct);
  assert(verified.claims.age_over_18 === true && verified.claims.name === undefined, JSON.stringify(verified.claims));
  let code;
  try { kiosk.verify(fixture.text); } catch (e) { code = e.code; }
  assert(code === 'wallet.replayed_nonce', 'replay: ' + code);
});
await check('the wrong audience is a typed reason', async () => {
  let code;
  try { new WebVerifier('kiosk-9', [fixture.metadata]).verify(fixture.text); } catch (e) { code = e.code; }
  assert(code === 'wallet.wrong_audience', 'code ' + code);
});
await check('an untrusted issuer is a typed reason', async () => {
  let code;
  try { new WebVerifier(fixture.audience, []).verify(fixture.text); } catch (e) { code = e.code; }
  assert(code === 'wallet.unknown_issuer', 'code ' + code);
});
window.__results = results;
</script>`;

const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/') { res.writeHead(200, { 'content-type': 'text/html' }); return res.end(page); }
  const file = path.join(pkg, path.normalize(url.pathname));
  if (!file.startsWith(pkg) || !fs.existsSync(file)) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address();

const userDataDir = fs.mkdtempSync('/tmp/citykit-chromium-');
const flags = (process.env.CHROMIUM_FLAGS || '--headless --no-sandbox --disable-gpu').split(' ').filter(Boolean);
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: flags.filter((f) => f !== '--headless'),
});
let failed = 0, passed = 0;
try {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(String(e)));
  await tab.goto(`http://127.0.0.1:${port}/`);
  await tab.waitForFunction(() => window.__results, null, { timeout: 60000 }).catch(() => {});
  const results = (await tab.evaluate(() => window.__results)) || [];
  if (results.length === 0) { console.log('FAIL the page produced no results', errors); failed++; }
  for (const r of results) {
    if (r.ok) { passed++; console.log(`ok   ${r.name}`); } else { failed++; console.log(`FAIL ${r.name}: ${r.error}`); }
  }
} finally {
  await browser.close();
  server.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`wasm smoke: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
