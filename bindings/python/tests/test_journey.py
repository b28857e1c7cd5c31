"""The journey every binding runs: login over HTTPS against the simulator, an enterprise
identity and back, logout; a wrong store key; a panic that must not crash the interpreter."""
import asyncio
import os
import pathlib
import subprocess
import tempfile

import pytest

import citykit

SIM = os.environ.get("CITYKIT_SIM_BIN", str(pathlib.Path(__file__).resolve().parents[3] / "target/debug/citykit-sim"))


class Simulator:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="citykit-py-sim-")
        self.proc = subprocess.Popen([SIM, "serve", "--port", "0", "--state-dir", self.dir], stdout=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()
        assert "listening at" in first, first
        self.url = first.strip().rsplit(" ", 1)[-1]
        self.ca_file = os.path.join(self.dir, "ca.pem")
        self.ca_pem = pathlib.Path(self.ca_file).read_text()

    def authorize(self, url, user="citizen-01"):
        out = subprocess.run([SIM, "authorize", url, "--user", user, "--ca-file", self.ca_file], capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def control(self, *args):
        subprocess.run([SIM, "sim", *args, "--issuer", self.url, "--ca-file", self.ca_file], check=True, capture_output=True)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def sim():
    s = Simulator()
    yield s
    s.stop()


def config(sim, data_dir, timeout_ms=0):
    return citykit.ClientConfig(
        data_dir=str(data_dir),
        issuer=sim.url,
        client_id="citykit-demo",
        redirect_uri="org.citykit.demo:/oauth2redirect",
        scopes=["openid", "profile"],
        api_base=None,
        extra_root_certificates_pem=[sim.ca_pem],
        spki_pins=[],
        use_public_roots=False,
        request_timeout_ms=timeout_ms,
    )


class StaticKey(citykit.KeyProvider):
    def __init__(self, byte):
        self.byte = byte

    def store_key(self, store_id):
        return bytes([self.byte]) * 32


class States(citykit.LoginStateListener):
    def __init__(self):
        self.seen = []

    def on_login_state(self, state):
        self.seen.append(state)


class Decline(citykit.UserPresence):
    def __init__(self):
        self.asked = []

    def confirm(self, purpose):
        self.asked.append(purpose)
        return False


def test_login_switch_and_logout(sim, tmp_path):
    async def journey():
        client = await citykit.open_client(config(sim, tmp_path), citykit.passphrase_key_provider(str(tmp_path), "qa"), None, None)
        states = States()
        handle = client.subscribe_login_state(states)
        request = await client.start_login()
        assert "request_uri=" in request.authorization_url
        account = await client.complete_login(sim.authorize(request.authorization_url))
        assert account.subject == "citizen-01"
        identities = await client.identities()
        assert identities[0].kind == citykit.IdentityKind.PERSON
        enterprise = next(i for i in identities if i.kind == citykit.IdentityKind.ENTERPRISE)
        await client.switch_identity(enterprise.id)
        assert (await client.whoami()).acting_as.id == enterprise.id
        await client.switch_identity("citizen-01")
        assert (await client.whoami()).acting_as.id == "citizen-01"
        # Concurrent calls from asyncio work on the library's own runtime.
        results = await asyncio.gather(*(client.whoami() for _ in range(10)))
        assert all(r.person.id == "citizen-01" for r in results)
        outcome = await client.logout()
        assert outcome.revoked_at_server
        with pytest.raises(citykit.CityKitError.Auth) as err:
            await client.whoami()
        assert err.value.code == "auth.not_logged_in"
        await asyncio.sleep(0.1)
        handle.cancel()
        S = citykit.LoginState
        seen = states.seen
        assert isinstance(seen[0], S.LOGGED_OUT) and isinstance(seen[-1], S.LOGGED_OUT), seen
        assert any(isinstance(s, S.LOGGED_IN) for s in seen), seen
        assert any(getattr(s, "acting_for", None) == enterprise.id for s in states.seen)

    asyncio.run(journey())


def test_a_wrong_store_key_is_a_typed_error(sim, tmp_path):
    async def run():
        first = await citykit.open_client(config(sim, tmp_path), StaticKey(1), None, None)
        assert first.login_state() == citykit.LoginState.LOGGED_OUT()
        with pytest.raises(citykit.CityKitError.Store) as err:
            await citykit.open_client(config(sim, tmp_path), StaticKey(2), None, None)
        assert err.value.code == "store.wrong_key"
        assert err.value.message_zh and err.value.message_en
        # A lost key: the store is wiped without opening it, and a fresh one opens with any key.
        del first
        await citykit.wipe_store(str(tmp_path))
        assert not (tmp_path / "citykit.db").exists()
        await citykit.open_client(config(sim, tmp_path), StaticKey(2), None, None)

    asyncio.run(run())


def test_declined_presence_blocks_acting_for_an_enterprise(sim, tmp_path):
    async def run():
        prompt = Decline()
        client = await citykit.open_client(config(sim, tmp_path), StaticKey(3), None, prompt)
        request = await client.start_login()
        await client.complete_login(sim.authorize(request.authorization_url))
        with pytest.raises(citykit.CityKitError.Auth) as err:
            await client.switch_identity("enterprise-01")
        assert err.value.code == "auth.presence_denied"
        assert len(prompt.asked) == 1

    asyncio.run(run())


def test_cancelling_a_slow_call_returns_promptly(sim, tmp_path):
    async def run():
        client = await citykit.open_client(config(sim, tmp_path), StaticKey(4), None, None)
        request = await client.start_login()
        await client.complete_login(sim.authorize(request.authorization_url))
        sim.control("fault", '{"delay": {"path": "/api/v1/me", "millis": 5000}}')
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.whoami(), timeout=0.3)
        assert loop.time() - started < 2
        sim.control("clear-faults")
        assert (await client.whoami()).acting_as.id == "citizen-01"

    asyncio.run(run())


def test_a_panic_in_the_core_is_an_internal_error(sim, tmp_path):
    async def run():
        client = await citykit.open_client(config(sim, tmp_path), StaticKey(5), None, None)
        with pytest.raises(citykit.CityKitError.Internal) as err:
            await client.debug_panic()
        assert err.value.code == "internal"
        # The interpreter and the library keep working.
        assert (await client.account()) is None

    asyncio.run(run())


class SoftwareSecureElement(citykit.DeviceKeys):
    """A DeviceKeys the way a platform implements it: the key lives outside Rust (here in
    Python's `cryptography`, on a phone in the Keystore or Secure Enclave) and only signs."""

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.generate_private_key(ec.SECP256R1())
        self.signed = 0

    def public_key(self):
        from cryptography.hazmat.primitives import serialization

        return self.key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    def sign(self, message):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, utils

        r, s = utils.decode_dss_signature(self.key.sign(bytes(message), ec.ECDSA(hashes.SHA256())))
        self.signed += 1
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_a_platform_device_key_signs_every_proof(sim, tmp_path):
    async def run():
        device = SoftwareSecureElement()
        client = await citykit.open_client(config(sim, tmp_path), StaticKey(6), device, None)
        request = await client.start_login()
        await client.complete_login(sim.authorize(request.authorization_url))
        assert (await client.whoami()).acting_as.id == "citizen-01"
        # The token request, userinfo and whoami each carried a DPoP proof from this key.
        assert device.signed >= 3, device.signed

    asyncio.run(run())


def issuer_metadata(sim, office):
    import ssl
    import urllib.request

    context = ssl.create_default_context(cafile=sim.ca_file)
    url = f"{sim.url}/.well-known/jwt-vc-issuer/issuers/{office}"
    with urllib.request.urlopen(url, context=context) as response:
        return response.read().decode()


def test_wallet_fetch_present_and_verify(sim, tmp_path):
    async def run():
        import json

        client = await citykit.open_client(config(sim, tmp_path), StaticKey(7), None, None)
        request = await client.start_login()
        await client.complete_login(sim.authorize(request.authorization_url))
        licences = await client.fetch_licences()
        id_card = next(l for l in licences if l.vct == "urn:citykit:vct:resident_id_card")
        assert id_card.status == "valid" and "age_over_18" in id_card.claim_names
        claims = json.loads(await client.licence_claims_json(id_card.id))
        assert claims["age_over_18"] is True
        shown = await client.present(id_card.id, ["age_over_18"], "kiosk-1", None, 60)
        trusted = [issuer_metadata(sim, "public-security")]
        with pytest.raises(citykit.CityKitError.Wallet) as err:
            citykit.PresentationVerifier("kiosk-2", trusted).verify(shown.text)
        assert err.value.code == "wallet.wrong_audience"
        kiosk = citykit.PresentationVerifier("kiosk-1", trusted)
        verified = json.loads(kiosk.verify(shown.text).claims_json)
        assert verified["age_over_18"] is True and "name" not in verified and "id_number" not in verified
        with pytest.raises(citykit.CityKitError.Wallet) as err:
            kiosk.verify(shown.text)
        assert err.value.code == "wallet.replayed_nonce"
        # The QR code: drawn for the screen, and its payload verifies like the text.
        image = citykit.draw_presentation_qr(shown.text)
        assert image.png[:8] == b"\x89PNG\r\n\x1a\n" and "<svg" in image.svg and image.version <= 30
        again = await client.present(id_card.id, ["age_over_18"], "kiosk-1", None, 60)
        assert json.loads(kiosk.verify(again.qr_payload).claims_json)["age_over_18"] is True
        log = await client.access_log()
        assert [e.action for e in log] == ["presentation", "presentation", "consent"]
        # Status refresh and removal.
        refreshed = await client.refresh_licence_status()
        assert all(l.status == "valid" for l in refreshed)
        await client.remove_licence(id_card.id)
        assert id_card.id not in [l.id for l in await client.licences()]
        with pytest.raises(citykit.CityKitError.Wallet) as err:
            await client.remove_licence(id_card.id)
        assert err.value.code == "wallet.unknown_licence"

    asyncio.run(run())


class FillConsent(citykit.UserPresence):
    """Answers every prompt; records the auto-fill consents asked."""

    def __init__(self, answer):
        self.answer = answer
        self.fill_prompts = []

    def confirm(self, purpose):
        if isinstance(purpose, citykit.PresencePurpose.FILL_FORM):
            self.fill_prompts.append(purpose.item_id)
            return self.answer
        return True


def test_autofill_submit_instant_approval_and_rating(sim, tmp_path):
    async def run():
        consent = FillConsent(True)
        client = await citykit.open_client(config(sim, tmp_path), StaticKey(8), None, consent)
        request = await client.start_login()
        await client.complete_login(sim.authorize(request.authorization_url, user="citizen-03"))
        await client.fetch_licences()
        synced = await client.sync_catalogue()
        assert synced.item_count >= 150 and synced.changed
        assert not (await client.sync_catalogue()).changed
        hits = await client.search_catalogue("敬老", 5)
        assert hits[0].id == "senior-preferential-card"
        form = await client.fill_form("senior-preferential-card")
        assert consent.fill_prompts == ["senior-preferential-card"]
        assert form.complete, form.errors
        required = [f for f in form.fields if f.required]
        assert all(f.origin == citykit.ValueOrigin.GOVERNMENT_VERIFIED and f.locked for f in required)
        assert all(f.provenance.vct.startswith("urn:citykit:vct:") for f in required)
        # A locked value is not edited by accident; a bad phone names its field.
        with pytest.raises(citykit.CityKitError.Autofill) as err:
            await client.set_field(form.draft_id, required[0].name, "别人", False)
        assert err.value.code == "autofill.field_locked"
        phone = next(f for f in form.fields if f.field_type == citykit.FieldType.PHONE)
        bad = await client.set_field(form.draft_id, phone.name, "12345", False)
        assert not bad.complete and bad.errors[0].field == phone.name and bad.errors[0].problem == "format"
        with pytest.raises(citykit.CityKitError.Autofill) as err:
            await client.submit(form.draft_id)
        assert err.value.code == "autofill.invalid_form"
        await client.set_field(form.draft_id, phone.name, "13800138000", False)
        outcome = await client.submit(form.draft_id)
        assert isinstance(outcome, citykit.SubmissionOutcome.ACCEPTED), outcome
        case = outcome.case
        assert case.status == citykit.CaseStatus.APPROVED and case.result_licence_id
        assert any(l.id == case.result_licence_id for l in await client.licences())
        rated = await client.rate_case(case.id, citykit.Rating.GOOD, "很快")
        assert isinstance(rated, citykit.SubmissionOutcome.ACCEPTED)
        with pytest.raises(citykit.CityKitError.Case) as err:
            await client.rate_case(case.id, citykit.Rating.BAD, None)
        assert err.value.code == "case.already_rated"

    asyncio.run(run())


def test_a_refused_autofill_consent_is_a_typed_error(sim, tmp_path):
    async def run():
        consent = FillConsent(False)
        client = await citykit.open_client(config(sim, tmp_path), StaticKey(9), None, consent)
        request = await client.start_login()
        await client.complete_login(sim.authorize(request.authorization_url, user="citizen-03"))
        await client.fetch_licences()
        await client.sync_catalogue()
        with pytest.raises(citykit.CityKitError.Autofill) as err:
            await client.fill_form("senior-preferential-card")
        assert err.value.code == "autofill.consent_refused"
        assert await client.drafts() == []

    asyncio.run(run())


def citizen(sim_bin, citizen_id):
    import json

    out = subprocess.run([sim_bin, "fixtures", "--json"], capture_output=True, text=True, check=True)
    return next(c for c in json.loads(out.stdout)["citizens"] if c["id"] == citizen_id)


def test_a_rental_registration_is_cosigned_on_three_clients(sim, tmp_path):
    async def run():
        clients = []
        for n, who in enumerate(["citizen-01", "citizen-02", "citizen-05"]):
            data = tmp_path / who
            client = await citykit.open_client(config(sim, data), StaticKey(20 + n), None, None)
            request = await client.start_login()
            await client.complete_login(sim.authorize(request.authorization_url, user=who))
            await client.fetch_licences()
            await client.sync_catalogue()
            clients.append(client)
        landlord, co_landlord, tenant = clients
        form = await landlord.fill_form("rental-registration")
        for field, value in [("monthly_rent", "4500"), ("lease_start", "2030-01-01"), ("lease_end", "2030-12-31")]:
            form = await landlord.set_field(form.draft_id, field, value, False)
        co, ten = citizen(SIM, "citizen-02"), citizen(SIM, "citizen-05")
        form = await landlord.set_parties(form.draft_id, [
            citykit.Party(role="co_landlord", name=co["name"], id_number=co["id_number"]),
            citykit.Party(role="tenant", name=ten["name"], id_number=ten["id_number"]),
        ])
        outcome = await landlord.submit(form.draft_id)
        assert isinstance(outcome, citykit.SubmissionOutcome.ACCEPTED), outcome
        case = outcome.case
        assert case.status == citykit.CaseStatus.AWAITING_SIGNATURES

        inbox = await co_landlord.inbox()
        assert any(i.kind == citykit.InboxKind.COSIGN_REQUEST and i.case_id == case.id for i in inbox)
        review = await co_landlord.review_case(case.id)
        assert review.fields["monthly_rent"] == "4500"
        with pytest.raises(citykit.CityKitError.Case) as err:
            await co_landlord.sign_case(case.id, "not-the-reviewed-digest")
        assert err.value.code == "case.content_changed"
        await co_landlord.sign_case(case.id, review.content_sha256)
        tenant_review = await tenant.review_case(case.id)
        done = await tenant.sign_case(case.id, tenant_review.content_sha256)
        assert done.status == citykit.CaseStatus.APPROVED
        assert (await landlord.get_case(case.id)).result_licence_id

    asyncio.run(run())
