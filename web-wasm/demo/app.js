// CityKit demo: an enterprise mini-program page. An enterprise's agent signs in (OpenID Connect
// through the SDK), acts for the enterprise, fetches its business licence, sees the policies it
// is eligible for and the services recommended to it, finds a service, has it filled from the
// licences (秒报) with each value's source shown, submits it, follows the case and rates it
// (好差评); the inbox's unread badge follows the SDK's inbox events.
//
// The SDK runs in its Worker (./citykit-web.js from the built package). The store is opened
// with a key the SDK keeps wrapped in this browser (openWrapped), or, with `?key=<64 hex>`,
// with a raw key the host page provides (open). Personal values arrive as `Personal` and are
// exposed only where they are put on screen for their owner; nothing here writes to the console.
import { CityKitWorker } from './citykit-web.js';

// ----- strings (zh and en) -----

const STRINGS = {
  zh: {
    appTitle: '企业服务', inbox: '消息', largeToggle: '大字', largeToggleLabel: '适老化大字模式',
    langToggle: 'EN', langToggleLabel: 'Switch to English', dismiss: '知道了', loading: '正在打开加密存储…',
    loginTitle: '企业经办人登录',
    loginIntro: '以本人身份通过统一身份认证登录，再切换为您受托办理业务的企业。',
    loginButton: '经办人登录', sessionExpired: '登录已过期，请重新登录。', loggedOut: '已退出登录，本机上的个人与企业数据已清除。',
    identityTitle: '当前身份', identitiesTitle: '可用身份', person: '个人', enterprise: '企业',
    role_agent: '经办人', role_legal_representative: '法定代表人', switchTo: '切换', current: '当前',
    accountLine: '登录人：{name}',
    licencesTitle: '电子证照', licencesIntro: '从发证机关获取并核验后加密保存在本机；内容仅在您点按后显示。',
    licencesEmpty: '尚未获取证照。', fetchLicences: '获取证照', fetchedLicences: '已获取 {n} 张证照。',
    showClaims: '查看内容', hideClaims: '隐藏内容', issuer: '发证机关：{issuer}', holderOf: '持证方：{name}',
    status_valid: '有效', status_revoked: '已吊销', status_unknown: '状态未核验',
    usability_not_yet_valid: '尚未生效', usability_expired: '已过期', usability_revoked: '已吊销',
    expiringSoon: '即将到期', validUntil: '有效期至 {d}', checkedAt: '核验于 {t}',
    policiesTitle: '惠企政策', policiesIntro: '在本机依据证照匹配，匹配条件与结果不会离开本机。',
    campaignsEmpty: '暂无匹配的政策。', because: '匹配依据', until: '截至 {d}',
    recommendTitle: '为您推荐', recommendEmpty: '暂无推荐。', notInterested: '不感兴趣', apply: '办理',
    servicesTitle: '办事服务', searchPlaceholder: '搜索事项，如“医保”', search: '搜索', searchEmpty: '没有找到相关事项。',
    catalogueStatus: '事项目录：{n} 项（{t} 同步）', catalogueSyncing: '正在同步事项目录…',
    instant: '秒批', workingDays: '{n} 个工作日', free: '免费',
    close: '关闭', formIntro: '已从电子证照自动填写（秒报），每一项都注明来源；请补全其余必填项。',
    source_verified: '政府核验', source_profile: '个人资料', source_user: '您填写', source_empty: '待填写',
    fromLicence: '来自「{licence}」· {issuer}', fromProfile: '来自经办人本人的「{licence}」· {issuer}',
    overridden: '由您更正（原为政府核验）', derived: '由「{claim}」推算',
    locked: '已锁定', correct: '更正', conflict: '其他证照中的值不同：{values}', choose: '请选择',
    materialsTitle: '申请材料', material_attached: '已从证照电子调用（免交纸质材料）', material_attached_agent: '已调用经办人本人的证照（免交纸质材料）', material_tolerated: '容缺：{n} 天内补交',
    material_missing: '缺少', material_not_provided: '未提供（非必需）',
    missingFields: '还需填写：{list}。', missingMaterials: '缺少材料：{list}。', submit: '提交申请',
    caseTitle: '办件进度', caseMeta: '办件编号 {id} · 提交于 {t}', due: '承诺办结日期 {d}', decidedAt: '办结于 {t}',
    queued: '已保存，联网后自动提交（{id}）。',
    status_approved: '已办结（准予）', status_in_review: '审核中', status_awaiting_signatures: '待会签', status_declined: '会签被拒',
    status_expired: '已过期', status_rejected: '不予许可', status_awaiting_pledge: '待签署容缺承诺',
    status_awaiting_material: '待补交材料', status_pledge_broken: '承诺未履行',
    rateTitle: '好差评', rateGood: '好评', rateBad: '差评', rateComment: '评价内容（选填）',
    rateCommentPlaceholder: '请勿填写身份证号或手机号', rateSubmit: '提交评价',
    rated_good: '您已评价：好评', rated_bad: '您已评价：差评', ratingQueued: '评价已保存，联网后发送。',
    inboxTitle: '消息', inboxEmpty: '暂无消息。', refresh: '刷新', logout: '退出登录',
    discardAndLogout: '放弃未发送的内容并退出',
    storeInfo: '加密存储（SQLCipher · OPFS）已打开 · 第 {n} 次 · 打开用时 {ms} 毫秒 · {mode}',
    keyFromHost: '密钥由宿主页面提供', keyWrapped: '密钥由本浏览器保管（不可导出）',
    error_demo_config: '无法读取平台配置（citykit-config.json）。', error_demo_unexpected: '页面出现意外错误，请重试。',
    reason_life_event: '人生大事', reason_next_step: '下一步', reason_recurring: '定期办理', reason_profile: '画像匹配',
    reason_interest: '您关注过', reason_popular: '热门',
    yes: '是', no: '否',
  },
  en: {
    appTitle: 'Business Services', inbox: 'Inbox', largeToggle: 'Large', largeToggleLabel: 'Large-text mode',
    langToggle: '中文', langToggleLabel: '切换到中文', dismiss: 'Dismiss', loading: 'Opening the encrypted store…',
    loginTitle: 'Sign in as an enterprise agent',
    loginIntro: 'Sign in as yourself through the unified identity service, then act for the enterprise you are an agent of.',
    loginButton: 'Sign in as an agent', sessionExpired: 'Your session has expired; please sign in again.',
    loggedOut: 'Signed out; the personal and enterprise data on this device was removed.',
    identityTitle: 'Acting as', identitiesTitle: 'Identities', person: 'Person', enterprise: 'Enterprise',
    role_agent: 'Agent', role_legal_representative: 'Legal representative', switchTo: 'Switch', current: 'Current',
    accountLine: 'Signed in: {name}',
    licencesTitle: 'E-licences', licencesIntro: 'Fetched from their issuers, verified and kept encrypted on this device; their contents show only when you tap.',
    licencesEmpty: 'No licences fetched yet.', fetchLicences: 'Fetch licences', fetchedLicences: '{n} licences fetched.',
    showClaims: 'Show contents', hideClaims: 'Hide contents', issuer: 'Issuer: {issuer}', holderOf: 'Holder: {name}',
    status_valid: 'Valid', status_revoked: 'Revoked', status_unknown: 'Status unchecked',
    usability_not_yet_valid: 'Not yet valid', usability_expired: 'Expired', usability_revoked: 'Revoked',
    expiringSoon: 'Expiring soon', validUntil: 'Valid until {d}', checkedAt: 'checked {t}',
    policiesTitle: 'Policies for you', policiesIntro: 'Matched on this device from your licences; neither the facts nor the matches leave it.',
    campaignsEmpty: 'No matching policies.', because: 'Because', until: 'Until {d}',
    recommendTitle: 'Recommended', recommendEmpty: 'No recommendations.', notInterested: 'Not interested', apply: 'Apply',
    servicesTitle: 'Services', searchPlaceholder: 'Search services, e.g. 医保', search: 'Search', searchEmpty: 'No matching services.',
    catalogueStatus: 'Catalogue: {n} services (synced {t})', catalogueSyncing: 'Syncing the catalogue…',
    instant: 'Instant', workingDays: '{n} working days', free: 'Free',
    close: 'Close', formIntro: 'Filled from your e-licences (秒报), each value with its source; fill in the remaining required fields.',
    source_verified: 'Government-verified', source_profile: 'From your profile', source_user: 'Typed by you', source_empty: 'To fill in',
    fromLicence: 'from {licence} · {issuer}', fromProfile: "from the agent's own {licence} · {issuer}",
    overridden: 'corrected by you (was government-verified)', derived: 'derived from “{claim}”',
    locked: 'Locked', correct: 'Correct', conflict: 'Another licence holds a different value: {values}', choose: 'Choose…',
    materialsTitle: 'Materials', material_attached: 'Attached from the licence (no paper needed)', material_attached_agent: "Attached from the agent's own licence (no paper needed)", material_tolerated: 'Hand in within {n} days (容缺)',
    material_missing: 'Missing', material_not_provided: 'Not provided (optional)',
    missingFields: 'Still to fill in: {list}.', missingMaterials: 'Missing materials: {list}.', submit: 'Submit',
    caseTitle: 'Your case', caseMeta: 'Case {id} · submitted {t}', due: 'Due by {d}', decidedAt: 'Decided {t}',
    queued: 'Saved; it will be sent when online ({id}).',
    status_approved: 'Approved', status_in_review: 'In review', status_awaiting_signatures: 'Awaiting signatures', status_declined: 'Declined',
    status_expired: 'Expired', status_rejected: 'Rejected', status_awaiting_pledge: 'Awaiting your pledge',
    status_awaiting_material: 'Awaiting material', status_pledge_broken: 'Pledge broken',
    rateTitle: 'Rate this service (好差评)', rateGood: 'Good', rateBad: 'Bad', rateComment: 'Comment (optional)',
    rateCommentPlaceholder: 'Please leave out ID and phone numbers', rateSubmit: 'Submit rating',
    rated_good: 'You rated it: good', rated_bad: 'You rated it: bad', ratingQueued: 'Rating saved; it will be sent when online.',
    inboxTitle: 'Inbox', inboxEmpty: 'No notices.', refresh: 'Refresh', logout: 'Sign out',
    discardAndLogout: 'Discard unsent work and sign out',
    storeInfo: 'Encrypted store (SQLCipher · OPFS) open · time {n} · opened in {ms} ms · {mode}',
    keyFromHost: 'key from the host page', keyWrapped: 'key kept by this browser (not extractable)',
    error_demo_config: 'The platform configuration (citykit-config.json) could not be read.',
    error_demo_unexpected: 'Something went wrong on this page; please try again.',
    reason_life_event: 'Life event', reason_next_step: 'Next step', reason_recurring: 'Due again', reason_profile: 'Your profile',
    reason_interest: 'You looked at it', reason_popular: 'Popular',
    yes: 'yes', no: 'no',
  },
};

/** Licence types (the `vct`'s last part) by name. */
const LICENCE_NAMES = {
  business_licence: ['营业执照', 'Business licence'],
  resident_id_card: ['居民身份证', 'Resident ID card'],
  household_register: ['居民户口簿', 'Household register'],
  driving_licence: ['机动车驾驶证', 'Driving licence'],
  vehicle_registration: ['机动车行驶证', 'Vehicle registration'],
  marriage_certificate: ['结婚证', 'Marriage certificate'],
  birth_medical_certificate: ['出生医学证明', 'Birth medical certificate'],
  real_estate_certificate: ['不动产权证书', 'Real-estate certificate'],
  social_security_card: ['社会保障卡', 'Social security card'],
  food_business_licence: ['食品经营许可证', 'Food business licence'],
  registration_change_notice: ['变更登记通知书', 'Registration change notice'],
};
/** Issuing offices (the issuer identifier's last path segment). */
const OFFICES = {
  'public-security': ['公安局', 'Public Security Bureau'],
  'traffic-police': ['交警支队', 'Traffic Police'],
  'market-regulation': ['市场监督管理局', 'Administration for Market Regulation'],
  'civil-affairs': ['民政局', 'Civil Affairs Bureau'],
  health: ['卫生健康委员会', 'Health Commission'],
  housing: ['住房和建设局', 'Housing and Construction Bureau'],
  'human-resources': ['人力资源和社会保障局', 'Human Resources and Social Security Bureau'],
};
/** Licence claims by name. */
const CLAIMS = {
  name: ['名称/姓名', 'Name'], uscc: ['统一社会信用代码', 'Unified social credit code'], entity_type: ['类型', 'Type'],
  legal_representative: ['法定代表人', 'Legal representative'], registered_capital: ['注册资本', 'Registered capital'],
  established_date: ['成立日期', 'Established'], business_term_until: ['营业期限至', 'Business term until'],
  business_scope: ['经营范围', 'Business scope'], address: ['住所/地址', 'Address'], issuing_authority: ['发证机关', 'Issuing authority'],
  licence_number: ['证照编号', 'Licence number'], id_number: ['公民身份号码', 'ID number'], sex: ['性别', 'Sex'],
  ethnicity: ['民族', 'Ethnicity'], birth_date: ['出生日期', 'Date of birth'], valid_from: ['有效期起', 'Valid from'],
  valid_until: ['有效期至', 'Valid until'], issue_date: ['签发日期', 'Issued'],
};
/** Profile facts a policy rule may read. */
const FACTS = {
  age: ['年龄', 'age'], age_band: ['年龄段', 'age band'], has_vehicle: ['名下有机动车', 'owns a vehicle'],
  owns_property: ['名下有房产', 'owns property'], married: ['已婚', 'married'], children: ['子女数', 'children'],
  industry: ['行业', 'industry'], registered_capital_wan: ['注册资本（万元）', 'registered capital (10,000 yuan)'],
  enterprise_age_years: ['成立年限（年）', 'years since establishment'], district: ['所在区', 'district'], audience: ['对象', 'audience'],
};
const INDUSTRIES = {
  technology: ['科技', 'technology'], catering: ['餐饮', 'catering'], retail: ['零售', 'retail'],
  manufacturing: ['制造', 'manufacturing'], services: ['服务', 'services'],
};
const FINISHED = new Set(['approved', 'declined', 'expired', 'rejected', 'pledge_broken']);
const OAUTH_PARAMS = ['code', 'state', 'error', 'error_description', 'error_uri', 'iss', 'session_state'];
const STORE_WRAPPED = 'citykit-demo';
const STORE_KEYED = 'citykit-demo-key';
const PREFS = { lang: 'citykit-demo.lang', large: 'citykit-demo.large' };

// ----- state -----

const S = {
  lang: readPref(PREFS.lang) === 'en' ? 'en' : 'zh',
  large: readPref(PREFS.large) === '1',
  ck: null,
  keyMode: false,
  opens: 0,
  openMs: null,
  view: 'loading', // loading | login | main | failed
  loginNotice: null,
  actingFor: undefined,
  account: null,
  identities: [],
  current: null,
  licences: [],
  licenceNotice: null,
  shown: new Map(), // licence id → its claims (a Personal), only after a tap
  campaigns: null,
  recommendations: null,
  catalogue: null,
  syncing: false,
  results: null,
  item: null,
  form: null,
  formQueue: Promise.resolve(),
  kase: null,
  queued: null,
  ratingChoice: null,
  ratingQueued: false,
  inbox: null,
  inboxOpen: false,
  unread: 0,
  error: null,
  itemNames: new Map(), // item id → {name_zh, name_en}, for the case card
  epoch: 0, // moves on with every identity change: answers for an earlier identity are dropped
};

/** What the end-to-end test reads: timings and counters, never personal values. */
const metrics = {
  ready: false, view: 'loading', openMs: null, pageOpenMs: null, firstResultMs: null,
  inboxEvents: 0, unread: 0, loginStates: 0, opens: 0, errors: [],
  pushSubscribed: false, pushActions: [], pushErrors: [],
};
window.__citykitDemo = metrics;

// ----- small helpers -----

function readPref(name) { try { return localStorage.getItem(name); } catch { return null; } }
function writePref(name, value) { try { localStorage.setItem(name, value); } catch { /* private mode: not remembered */ } }

function t(key, vars = {}) {
  const text = STRINGS[S.lang][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? ''));
}
/** One of a `[zh, en]` pair, or the record's `*_zh` / `*_en` field. */
const pick = (pair) => (S.lang === 'zh' ? pair[0] : pair[1]);
const zhEn = (record, base) => (S.lang === 'zh' ? record[`${base}_zh`] : record[`${base}_en`]) || record[`${base}_zh`] || '';

const $ = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'testid') node.dataset.testid = value;
    else if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const show = (node, visible) => { node.hidden = !visible; };
const exposed = (p) => (p && typeof p.expose === 'function' ? p.expose() : p);
const tail = (text, sep) => String(text ?? '').split(sep).pop();
const licenceName = (vct) => {
  const kind = tail(vct, ':');
  return LICENCE_NAMES[kind] ? pick(LICENCE_NAMES[kind]) : kind.replace(/_/g, ' ');
};
const officeName = (issuer) => {
  const id = tail(String(issuer ?? '').replace(/\/+$/, ''), '/');
  return OFFICES[id] ? pick(OFFICES[id]) : id;
};
const timeZone = 'Asia/Shanghai';
const locale = () => (S.lang === 'zh' ? 'zh-CN' : 'en-GB');
const when = (secs) => (secs ? new Date(secs * 1000).toLocaleString(locale(), { timeZone, dateStyle: 'medium', timeStyle: 'short' }) : '');
const day = (secs) => (secs ? new Date(secs * 1000).toLocaleDateString(locale(), { timeZone, dateStyle: 'medium' }) : '');

/** A claim's value as text (addresses and other objects joined). */
function claimText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return t(value ? 'yes' : 'no');
  if (Array.isArray(value)) return value.map(claimText).join('、');
  if (typeof value === 'object') return Object.values(value).map(claimText).join('');
  return String(value);
}

/** A policy fact's value (JSON text, personal) as text. */
function factText(fact, json) {
  let value;
  try { value = JSON.parse(json); } catch { return String(json); }
  if (fact === 'industry' && INDUSTRIES[value]) return pick(INDUSTRIES[value]);
  return claimText(value);
}

// ----- errors: always a code and a message in the chosen language -----

function pageError(name) {
  return { code: `demo.${name}`, message: STRINGS.en[`error_demo_${name}`], messageZh: STRINGS.zh[`error_demo_${name}`] };
}

function showError(e, action) {
  const error = e && typeof e.code === 'string' && e.code
    ? { code: e.code, message: String(e.message ?? ''), messageZh: String(e.messageZh ?? e.message ?? '') }
    : pageError('unexpected');
  S.error = { ...error, action };
  metrics.errors.push(error.code);
  renderError();
}

function renderError() {
  const box = $('error');
  const error = S.error;
  show(box, !!error);
  if (!error) return;
  box.dataset.code = error.code;
  $('error-code').textContent = error.code;
  $('error-message').textContent = S.lang === 'zh' ? error.messageZh || error.message : error.message || error.messageZh;
  const action = $('error-action');
  show(action, !!error.action);
  if (error.action) action.textContent = t(error.action.label);
}

/** Runs a user action: the button shows it is busy, an error is shown, never thrown. */
async function act(button, fn) {
  if (button) { button.disabled = true; button.setAttribute('aria-busy', 'true'); }
  try {
    return await fn();
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    if (button && button.isConnected) { button.disabled = false; button.removeAttribute('aria-busy'); }
  }
}

addEventListener('unhandledrejection', (event) => { event.preventDefault(); showError(event.reason); });
addEventListener('error', (event) => { event.preventDefault(); showError(event.error); });

// ----- settings: language and large text -----

function applySettings() {
  document.documentElement.classList.toggle('large', S.large);
  document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
  $('large-toggle').setAttribute('aria-pressed', String(S.large));
  document.title = t('appTitle');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of document.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
}

function toggleLanguage() {
  S.lang = S.lang === 'zh' ? 'en' : 'zh';
  writePref(PREFS.lang, S.lang);
  applySettings();
  renderAll();
  if (S.form) buildForm(true);
}

function toggleLarge() {
  S.large = !S.large;
  writePref(PREFS.large, S.large ? '1' : '0');
  applySettings();
}

// ----- rendering -----

function setView(view) {
  S.view = view;
  metrics.view = view;
  renderAll();
}

function renderAll() {
  const main = S.view === 'main';
  show($('loading'), S.view === 'loading');
  show($('login-view'), S.view === 'login');
  for (const id of ['identity-card', 'licence-card', 'policies', 'services', 'logout-card', 'inbox-button']) show($(id), main);
  show($('form'), main && !!S.form);
  show($('case'), main && !!(S.kase || S.queued));
  show($('inbox'), main && S.inboxOpen);
  const notice = $('login-notice');
  show(notice, !!S.loginNotice);
  notice.textContent = S.loginNotice ? t(S.loginNotice) : '';
  renderError();
  renderBadge();
  renderStoreInfo();
  if (!main) return;
  renderIdentity();
  renderLicences();
  renderPolicies();
  renderCatalogueStatus();
  renderResults();
  renderCase();
  renderInbox();
}

function renderStoreInfo() {
  const footer = $('store-info');
  footer.dataset.opens = String(S.opens);
  footer.textContent = S.opens
    ? t('storeInfo', { n: S.opens, ms: Math.round(S.openMs ?? 0), mode: t(S.keyMode ? 'keyFromHost' : 'keyWrapped') })
    : '';
}

function renderBadge() {
  const badge = $('inbox-badge');
  badge.textContent = String(S.unread);
  badge.dataset.count = String(S.unread);
  $('inbox-button').setAttribute('aria-pressed', String(S.inboxOpen));
}

function kindTag(identity) {
  const kind = identity.kind === 'enterprise' ? 'enterprise' : 'person';
  const role = identity.role ? ` · ${t(`role_${identity.role}`)}` : '';
  return t(kind) + role;
}

function renderIdentity() {
  const current = S.current;
  $('current-identity').textContent = current ? exposed(current.name) : '';
  $('current-identity').dataset.kind = current ? current.kind : '';
  $('current-identity').dataset.id = current ? current.id : '';
  $('current-kind').textContent = current ? kindTag(current) : '';
  $('account-line').textContent = S.account ? t('accountLine', { name: exposed(S.account.name) }) : '';
  const list = $('identities');
  list.replaceChildren(...S.identities.map((identity) => {
    const isCurrent = current && identity.id === current.id;
    return el('li', { testid: `identity-${identity.id}`, 'data-kind': identity.kind },
      el('div', { class: 'row' },
        el('div', { class: 'grow' },
          el('strong', { text: exposed(identity.name) }), el('br'),
          el('span', { class: 'muted small', text: kindTag(identity) + (identity.uscc ? ` · ${identity.uscc}` : '') })),
        isCurrent
          ? el('span', { class: 'tag ok', text: t('current') })
          : el('button', { type: 'button', testid: `switch-${identity.id}`, text: t('switchTo'),
            onclick: (ev) => act(ev.currentTarget, () => switchTo(identity.id)) })));
  }));
}

function licenceStatusTag(l) {
  if (l.usability && l.usability !== 'usable') return el('span', { class: 'tag bad', testid: 'licence-status', 'data-status': l.usability, text: t(`usability_${l.usability}`) });
  const cls = l.status === 'valid' ? 'tag ok' : l.status === 'revoked' ? 'tag bad' : 'tag warn';
  return el('span', { class: cls, testid: 'licence-status', 'data-status': l.status, text: t(`status_${l.status}`) });
}

function renderLicences() {
  $('licence-holder').textContent = S.current ? t('holderOf', { name: exposed(S.current.name) }) : '';
  const list = $('licences');
  list.replaceChildren(...S.licences.map((l) => {
    const claims = S.shown.get(l.id);
    const dates = [l.expires_at ? t('validUntil', { d: day(l.expires_at) }) : null, l.status_checked_at ? t('checkedAt', { t: when(l.status_checked_at) }) : null]
      .filter(Boolean).join(' · ');
    return el('li', { testid: `licence-${tail(l.vct, ':')}`, 'data-licence-id': l.id },
      el('div', { class: 'title-line' }, el('strong', { testid: 'licence-name', text: licenceName(l.vct) }),
        el('span', {}, l.expiring_soon ? el('span', { class: 'tag warn', text: t('expiringSoon') }) : null, ' ', licenceStatusTag(l))),
      el('div', { class: 'muted small', testid: 'licence-issuer', text: t('issuer', { issuer: officeName(l.issuer) }) }),
      dates ? el('div', { class: 'muted small', text: dates }) : null,
      el('button', { type: 'button', class: 'link', testid: claims ? 'licence-hide' : 'licence-show', text: t(claims ? 'hideClaims' : 'showClaims'),
        onclick: (ev) => act(ev.currentTarget, () => toggleClaims(l.id)) }),
      claims ? renderClaims(exposed(claims)) : null);
  }));
  show($('licences-empty'), S.licences.length === 0);
  const notice = S.licenceNotice;
  $('fetch-licences').title = notice ? t('fetchedLicences', { n: notice }) : '';
}

function renderClaims(claims) {
  const rows = [];
  for (const [name, value] of Object.entries(claims || {})) {
    if (name.startsWith('_') || ['cnf', 'status', 'vct', 'iss', 'iat', 'exp', 'nbf'].includes(name)) continue;
    rows.push(el('dt', { text: CLAIMS[name] ? pick(CLAIMS[name]) : name }), el('dd', { 'data-claim': name, text: claimText(value) }));
  }
  return el('dl', { class: 'claims', testid: 'licence-claims' }, rows);
}

function renderPolicies() {
  const campaigns = S.campaigns || [];
  $('campaigns').replaceChildren(...campaigns.map((c) => el('li', { testid: `campaign-${c.campaign_id}` },
    el('div', { class: 'title-line' }, el('strong', { testid: 'campaign-title', text: zhEn(c, 'title') }),
      c.item_id ? el('button', { type: 'button', testid: `campaign-apply-${c.campaign_id}`, text: t('apply'),
        onclick: (ev) => act(ev.currentTarget, () => apply(c.item_id)) }) : null),
    el('div', { class: 'muted small', text: `${t('because')}:` }),
    el('ul', { class: 'facts', testid: 'campaign-facts' }, c.because.map((f) =>
      el('li', { testid: `fact-${f.fact}`, text: `${FACTS[f.fact] ? pick(FACTS[f.fact]) : f.fact} = ${factText(f.fact, exposed(f.value))}` }))),
    el('div', { class: 'muted small', text: t('until', { d: day(c.until) }) }))));
  show($('campaigns-empty'), S.campaigns !== null && campaigns.length === 0);
  const recs = S.recommendations || [];
  $('recommendations').replaceChildren(...recs.map((r) => el('li', { testid: `rec-${r.item_id}`, 'data-reason': r.reason },
    el('div', { class: 'title-line' }, el('strong', { text: zhEn(r, 'name') }), el('span', { class: 'tag', text: t(`reason_${r.reason}`) })),
    el('div', { class: 'muted small', testid: 'reason', text: zhEn(r, 'reason') }),
    el('div', { class: 'row' },
      el('button', { type: 'button', testid: `apply-rec-${r.item_id}`, text: t('apply'), onclick: (ev) => act(ev.currentTarget, () => apply(r.item_id)) }),
      el('button', { type: 'button', class: 'link', testid: `dismiss-${r.item_id}`, text: t('notInterested'),
        onclick: (ev) => act(ev.currentTarget, async () => { await S.ck.recommend.dismiss(r.item_id, 'dismiss'); await loadRecommendations(); }) })))));
  show($('recommendations-empty'), S.recommendations !== null && recs.length === 0);
}

function renderCatalogueStatus() {
  const status = $('catalogue-status');
  if (S.syncing) status.textContent = t('catalogueSyncing');
  else if (S.catalogue) status.textContent = t('catalogueStatus', { n: S.catalogue.item_count, t: when(S.catalogue.synced_at) });
  else status.textContent = '';
}

function renderResults() {
  const results = S.results || [];
  $('search-results').replaceChildren(...results.map((item) => el('li', { testid: `result-${item.id}` },
    el('div', { class: 'title-line' }, el('strong', { text: zhEn(item, 'name') }),
      el('span', { class: item.instant ? 'tag ok' : 'tag plain', text: item.instant ? t('instant') : t('workingDays', { n: item.promised_working_days }) })),
    el('div', { class: 'muted small', text: `${zhEn(item.office, 'name')} · ${item.code}${item.fee_fen ? '' : ` · ${t('free')}`}` }),
    el('button', { type: 'button', class: 'primary', testid: `apply-${item.id}`, text: t('apply'), onclick: (ev) => act(ev.currentTarget, () => apply(item.id)) }))));
  show($('search-empty'), S.results !== null && results.length === 0);
}

// ----- the form: every field with where its value comes from -----

/** Whose licence a government-verified value was read from: the enterprise's own ("verified")
 * or the agent's ("profile"), as the item's form names its sources; else typed or empty. */
function sourceKind(field) {
  if (field.origin === 'government_verified' && field.provenance) {
    const schema = S.item?.form?.fields?.find((f) => f.name === field.name);
    const p = field.provenance;
    const ofAgent = schema?.sources?.some((s) => s.vct === p.vct && s.claim === p.claim && s.of === 'agent');
    return ofAgent ? 'profile' : 'verified';
  }
  return field.origin === 'user_provided' ? 'user' : 'empty';
}

function sourceLine(field) {
  const kind = sourceKind(field);
  const cls = { verified: 'tag ok', profile: 'tag', user: 'tag warn', empty: 'tag plain' }[kind];
  const parts = [el('span', { class: cls, testid: 'source-kind', text: t(`source_${kind}`) })];
  const p = field.provenance;
  if (kind === 'verified' || kind === 'profile') {
    parts.push(el('span', { testid: 'source-detail', text: t(kind === 'verified' ? 'fromLicence' : 'fromProfile', { licence: licenceName(p.vct), issuer: officeName(p.issuer) }) }));
    if (p.derive) parts.push(el('span', { class: 'muted', text: `(${t('derived', { claim: CLAIMS[p.claim] ? pick(CLAIMS[p.claim]) : p.claim })})` }));
    if (field.locked) parts.push(el('span', { class: 'muted', text: `· ${t('locked')}` }));
  } else if (kind === 'user' && field.overridden) {
    parts.push(el('span', { testid: 'source-detail', text: t('overridden') }));
  }
  return el('div', { class: 'source', testid: `source-${field.name}`, 'data-source': kind }, parts);
}

function fieldInput(field) {
  const value = field.value ? String(exposed(field.value)) : '';
  const id = `in-${field.name}`;
  const commit = (ev) => commitField(field.name, ev.currentTarget.value, ev.currentTarget.dataset.override === '1');
  if (field.field_type === 'choice') {
    const schema = S.item?.form?.fields?.find((f) => f.name === field.name);
    return el('select', { id, testid: `input-${field.name}`, onchange: commit },
      el('option', { value: '', text: t('choose') }),
      (schema?.options || []).map((o) => el('option', { value: o.value, selected: o.value === value, text: zhEn(o, 'label') })));
  }
  const type = field.field_type === 'date' ? 'date' : field.field_type === 'phone' ? 'tel' : 'text';
  const input = el('input', { id, type, testid: `input-${field.name}`, onchange: commit,
    inputmode: field.field_type === 'phone' ? 'tel' : undefined, autocomplete: 'off' });
  input.value = value;
  return input;
}

function fieldRow(field) {
  const locked = field.origin === 'government_verified' && field.locked;
  const label = el('label', { for: `in-${field.name}`, class: field.required ? 'required' : undefined, text: zhEn(field, 'label') });
  let control;
  if (locked) {
    control = el('div', { class: 'row' },
      el('div', { class: 'value grow', testid: `value-${field.name}`, text: String(exposed(field.value) ?? '') }),
      el('button', { type: 'button', class: 'link', testid: `correct-${field.name}`, text: t('correct'), onclick: () => {
        const row = $(`field-${field.name}`);
        const input = fieldInput({ ...field, value: field.value });
        input.dataset.override = '1';
        row.replaceWith(el('div', { class: 'field', testid: `field-${field.name}`, 'data-source': 'verified' }, label, input, sourceLine(field)));
        input.focus();
      } }));
  } else {
    control = fieldInput(field);
  }
  const conflicts = field.conflicts?.length
    ? el('div', { class: 'muted small', text: t('conflict', { values: field.conflicts.map((c) => `${exposed(c.value)} (${licenceName(c.provenance.vct)})`).join('; ') }) })
    : null;
  const error = field.error ? el('div', { class: 'error', testid: `error-${field.name}`, 'data-problem': field.error.problem, text: zhEn(field.error, 'message') }) : null;
  return el('div', { class: 'field', testid: `field-${field.name}`, 'data-source': sourceKind(field) }, label, control, sourceLine(field), conflicts, error);
}

/** Builds the form card from S.form (keeping what the person typed but not yet committed when
 * `keepTyped`). */
function buildForm(keepTyped = false) {
  const form = S.form;
  if (!form) return;
  const typed = new Map();
  if (keepTyped) for (const input of $('form-fields').querySelectorAll('input, select')) typed.set(input.dataset.testid, input.value);
  $('form-title').textContent = zhEn(form, 'item_name');
  $('source-legend').replaceChildren(...['verified', 'profile', 'user', 'empty'].map((k) =>
    el('span', { class: { verified: 'tag ok', profile: 'tag', user: 'tag warn', empty: 'tag plain' }[k], text: t(`source_${k}`) })));
  $('form-fields').replaceChildren(...form.fields.map(fieldRow));
  for (const [testid, value] of typed) { const input = $(testid, $('form-fields')); if (input) input.value = value; }
  renderFormStatus();
}

/** Updates the rows after a change, leaving the one being edited alone. */
function patchForm() {
  const container = $('form-fields');
  for (const field of S.form.fields) {
    const row = $(`field-${field.name}`, container);
    if (!row) continue;
    if (row.contains(document.activeElement) && document.activeElement !== document.body) {
      row.dataset.source = sourceKind(field);
      $(`source-${field.name}`, row).replaceWith(sourceLine(field));
      const old = $(`error-${field.name}`, row);
      if (old) old.remove();
      if (field.error) row.append(el('div', { class: 'error', testid: `error-${field.name}`, 'data-problem': field.error.problem, text: zhEn(field.error, 'message') }));
    } else {
      row.replaceWith(fieldRow(field));
    }
  }
  renderFormStatus();
}

function renderFormStatus() {
  const form = S.form;
  $('materials').replaceChildren(...form.materials.map((m) => el('li', { testid: `material-${m.id}`, 'data-state': m.state },
    el('div', { class: 'title-line' }, el('span', { text: zhEn(m, 'name') }),
      el('span', { class: m.state === 'attached' ? 'tag ok' : m.state === 'missing' ? 'tag bad' : 'tag warn',
        text: t(m.state === 'attached' && m.held_by === 'agent' ? 'material_attached_agent' : `material_${m.state}`, { n: m.tolerance_days ?? '' }) })))));
  const missing = form.missing_required.map((name) => zhEn(form.fields.find((f) => f.name === name) || { label_zh: name, label_en: name }, 'label'));
  const materials = form.materials.filter((m) => m.state === 'missing').map((m) => zhEn(m, 'name'));
  const notice = $('form-missing');
  notice.dataset.missingFields = form.missing_required.join(' ');
  notice.dataset.missingMaterials = form.materials.filter((m) => m.state === 'missing').map((m) => m.id).join(' ');
  show(notice, missing.length + materials.length > 0);
  notice.textContent = [
    missing.length ? t('missingFields', { list: missing.join('、') }) : null,
    materials.length ? t('missingMaterials', { list: materials.join('、') }) : null,
  ].filter(Boolean).join(' ');
}

function commitField(name, value, override = false) {
  const draftId = S.form.draft_id;
  S.formQueue = S.formQueue.then(async () => {
    try {
      const form = await S.ck.autofill.setField(draftId, name, value === '' ? null : value, override);
      if (S.form && S.form.draft_id === draftId) { S.form = form; patchForm(); }
    } catch (e) {
      showError(e);
    }
  });
  return S.formQueue;
}

// ----- the case -----

/** An item's names from the stored catalogue (null when it is not there). */
async function itemName(id) {
  try {
    const item = await S.ck.catalogue.item(id);
    S.itemNames.set(id, { name_zh: item.name_zh, name_en: item.name_en });
    return S.itemNames.get(id);
  } catch {
    return null;
  }
}

function renderCase() {
  const card = $('case');
  const kase = S.kase;
  card.dataset.caseId = kase ? kase.id : '';
  if (!kase && !S.queued) return;
  if (!kase) {
    $('case-item').textContent = '';
    $('case-status').textContent = t('queued', { id: S.queued.submission_id });
    $('case-status').dataset.status = 'queued';
    show($('rating'), false);
    show($('case-rating'), false);
    return;
  }
  const names = S.itemNames.get(kase.item_id);
  $('case-item').textContent = names ? zhEn(names, 'name') : kase.item_id;
  if (!names) itemName(kase.item_id).then((found) => { if (found && S.kase && S.kase.item_id === kase.item_id) renderCase(); });
  const status = $('case-status');
  status.textContent = t(`status_${kase.status}`);
  status.dataset.status = kase.status;
  status.className = `status-big ${kase.status === 'approved' ? 'tag ok' : FINISHED.has(kase.status) ? 'tag bad' : 'tag warn'}`;
  const meta = [t('caseMeta', { id: kase.id, t: when(kase.submitted_at) })];
  if (kase.due_date && !FINISHED.has(kase.status)) meta.push(t('due', { d: kase.due_date }));
  if (kase.decided_at) meta.push(t('decidedAt', { t: when(kase.decided_at) }));
  $('case-meta').textContent = meta.join(' · ');
  $('case-history').replaceChildren(...(kase.history || []).map((h) => el('li', { 'data-status': h.status },
    `${when(h.at)} · ${t(`status_${h.status}`)}${zhEn(h, 'note') ? ` · ${zhEn(h, 'note')}` : ''}`)));
  const canRate = FINISHED.has(kase.status) && !kase.rating && !S.ratingQueued;
  show($('rating'), canRate);
  $('rate-good').setAttribute('aria-pressed', String(S.ratingChoice === 'good'));
  $('rate-bad').setAttribute('aria-pressed', String(S.ratingChoice === 'bad'));
  $('rate-submit').disabled = !S.ratingChoice;
  const rated = $('case-rating');
  show(rated, !!kase.rating || S.ratingQueued);
  rated.dataset.rating = kase.rating || '';
  rated.textContent = kase.rating ? t(`rated_${kase.rating}`) : S.ratingQueued ? t('ratingQueued') : '';
}

function renderInbox() {
  const items = S.inbox || [];
  $('inbox-items').replaceChildren(...items.map((item) => el('li', { testid: `inbox-item-${item.id}`, class: `inbox-item${item.read ? '' : ' unread'}`, 'data-read': String(item.read) },
    el('button', { type: 'button', class: 'inbox-open', onclick: (ev) => act(ev.currentTarget, () => openInboxItem(item)) },
      el('strong', { text: zhEn(item, 'title') }), el('br'),
      el('span', { class: 'muted small', text: [when(item.at), item.case_id, item.status ? t(`status_${item.status}`) : null].filter(Boolean).join(' · ') })))));
  show($('inbox-empty'), S.inbox !== null && items.length === 0);
}

// ----- flows -----

async function startLogin() {
  const request = await S.ck.identity.startLogin();
  location.assign(request.authorization_url);
}

let mainLoading = null;
let mainAgain = false;
/** (Re)loads everything shown for the logged-in identity; calls made meanwhile coalesce. */
function scheduleMain() {
  if (mainLoading) { mainAgain = true; return mainLoading; }
  mainLoading = (async () => {
    try {
      do { mainAgain = false; await loadMain(); } while (mainAgain);
    } catch (e) {
      showError(e);
    } finally {
      mainLoading = null;
    }
  })();
  return mainLoading;
}

async function loadMain() {
  const ck = S.ck;
  const [account, current] = await Promise.all([ck.identity.account(), ck.identity.currentIdentity()]);
  const switched = !S.current || S.current.id !== current.id;
  S.account = account;
  S.current = current;
  S.actingFor = current.kind === 'enterprise' ? current.id : null;
  if (switched) {
    S.epoch += 1;
    S.shown.clear();
    S.licenceNotice = null;
    S.campaigns = S.recommendations = null;
    S.form = S.item = null;
    S.kase = S.queued = null;
    S.ratingChoice = null;
    S.ratingQueued = false;
    S.inbox = null;
  }
  // What the store has first (offline), then the platform's list of identities.
  if (switched || S.identities.length === 0) S.identities = [current];
  S.licences = await ck.wallet.licences();
  if (!S.kase) {
    const stored = await ck.cases.storedCases();
    S.kase = stored.sort((a, b) => b.submitted_at - a.submitted_at)[0] || null;
  }
  S.loginNotice = null;
  setView('main');
  metrics.ready = true;
  const q = new URL(location.href).searchParams.get('q');
  if (q && S.results === null) { $('search-input').value = q; await search(q); }
  try { S.identities = await ck.identity.identities(); } catch (e) { showError(e); }
  renderIdentity();
  // Online work in the background: the catalogue (ETag: 304 when unchanged), then what is
  // ranked from it, and the inbox (its events move the badge).
  if (switched) {
    syncCatalogue().then(loadRecommendations);
    pullInbox();
  }
}

async function syncCatalogue() {
  S.syncing = true;
  renderCatalogueStatus();
  try {
    S.catalogue = await S.ck.catalogue.sync();
  } catch (e) {
    showError(e);
  } finally {
    S.syncing = false;
    renderCatalogueStatus();
  }
}

async function loadRecommendations() {
  const ck = S.ck;
  const epoch = S.epoch;
  const [campaigns, recommendations] = await Promise.allSettled([ck.recommend.campaigns(), ck.recommend.recommend(5)]);
  if (epoch !== S.epoch) return;
  if (campaigns.status === 'fulfilled') S.campaigns = campaigns.value; else showError(campaigns.reason);
  if (recommendations.status === 'fulfilled') S.recommendations = recommendations.value; else showError(recommendations.reason);
  if (S.view === 'main') renderPolicies();
}

async function pullInbox() {
  const epoch = S.epoch;
  let items;
  try {
    items = await S.ck.cases.inbox();
  } catch (e) {
    showError(e);
    items = await S.ck.cases.storedInbox().catch(() => null);
  }
  if (epoch !== S.epoch) return;
  if (items) S.inbox = items;
  if (S.view === 'main') renderInbox();
}

async function switchTo(id) {
  await S.ck.identity.switchIdentity(id);
  await scheduleMain();
}

async function fetchLicences() {
  const epoch = S.epoch;
  const licences = await S.ck.wallet.fetchLicences();
  if (epoch !== S.epoch) return;
  S.licences = licences;
  S.licenceNotice = licences.length;
  renderLicences();
  await loadRecommendations();
}

async function toggleClaims(id) {
  if (S.shown.has(id)) S.shown.delete(id);
  else S.shown.set(id, (await S.ck.wallet.licence(id)).claims);
  renderLicences();
}

async function search(query) {
  const q = query.trim();
  if (!q) return;
  S.results = await S.ck.catalogue.search(q, 10);
  renderResults();
  if (S.results.length > 0 && metrics.firstResultMs === null) {
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    metrics.firstResultMs = performance.now();
  }
  S.ck.recommend.recordSearch(q).catch(() => {});
}

async function apply(itemId) {
  const ck = S.ck;
  const item = await ck.catalogue.item(itemId);
  const form = await ck.autofill.fill(itemId);
  ck.recommend.recordView(itemId).catch(() => {});
  S.item = item;
  S.form = form;
  S.formQueue = Promise.resolve();
  buildForm();
  show($('form'), true);
  $('form').scrollIntoView({ block: 'start' });
}

async function submitForm() {
  // A value typed without leaving its field has fired no change yet: commit it first.
  for (const input of $('form-fields').querySelectorAll('input, select')) {
    const name = input.dataset.testid.replace(/^input-/, '');
    const field = S.form.fields.find((f) => f.name === name);
    const current = field && field.value ? String(exposed(field.value)) : '';
    if (field && input.value !== current) commitField(name, input.value, input.dataset.override === '1');
  }
  await S.formQueue;
  S.itemNames.set(S.form.item_id, { name_zh: S.form.item_name_zh, name_en: S.form.item_name_en });
  const outcome = await S.ck.cases.submit(S.form.draft_id);
  S.ratingChoice = null;
  S.ratingQueued = false;
  if (outcome.outcome === 'accepted') { S.kase = outcome.case; S.queued = null; } else { S.queued = outcome; S.kase = null; }
  S.form = S.item = null;
  renderAll();
  $('case').scrollIntoView({ block: 'start' });
}

async function refreshCase() {
  if (S.kase) S.kase = await S.ck.cases.getCase(S.kase.id);
  else if (S.queued) {
    await S.ck.cases.retryPending(true);
    const stored = await S.ck.cases.storedCases();
    S.kase = stored.sort((a, b) => b.submitted_at - a.submitted_at)[0] || null;
    if (S.kase) S.queued = null;
  }
  renderCase();
  renderAll();
  await pullInbox();
}

async function rate() {
  const comment = $('rate-comment').value.trim();
  const outcome = await S.ck.cases.rate(S.kase.id, S.ratingChoice, comment || null);
  if (outcome.outcome === 'accepted') S.kase = outcome.case; else S.ratingQueued = true;
  renderCase();
}

async function openInboxItem(item) {
  if (!item.read) {
    await S.ck.cases.markRead(item.id);
    item.read = true;
  }
  renderInbox();
}

async function toggleInbox() {
  S.inboxOpen = !S.inboxOpen;
  renderAll();
  if (S.inboxOpen) {
    await pullInbox();
    $('inbox').scrollIntoView({ block: 'start' });
  }
}

async function logout(discardUnsent = false) {
  try {
    await S.ck.identity.logout(discardUnsent);
  } catch (e) {
    if (e && e.code === 'auth.unsent_work') { showError(e, { label: 'discardAndLogout', run: () => logout(true) }); return; }
    throw e;
  }
  S.error = null;
  loggedOut('loggedOut');
}

function loggedOut(notice) {
  Object.assign(S, {
    account: null, identities: [], current: null, actingFor: undefined, licences: [], campaigns: null, recommendations: null,
    results: null, item: null, form: null, kase: null, queued: null, inbox: null, inboxOpen: false, ratingChoice: null, ratingQueued: false,
  });
  S.shown.clear();
  S.loginNotice = notice;
  setView('login');
  metrics.ready = true;
}

function onLoginState(state) {
  metrics.loginStates += 1;
  if (state.state === 'logged_in') {
    if (S.view !== 'main' || (state.acting_for ?? null) !== S.actingFor) scheduleMain();
  } else if (S.view !== 'login' || state.state === 'session_expired') {
    loggedOut(state.state === 'session_expired' ? 'sessionExpired' : S.view === 'main' ? 'loggedOut' : null);
  }
}

function onInbox(change) {
  metrics.inboxEvents += 1;
  S.unread = change.unread_count;
  metrics.unread = S.unread;
  renderBadge();
  if (change.kind === 'cleared') S.inbox = null;
  else if (S.inboxOpen && change.kind !== 'read') S.ck.cases.storedInbox().then((items) => { S.inbox = items; renderInbox(); }, showError);
}

// ----- push: the host app's bridge -----
// In a mini-program web view the host app owns the push channel (its FCM or APNs token, or a
// browser's push service): it tells the page its endpoint and hands it every raw push body, as
// window messages. The SDK keeps the push keys, decrypts (RFC 8291), checks the platform's
// signature, de-duplicates and applies quiet hours; the page shows only what it is told to.
async function onHostMessage(ev) {
  const data = ev.data;
  if (ev.source !== window && ev.source !== window.parent) return;
  if (!data || typeof data !== 'object' || !S.ck || S.view !== 'main') return;
  try {
    if (data.type === 'citykit-push-endpoint' && typeof data.endpoint === 'string') {
      await S.ck.push.subscribe(data.endpoint);
      metrics.pushSubscribed = true;
    } else if (data.type === 'citykit-push' && data.body) {
      const outcome = await S.ck.push.receive(new Uint8Array(data.body), S.lang);
      metrics.pushActions.push(outcome.action.action);
      if (outcome.action.action === 'show') {
        $('push-toast').querySelector('[data-testid="push-title"]').textContent = outcome.action.title;
        $('push-toast').querySelector('[data-testid="push-body"]').textContent = outcome.action.body;
        show($('push-toast'), true);
      }
    }
  } catch (e) {
    metrics.pushErrors.push(e && e.code);
    showError(e);
  }
}

// ----- start -----

function wire() {
  $('lang-toggle').addEventListener('click', toggleLanguage);
  $('large-toggle').addEventListener('click', toggleLarge);
  $('error-dismiss').addEventListener('click', () => { S.error = null; renderError(); });
  $('error-action').addEventListener('click', (ev) => {
    const action = S.error && S.error.action;
    S.error = null;
    renderError();
    if (action) act(ev.currentTarget, action.run);
  });
  $('login-agent').addEventListener('click', (ev) => act(ev.currentTarget, startLogin));
  $('fetch-licences').addEventListener('click', (ev) => act(ev.currentTarget, fetchLicences));
  $('recommend-refresh').addEventListener('click', (ev) => act(ev.currentTarget, loadRecommendations));
  $('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act($('search-button'), () => search($('search-input').value));
  });
  $('form-close').addEventListener('click', () => { S.form = S.item = null; renderAll(); });
  $('submit').addEventListener('click', (ev) => act(ev.currentTarget, submitForm));
  $('case-refresh').addEventListener('click', (ev) => act(ev.currentTarget, refreshCase));
  for (const rating of ['good', 'bad']) {
    $(`rate-${rating}`).addEventListener('click', () => { S.ratingChoice = rating; renderCase(); });
  }
  $('rate-submit').addEventListener('click', (ev) => act(ev.currentTarget, rate));
  $('inbox-button').addEventListener('click', (ev) => act(ev.currentTarget, toggleInbox));
  $('inbox-refresh').addEventListener('click', (ev) => act(ev.currentTarget, pullInbox));
  $('logout').addEventListener('click', (ev) => act(ev.currentTarget, () => logout(false)));
  $('push-toast').addEventListener('click', () => show($('push-toast'), false));
  addEventListener('message', onHostMessage);
  document.addEventListener('visibilitychange', () => { if (!document.hidden && S.view === 'main') pullInbox(); });
}

/** Opens the store; while the previous page's Worker still holds it (`store.in_use` for a
 * moment after a reload or a redirect) it tries again, for up to 5 s. */
async function openStore(ck, key, platform) {
  const deadline = performance.now() + 5000;
  for (;;) {
    try {
      return S.keyMode ? await ck.open(STORE_KEYED, key, platform) : await ck.openWrapped(STORE_WRAPPED, platform);
    } catch (e) {
      if (!(e && e.code === 'store.in_use') || performance.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function boot() {
  applySettings();
  wire();
  renderAll();
  const url = new URL(location.href);
  const key = url.searchParams.get('key');
  S.keyMode = key !== null;
  let platform;
  try {
    const answer = await fetch('./citykit-config.json', { cache: 'no-store' });
    if (!answer.ok) throw new Error('config');
    platform = await answer.json();
  } catch {
    showError(pageError('config'));
    setView('failed');
    return;
  }
  const ck = new CityKitWorker();
  // The store's OPFS handles belong to one Worker at a time: let them go as this page goes
  // (a reload, the sign-in redirect), so that the next page's Worker can take them.
  addEventListener('pagehide', () => ck.terminate());
  const started = performance.now();
  try {
    const opened = await openStore(ck, key, platform);
    S.openMs = opened.openMs;
    metrics.openMs = opened.openMs;
    metrics.pageOpenMs = performance.now() - started;
  } catch (e) {
    ck.terminate();
    showError(e);
    setView('failed');
    metrics.ready = true;
    return;
  }
  S.ck = ck;
  // A non-personal record of how often this store was opened: it shows that what was written
  // before (another load, a wrong key tried in between) is still there.
  const before = await ck.call('get', 'demo', 'opens');
  S.opens = (before ? Number(JSON.parse(before).count) || 0 : 0) + 1;
  metrics.opens = S.opens;
  await ck.call('put', 'demo', 'opens', JSON.stringify({ count: S.opens }));
  renderStoreInfo();
  if (OAUTH_PARAMS.slice(0, 3).some((p) => url.searchParams.has(p))) {
    try {
      await ck.identity.completeLogin(location.href);
    } catch (e) {
      showError(e);
    } finally {
      for (const p of OAUTH_PARAMS) url.searchParams.delete(p);
      history.replaceState(null, '', url.pathname + (url.search || '') + url.hash);
    }
  }
  await ck.on('inbox', onInbox);
  await ck.on('loginState', onLoginState);
}

boot().catch((e) => { showError(e); setView('failed'); metrics.ready = true; });
