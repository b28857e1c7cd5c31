// Loads the wasm build in headless Chromium and checks the web face's glue there: a client on an
// encrypted in-memory store (SQLCipher compiled to wasm), its catalogue and verifier sub-clients
// (status lists fetched from the running simulator), the one error shape, redacted personal
// values, and the field validators; then the persisted store (OPFS) through the package's Worker
// across a page reload, a wrong key, and the open timings. Usage: node smoke.mjs <pkg-dir>
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const pkg = path.resolve(process.argv[2]);
const page = `<!doctype html><meta charset="utf-8"><title>CityKit wasm smoke</title>
<script type="module">
import init, { WebClient, latestSchemaVersion, validateField } from './citykit_wasm.js';
const results = [];
const check = async (name, fn) => {
  try { await fn(); results.push({ name, ok: true }); }
  catch (e) { results.push({ name, ok: false, error: String(e && e.stack || e) }); }
};
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
const codeOf = async (fn) => { try { await fn(); } catch (e) { return e.code; } return 'no error'; };
await init();
const key = 'a5'.repeat(32);
let client;
await check('a client opens on an encrypted in-memory store', async () => { client = await WebClient.openInMemory(key); });
await check('it is SQLCipher', async () => { const v = await client.cipherVersion(); assert(/^4\\./.test(v), 'cipher_version ' + v); });
await check('the schema is migrated to the latest version', async () => { const v = await client.schemaVersion(); assert(v >= 3 && v === latestSchemaVersion(), 'schema ' + v); });
await check('a record round-trips through the core', async () => {
  await client.put('people', 'p1', JSON.stringify({ name: '张三', n: 1 }));
  const back = JSON.parse(await client.get('people', 'p1'));
  assert(back.name === '张三' && back.n === 1, JSON.stringify(back));
  assert(await client.get('people', 'nobody') === undefined, 'absent record');
});
await check('a value that is not JSON is refused without quoting it', async () => {
  let message = null;
  try { await client.put('people', 'p2', '{"name": 张三, "id": 11010519491231002X}'); } catch (e) { message = String(e.message); }
  assert(message !== null, 'no error');
  assert(!message.includes('张三') && !message.includes('11010519491231002X'), 'the error quotes the value: ' + message);
  assert(/^not JSON: JSON syntax error at line 1 column [0-9]+$/.test(message), 'value-free wording (privacy::json_problem): ' + message);
});
await check('a malformed key is refused with a typed error', async () => {
  let threw = false;
  try { await WebClient.openInMemory('xyz'); } catch (e) { threw = true; assert(e.code === 'store.invalid_key', 'code ' + e.code); }
  assert(threw, 'no error');
});
await check('the persisted store outside a Worker is store.unavailable, not a silent in-memory store', async () => {
  let error = null;
  try { await WebClient.open('main-thread', key); } catch (e) { error = e; }
  assert(error && error.code === 'store.unavailable' && error.domain === 'store', 'code ' + (error && error.code));
  assert(error.messageZh && error.message !== error.messageZh, JSON.stringify(error));
});
await check('errors carry the one error shape: code, domain, messages, details', async () => {
  try { await WebClient.openInMemory('ab'.repeat(16)); } catch (e) {
    assert(e instanceof Error && e.code === 'store.invalid_key' && e.domain === 'store', e.code + ' ' + e.domain);
    assert(e.message && e.messageZh && e.message !== e.messageZh && typeof e.details === 'string', JSON.stringify(e));
    return;
  }
  throw new Error('no error');
});
const fixture = await (await fetch('./fixture.json')).json();
const catalogueJson = await (await fetch('./catalogue.json')).text();
await check('client.catalogue(): imported, searched in Chinese (two characters too), items read', async () => {
  const catalogue = client.catalogue();
  const sync = await catalogue.import(catalogueJson);
  assert(sync.item_count >= 150 && sync.changed === true, JSON.stringify(sync));
  const social = await catalogue.search('社保', 20);
  assert(social.some(i => i.id === 'social-security-card-application'), JSON.stringify(social.map(i => i.id)));
  const rental = await catalogue.search('房屋租赁', 5);
  assert(rental[0] && rental[0].id === 'rental-registration', JSON.stringify(rental.map(i => i.id)));
  assert((await catalogue.search('火星移民', 5)).length === 0, 'no match expected');
  const item = await catalogue.item('rental-registration');
  assert(item.form.fields.length > 3 && item.co_signing, 'guide');
  assert((await catalogue.items()).length === sync.item_count && (await catalogue.bundles()).length === sync.bundle_count, 'counts');
  assert(await codeOf(() => catalogue.item('no-such-item')) === 'catalogue.unknown_item', 'unknown item');
});
await check('a malformed catalogue is a typed error and keeps the stored one', async () => {
  assert(await codeOf(() => client.catalogue().import('{"items": 3}')) === 'catalogue.malformed', 'code');
  assert((await client.catalogue().search('社保', 5)).length > 0, 'the stored catalogue is kept');
});
await check('field validators: GB 11643 check digit, mobile, with messages', async () => {
  const idField = JSON.stringify({ name: 'id', label_zh: '身份证号', label_en: 'ID number', type: 'id_number', required: true });
  assert(validateField(idField, '11010519491231002X') === undefined, 'a valid ID number');
  const bad = validateField(idField, '110105194912310021');
  assert(bad.problem === 'check_digit' && bad.field === 'id' && bad.message_zh.includes('身份证号'), JSON.stringify(bad));
  assert(validateField(idField, null).problem === 'required', 'required');
  const phone = JSON.stringify({ name: 'p', label_zh: '电话', label_en: 'Phone', type: 'phone', required: false });
  assert(validateField(phone, '12345').problem === 'format', 'phone');
});
await check('client.verifier(): a presentation verifies with its status checked, claims redacted until exposed', async () => {
  const kiosk = client.verifier(fixture.audience, fixture.metadata, 0);
  const verified = await kiosk.verify(fixture.text);
  assert(verified.vct.endsWith('resident_id_card') && verified.status_checked === true, JSON.stringify(verified));
  assert(typeof verified.status_list_age_secs === 'number', 'status list age');
  const claims = verified.claims.expose();
  assert(claims.age_over_18 === true && claims.name === undefined, JSON.stringify(claims));
  assert(String(verified.claims) === '‹redacted›' && !JSON.stringify(verified).includes('age_over_18'), JSON.stringify(verified));
  assert(await codeOf(() => kiosk.verify(fixture.text)) === 'wallet.replayed_nonce', 'replay');
});
await check('a licence revoked at its issuer is refused by the page verifier', async () => {
  const kiosk = client.verifier(fixture.audience, fixture.metadata, 0);
  assert(await codeOf(() => kiosk.verify(fixture.revoked)) === 'wallet.revoked', 'revoked');
});
await check('client.envelopeWindow(): an envelope code checked offline; tampered, expired and bad documents are typed', async () => {
  const desk = client.envelopeWindow(fixture.envelope.trust);
  const claims = desk.verify(fixture.envelope.code);
  assert(claims.envelope_id === fixture.envelope.id && claims.expires_at === fixture.envelope.expires_at, 'claims');
  const code = fixture.envelope.code;
  const tampered = code.slice(0, 10) + (code[10] === 'A' ? 'B' : 'A') + code.slice(11);
  assert((await codeOf(() => desk.verify(tampered))).startsWith('envelope.'), 'tampered');
  assert(await codeOf(() => desk.verify(code, fixture.envelope.expires_at)) === 'envelope.expired', 'expired');
  assert(await codeOf(() => client.envelopeWindow('{}')) === 'envelope.trust_document', 'document');
});
await check('a nonce the verifier issued is accepted once', async () => {
  const kiosk = client.verifier(fixture.audience, fixture.metadata);
  const nonce = await kiosk.newNonce();
  assert(typeof nonce === 'string' && nonce.length >= 16, nonce);
  assert(await codeOf(() => kiosk.verify(fixture.text, nonce)) === 'wallet.replayed_nonce', 'a presentation answering another nonce');
});
await check('the wrong audience and an untrusted issuer are typed reasons', async () => {
  assert(await codeOf(() => client.verifier('kiosk-9', fixture.metadata).verify(fixture.text)) === 'wallet.wrong_audience', 'audience');
  assert(await codeOf(() => client.verifier(fixture.audience, []).verify(fixture.text)) === 'wallet.unknown_issuer', 'issuer');
});
window.__results = results;
</script>`;

// The persisted store through the package's Worker (js/citykit-web.js): loaded twice in one tab
// (a reload in between); the first load writes, the second finds the data, then tries a wrong key.
const persistPage = `<!doctype html><meta charset="utf-8"><title>CityKit wasm persistence</title>
<script type="module">
import { CityKitWorker } from './citykit-web.js';
const results = [];
const check = async (name, fn) => {
  try { await fn(); results.push({ name, ok: true }); }
  catch (e) { results.push({ name, ok: false, error: String(e && e.code ? e.code + ': ' + e.message : e && e.stack || e) }); }
};
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
const key = 'c3'.repeat(32), wrongKey = '3c'.repeat(32);
const record = { name: '李四', visits: 2 };
let ck, opened, phase = 'none', opaqueMessage, keyRecords;
// Every record of the SDK's key database, as the page (any script of the origin) can read it.
const readKeyRecords = () => new Promise((resolve, reject) => {
  const open = indexedDB.open('citykit-keys');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const store = open.result.transaction('keys').objectStore('keys');
    const all = {}, cursor = store.openCursor();
    cursor.onerror = () => reject(cursor.error);
    cursor.onsuccess = () => { const c = cursor.result; if (c) { all[c.key] = c.value; c.continue(); } else { open.result.close(); resolve(all); } };
  };
});
const started = performance.now();
await check('a page opens the persisted store through the Worker', async () => { ck = new CityKitWorker(); opened = await ck.open('smoke', key); });
const pageMs = performance.now() - started;
if (ck && opened) {
  const before = await ck.call('get', 'notes', 'n1');
  phase = before === undefined ? 'first' : 'reloaded';
  if (phase === 'first') {
    await check('a record put through the Worker reads back (SQLCipher, latest schema)', async () => {
      await ck.call('put', 'notes', 'n1', JSON.stringify(record));
      assert(JSON.parse(await ck.call('get', 'notes', 'n1')).name === record.name, 'read back');
      assert(/^4\\./.test(await ck.call('cipherVersion')), 'SQLCipher');
    });
    await check('in a Worker of an opaque origin (no OPFS) the persisted store is store.unavailable', async () => {
      const frame = document.createElement('iframe');
      const answer = new Promise((resolve) => addEventListener('message', (ev) => { if (ev.source === frame.contentWindow) resolve(ev.data); }));
      frame.src = '/opaque';
      document.body.appendChild(frame);
      const got = await Promise.race([answer, new Promise((r) => setTimeout(() => r({ code: 'no answer in 20 s' }), 20000))]);
      frame.remove();
      assert(got.code === 'store.unavailable', JSON.stringify(got));
      opaqueMessage = got.details;
    });
    await check('a second Worker (another tab) is store.in_use while the first holds the store, and nothing changes', async () => {
      let error = null;
      try { const second = await CityKitWorker.open('smoke', key); second.terminate(); } catch (e) { error = e; }
      assert(error && error.code === 'store.in_use' && error.domain === 'store', 'code ' + (error && error.code));
      assert(JSON.parse(await ck.call('get', 'notes', 'n1')).name === record.name, 'the first Worker still reads its store');
    });
    await check('openWrapped: the SDK keeps the store key itself, wrapped; a record put through it', async () => {
      // The OPFS pool belongs to one Worker at a time: the same Worker opens the other store.
      await ck.close();
      await ck.openWrapped('wrapped-smoke');
      await ck.call('put', 'notes', 'w1', JSON.stringify({ kept: 'wrapped' }));
      await ck.close();
      await ck.open('smoke', key);
    });
    await check('no key material is readable from JavaScript: every CryptoKey in IndexedDB is non-extractable', async () => {
      keyRecords = await readKeyRecords();
      const names = Object.keys(keyRecords).sort();
      assert(names.includes('device:smoke') && names.includes('device:wrapped-smoke') && names.includes('store:wrapped-smoke'), names.join(','));
      assert(!names.includes('store:smoke'), 'a page-provided key is never kept: ' + names.join(','));
      const device = keyRecords['device:smoke'], wrappedKey = keyRecords['store:wrapped-smoke'];
      assert(device.privateKey instanceof CryptoKey && device.privateKey.extractable === false, 'device private key extractable');
      assert(device.privateKey.algorithm.name === 'ECDSA' && device.privateKey.algorithm.namedCurve === 'P-256', JSON.stringify(device.privateKey.algorithm));
      assert(wrappedKey.wrappingKey instanceof CryptoKey && wrappedKey.wrappingKey.extractable === false, 'wrapping key extractable');
      assert(wrappedKey.wrapped instanceof Uint8Array && wrappedKey.wrapped.length === 48, 'the store key is kept only encrypted (32 bytes + GCM tag): ' + (wrappedKey.wrapped && wrappedKey.wrapped.length));
      for (const [what, key] of [['device key', device.privateKey], ['wrapping key', wrappedKey.wrappingKey]]) {
        let refused = null;
        try { await crypto.subtle.exportKey(key.type === 'private' ? 'pkcs8' : 'raw', key); } catch (e) { refused = e.name; }
        assert(refused === 'InvalidAccessError', what + ' exported: ' + refused);
      }
    });
    await check('a sub-client call is forwarded: the catalogue imported into the persisted store', async () => {
      const sync = await ck.call('catalogue.import', await (await fetch('./catalogue.json')).text());
      assert(sync.item_count >= 150, JSON.stringify(sync));
    });
  } else {
    await check('after a reload the record is still there', async () => {
      assert(JSON.stringify(JSON.parse(before)) === JSON.stringify(record), before);
    });
    await check('a wrong key is store.wrong_key, as on the phone, and leaves the store as it was', async () => {
      await ck.close();
      let error = null;
      try { await ck.open('smoke', wrongKey); } catch (e) { error = e; }
      assert(error && error.code === 'store.wrong_key' && error.domain === 'store', 'code ' + (error && error.code));
      assert(error instanceof Error && error.messageZh, 'the one error shape');
      await ck.open('smoke', key);
      assert(JSON.parse(await ck.call('get', 'notes', 'n1')).visits === 2, 'still readable with the right key');
    });
    await check('openWrapped after a reload: the wrapped key unwraps and the store opens with the record', async () => {
      await ck.close();
      await ck.openWrapped('wrapped-smoke');
      const back = JSON.parse(await ck.call('get', 'notes', 'w1'));
      await ck.close();
      await ck.open('smoke', key);
      assert(back.kept === 'wrapped', JSON.stringify(back));
    });
    await check('the device key is the same after a reload (kept in IndexedDB, not made anew)', async () => {
      const now = await readKeyRecords();
      const before = JSON.parse(sessionStorage.getItem('devicePublicKey') || 'null');
      const raw = Array.from(new Uint8Array(await crypto.subtle.exportKey('raw', now['device:smoke'].publicKey)));
      assert(before && JSON.stringify(before) === JSON.stringify(raw), 'the device public key changed across the reload');
    });
    await check('the catalogue imported before the reload is searched offline (Chinese) after it', async () => {
      const hits = await ck.call('catalogue.search', '社保', 20);
      assert(hits.some(i => i.id === 'social-security-card-application'), JSON.stringify(hits.map(i => i.id)));
    });
    await check('a typed error of a sub-client crosses the Worker with its code', async () => {
      let error = null;
      try { await ck.call('catalogue.item', 'no-such-item'); } catch (e) { error = e; }
      assert(error && error.code === 'catalogue.unknown_item' && error.domain === 'catalogue', String(error && error.code));
    });
    await check('an unknown method is an error, not a hang', async () => {
      let error = null;
      try { await ck.call('noSuchMethod'); } catch (e) { error = e; }
      assert(error && /no such method/.test(error.message), String(error));
    });
  }
}
if (phase === 'first' && keyRecords && keyRecords['device:smoke']) {
  const raw = Array.from(new Uint8Array(await crypto.subtle.exportKey('raw', keyRecords['device:smoke'].publicKey)));
  sessionStorage.setItem('devicePublicKey', JSON.stringify(raw));
}
window.__persist = { phase, results, opaqueMessage, workerOpenMs: opened && opened.openMs, pageOpenMs: pageMs };
</script>`;

// A document with an opaque origin (CSP sandbox without allow-same-origin), which starts a
// module Worker from a blob: the Worker exists, OPFS does not.
const opaquePage = `<!doctype html><meta charset="utf-8"><script type="module">
const base = new URL('/', location.href).href;
const src = "(async () => { try { const m = await import('" + base + "citykit_wasm.js'); await m.default();" +
  " await m.WebClient.open('opaque', '" + 'c3'.repeat(32) + "'); postMessage({ code: 'no error' }); }" +
  " catch (e) { postMessage({ code: e && e.code, details: String(e && e.details || e) }); } })();";
const worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
worker.onmessage = (ev) => parent.postMessage(ev.data, '*');
worker.onerror = (ev) => parent.postMessage({ code: 'worker error', message: String(ev.message) }, '*');
</script>`;

const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/') { res.writeHead(200, { 'content-type': 'text/html' }); return res.end(page); }
  // The opaque-origin frame loads the package cross-origin.
  res.setHeader('access-control-allow-origin', '*');
  if (url.pathname === '/opaque') {
    res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': 'sandbox allow-scripts' });
    return res.end(opaquePage);
  }
  if (url.pathname === '/persist') { res.writeHead(200, { 'content-type': 'text/html' }); return res.end(persistPage); }
  const file = path.join(pkg, path.normalize(url.pathname));
  if (!file.startsWith(pkg) || !fs.existsSync(file)) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address();

const userDataDir = fs.mkdtempSync('/tmp/citykit-chromium-');
// The page's verifier fetches status lists from the simulator, whose certificate is from a test CA.
const flags = [...(process.env.CHROMIUM_FLAGS || '--headless --no-sandbox --disable-gpu').split(' '), '--ignore-certificate-errors'].filter(Boolean);
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
  // Persistence: the same tab loads the page, then reloads it.
  const persistTab = await browser.newPage();
  persistTab.on('pageerror', (e) => errors.push(String(e)));
  const phases = [];
  for (const step of ['first', 'reloaded']) {
    if (step === 'first') await persistTab.goto(`http://127.0.0.1:${port}/persist`);
    else await persistTab.reload();
    await persistTab.waitForFunction(() => window.__persist, null, { timeout: 60000 }).catch(() => {});
    const run = (await persistTab.evaluate(() => window.__persist)) || { phase: 'no result', results: [] };
    phases.push(run);
    if (run.phase !== step) { failed++; console.log(`FAIL the ${step} load of the persistence page ran as "${run.phase}"`, errors); }
    for (const r of run.results) {
      if (r.ok) { passed++; console.log(`ok   [${step}] ${r.name}`); } else { failed++; console.log(`FAIL [${step}] ${r.name}: ${r.error}`); }
    }
  }
  console.log(`wasm: in an opaque origin's Worker: "${phases[0].opaqueMessage}"`);
  const ms = (v) => (typeof v === 'number' ? v.toFixed(1) + ' ms' : 'n/a');
  console.log(`wasm: persisted store open in a Worker (OPFS pool + SQLCipher + schema): created ${ms(phases[0].workerOpenMs)}, reopened after reload ${ms(phases[1] && phases[1].workerOpenMs)}; ` +
    `from the page incl. worker start and wasm init: ${ms(phases[0].pageOpenMs)} / ${ms(phases[1] && phases[1].pageOpenMs)}`);
} finally {
  await browser.close();
  server.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`wasm smoke: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
