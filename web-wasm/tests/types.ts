// Type-checked by `tsc --noEmit --strict` against the built package's declarations
// (web-wasm/run-tests.sh): the web face's records are the core's, declared by tsify from the
// core's types, and every sub-client method returns them. Never run, only compiled.
import { WebClient, Personal, validateField } from './citykit_wasm.js';
import { CityKitWorker, type CityKitError } from './citykit-web.js';
import type { Envelope, LoginRequest, Account, LicenceSummary, FilledForm, SubmissionOutcome, Recommendation, CampaignMatch, LoginState, InboxChange } from './citykit_wasm.js';
import type { ItemSummary, ServiceItem, VerifiedPresentation, FieldError, CatalogueSync, Bundle, FieldProblem, EnvelopeClaims } from './citykit_wasm.js';

export async function usage(client: WebClient, catalogueJson: string, scanned: string): Promise<string[]> {
  const sync: CatalogueSync = await client.catalogue().import(catalogueJson);
  const hits: ItemSummary[] = await client.catalogue().search('社保', 20);
  const item: ServiceItem = await client.catalogue().item(hits[0].id);
  const bundles: Bundle[] = await client.catalogue().bundles();
  const verified: VerifiedPresentation = await client.verifier('kiosk-1', []).verify(scanned);
  const claims: Personal = verified.claims;
  const problem: FieldError | undefined = validateField(JSON.stringify(item.form.fields[0]), null);
  const kind: FieldProblem | undefined = problem?.problem;
  const checked: boolean = verified.status_checked;
  const age: number | undefined | null = verified.status_list_age_secs;
  const envelope: EnvelopeClaims = client.envelopeWindow('{}').verify(scanned);
  const envelopeId: string = envelope.envelope_id;
  return [envelopeId, sync.version, item.name_zh, String(bundles.length), String(claims), String(kind), String(checked), String(age), item.form.fields[0].type];
}

export async function inAWorker(keyHex: string): Promise<string | undefined> {
  const direct: WebClient = await WebClient.open('citizen', keyHex, { issuer: 'https://idp', client_id: 'c', redirect_uri: 'https://app/' });
  direct.free();
  const ck: CityKitWorker = await CityKitWorker.open('citizen', keyHex);
  const login: LoginRequest = await ck.identity.startLogin();
  const account: Account = await ck.identity.completeLogin(login.authorization_url);
  const licences: LicenceSummary[] = await ck.wallet.fetchLicences();
  const form: FilledForm = await ck.autofill.fill('enterprise-tax-registration');
  const outcome: SubmissionOutcome = await ck.cases.submit(form.draft_id);
  const rated: SubmissionOutcome = await ck.cases.rate('case-1', 'good', null);
  const ranked: Recommendation[] = await ck.recommend.recommend(10);
  const envelopes: Envelope[] = await ck.envelopes.storedEnvelopes();
  const matched: CampaignMatch[] = await ck.recommend.campaigns();
  const state: LoginState = await ck.identity.loginState();
  const off = await ck.on('inbox', (change: InboxChange) => change.unread_count);
  await off();
  const wrapped: CityKitWorker = await CityKitWorker.openWrapped('enterprise');
  wrapped.terminate();
  void [envelopes.length, account.subject, licences.length, outcome, rated, ranked.length, matched.length, state.state];
  const { openMs } = await ck.open('citizen', keyHex);
  try {
    await ck.call('put', 'notes', 'n1', '{}');
  } catch (e) {
    return (e as CityKitError).code;
  }
  ck.terminate();
  return String(openMs);
}
