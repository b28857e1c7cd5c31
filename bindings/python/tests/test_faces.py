"""The Python face's glue: defaults from the core, the one error object, panics, cancellation,
callbacks, the login-state listener's thread and its async iterator, redaction of personal data,
typed records, and the verifier through the core (status lists, replay protection). Behaviour is
tested in the core."""
import asyncio
import datetime
import threading

import pytest

import citykit
from test_journey import StaticKey, config, issuer_metadata, logged_in, sim  # noqa: F401  (sim is the fixture)

# CityKit's tokio workers are named "citykit" (bindings/citykit-ffi/src/runtime.rs); each
# login-state subscription calls its listener on a thread named "citykit-login".
RUNTIME_WORKER = "citykit"
LISTENER_THREAD = "citykit-login"
ID_CARD = "urn:citykit:vct:resident_id_card"


def os_thread_name():
    """The calling thread's OS name (Python names a foreign thread only "Dummy-N")."""
    with open(f"/proc/self/task/{threading.get_native_id()}/comm") as f:
        return f.read().strip()


def test_client_config_holds_every_default_of_the_core():
    made = citykit.client_config("/tmp/unused", "https://id.city.example", "app", "org.city.app:/cb")
    assert made.data_dir == "/tmp/unused" and made.platform.issuer == "https://id.city.example"
    assert made.net.trust.use_public_roots is False, "the core trusts only the platform's roots unless told"
    assert made.net.trust.extra_root_certificates_pem == [] and made.net.trust.spki_pins == []
    assert made.platform.scopes == ["openid", "profile", "offline_access"]
    assert isinstance(made.net.request_timeout, datetime.timedelta) and made.net.request_timeout > datetime.timedelta(0)
    assert made.net.connect_timeout > datetime.timedelta(0) and made.platform.max_clock_skew > datetime.timedelta(0)
    settings = citykit.verifier_settings()
    assert datetime.timedelta(0) < settings.status_refresh_after < settings.max_status_age


def test_every_error_is_one_object_with_code_domain_messages_and_details(sim, tmp_path):  # noqa: F811
    async def run():
        first = await citykit.open_client(config(sim, tmp_path), StaticKey(1), None, None)
        with pytest.raises(citykit.CityKitError) as err:
            await citykit.open_client(config(sim, tmp_path), StaticKey(2), None, None)
        e = err.value
        assert e.code() == "store.wrong_key" and e.domain() == citykit.ErrorDomain.STORE
        assert e.message(citykit.Language.ZH) != e.message(citykit.Language.EN)
        assert e.message(citykit.Language.ZH) and e.message(citykit.Language.EN) and e.details()
        assert str(e).startswith("store.wrong_key: ")
        # Any domain reads the same way.
        with pytest.raises(citykit.CityKitError) as err:
            await first.identity().whoami()
        assert (err.value.code(), err.value.domain()) == ("auth.not_logged_in", citykit.ErrorDomain.AUTH)
        # A lost key: the store is wiped without opening it, and a fresh one opens with any key.
        del first
        await citykit.wipe_store(str(tmp_path))
        assert not (tmp_path / "citykit.db").exists()
        await citykit.open_client(config(sim, tmp_path), StaticKey(2), None, None)

    asyncio.run(run())


def test_a_panic_in_the_core_is_an_internal_error(sim, tmp_path):  # noqa: F811
    async def run():
        client = await citykit.open_client(config(sim, tmp_path), StaticKey(5), None, None)
        with pytest.raises(citykit.CityKitError) as err:
            await client.debug_panic()
        assert err.value.code() == "internal" and err.value.domain() == citykit.ErrorDomain.INTERNAL
        assert "deliberate" not in err.value.details(), "a panic message may hold anything: it stays out"
        # The interpreter and the library keep working.
        assert (await client.identity().account()) is None

    asyncio.run(run())


def test_cancelling_a_slow_call_returns_promptly(sim, tmp_path):  # noqa: F811
    async def run():
        client = await logged_in(sim, tmp_path, key=4)
        sim.control("fault", '{"delay": {"path": "/api/v1/me", "millis": 5000}}')
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.identity().whoami(), timeout=0.3)
        assert loop.time() - started < 2
        sim.control("clear-faults")
        assert (await client.identity().whoami()).acting_as.id == "citizen-01"

    asyncio.run(run())


class BrokenKeystore(citykit.KeyProvider):
    def store_key(self, store_id):
        raise citykit.CallbackError.Unavailable("the keystore is locked")


class Decline(citykit.UserPresence):
    def __init__(self):
        self.asked = []

    def confirm(self, purpose):
        self.asked.append(purpose)
        return False


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


def test_callbacks_key_provider_presence_and_device_keys(sim, tmp_path):  # noqa: F811
    async def run():
        with pytest.raises(citykit.CityKitError) as err:
            await citykit.open_client(config(sim, tmp_path / "locked"), BrokenKeystore(), None, None)
        assert err.value.code() == "store.key_unavailable"
        assert "the keystore is locked" in err.value.details()

        prompt = Decline()
        device = SoftwareSecureElement()
        client = await logged_in(sim, tmp_path / "device", key=3, device_keys=device, presence=prompt)
        # The token request, userinfo and the login's other calls each carried a proof from this key.
        assert device.signed >= 2, device.signed
        with pytest.raises(citykit.CityKitError) as err:
            await client.identity().switch_identity("enterprise-01")
        assert err.value.code() == "auth.presence_denied"
        assert len(prompt.asked) == 1 and isinstance(prompt.asked[0], citykit.PresencePurpose.ACT_FOR_ENTERPRISE)

    asyncio.run(run())


class ThreadRecorder(citykit.LoginStateListener):
    def __init__(self, identity):
        self.identity = identity
        self.calls = []  # (state, OS thread name, state read back from the client inside the call)

    def on_login_state(self, state):
        # Calling back into the client from the listener must not deadlock (no lock is held).
        self.calls.append((state, os_thread_name(), self.identity.login_state()))


def test_the_login_state_listener_runs_on_its_own_thread_current_state_first(sim, tmp_path):  # noqa: F811
    async def run():
        client = await citykit.open_client(config(sim, tmp_path), citykit.passphrase_key_provider(str(tmp_path), "qa"), None, None)
        identity = client.identity()
        recorder = ThreadRecorder(identity)
        handle = identity.subscribe_login_state(recorder)
        request = await identity.start_login()
        await identity.complete_login(sim.authorize(request.authorization_url))
        await identity.logout()
        for _ in range(50):
            if len(recorder.calls) >= 3:
                break
            await asyncio.sleep(0.05)
        handle.cancel()
        S = citykit.LoginState
        states = [c[0] for c in recorder.calls]
        assert isinstance(states[0], S.LOGGED_OUT), states  # the current value first
        assert any(isinstance(s, S.LOGGED_IN) for s in states), states
        assert isinstance(states[-1], S.LOGGED_OUT), states
        names = {c[1] for c in recorder.calls}
        assert RUNTIME_WORKER not in names, f"the listener ran on a runtime worker: {names}"
        assert names == {LISTENER_THREAD}, names

        # Nothing is delivered after cancel.
        seen = len(recorder.calls)
        request = await identity.start_login()
        await identity.complete_login(sim.authorize(request.authorization_url))
        await asyncio.sleep(0.2)
        assert len(recorder.calls) == seen

    asyncio.run(run())


def test_login_states_reads_the_login_state_as_an_async_iterator_until_closed(sim, tmp_path):  # noqa: F811
    async def run():
        client = await citykit.open_client(config(sim, tmp_path), StaticKey(10), None, None)
        identity = client.identity()
        S = citykit.LoginState
        async with citykit.login_states(identity) as states:
            assert await asyncio.wait_for(states.__anext__(), 10) == S.LOGGED_OUT()  # the current value first
            request = await identity.start_login()
            await identity.complete_login(sim.authorize(request.authorization_url))
            state = await asyncio.wait_for(states.__anext__(), 10)
            assert isinstance(state, S.LOGGED_IN) and state.subject == "citizen-01", state
        # Leaving `async with` ended the subscription.
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(states.__anext__(), 10)

    asyncio.run(run())


def test_logout_takes_discard_unsent_and_reports_the_session_and_what_it_discarded(sim, tmp_path):  # noqa: F811
    async def run():
        client = await citykit.open_client(config(sim, tmp_path), StaticKey(6), None, None)
        nobody = await client.identity().logout()  # the default: refuse to lose queued work
        assert (nobody.had_session, nobody.revoked_at_server, nobody.discarded_unsent) == (False, False, 0)
        request = await client.identity().start_login()
        await client.identity().complete_login(sim.authorize(request.authorization_url))
        out = await client.identity().logout(discard_unsent=True)
        assert (out.had_session, out.revoked_at_server, out.discarded_unsent) == (True, True, 0)

    asyncio.run(run())


def citizen(sim_bin, citizen_id):
    import json
    import subprocess

    out = subprocess.run([sim_bin, "fixtures", "--json"], capture_output=True, text=True, check=True)
    return next(c for c in json.loads(out.stdout)["citizens"] if c["id"] == citizen_id)


def test_personal_data_is_redacted_in_repr_and_read_with_expose(sim, tmp_path):  # noqa: F811
    from test_journey import SIM

    async def run():
        me = citizen(SIM, "citizen-01")
        client = await logged_in(sim, tmp_path, key=7)
        account = await client.identity().account()
        person = (await client.identity().identities())[0]
        licence_id = next(l.id for l in await client.wallet().fetch_licences() if l.vct == ID_CARD)
        licence = await client.wallet().licence(licence_id)
        for record in (account, person, licence, account.name, licence.claims):
            text = repr(record) + str(record)
            assert me["name"] not in text and me["id_number"] not in text, text
        assert repr(account.name) == str(licence.claims) == citykit.REDACTED
        assert account.name.expose() == me["name"] == person.name.expose()
        assert isinstance(account.name, citykit.Personal)
        assert me["id_number"] in licence.claims.expose()
        # Typed enums, not strings.
        assert licence.summary.status == citykit.LicenceStatus.VALID
        assert licence.summary.usability == citykit.LicenceUsability.USABLE
        # Records copy in memory; they are never pickled (that would write the value out).
        import copy
        import pickle

        assert copy.deepcopy(account).name.expose() == me["name"] and copy.copy(account.name) == account.name
        with pytest.raises(TypeError):
            pickle.dumps(account)
        # A Personal goes back into the core as its value (a party of a co-signed form).
        party = citykit.Party(role="tenant", name=citykit.Personal("李四"), id_number=citykit.Personal("110101199003074514"))
        assert "李四" not in repr(party) and party.name.expose() == "李四"

    asyncio.run(run())


def test_the_verifier_checks_status_through_the_core_and_accepts_a_nonce_once(sim, tmp_path):  # noqa: F811
    async def run():
        holder = await logged_in(sim, tmp_path / "holder", key=8)
        wallet = holder.wallet()
        id_card = next(l for l in await wallet.fetch_licences() if l.vct == ID_CARD)
        settings = citykit.verifier_settings()
        settings.status_refresh_after = datetime.timedelta(0)  # ask the issuer every time it is online
        window = await citykit.open_client(config(sim, tmp_path / "window"), StaticKey(9), None, None)
        verifier = window.verifier("window-7", [issuer_metadata(sim, "public-security")], settings)

        shown = await wallet.present(id_card.id, ["age_over_18"], "window-7", await verifier.new_nonce(), 60)
        verified = await verifier.verify(shown.text, shown.nonce)
        assert verified.status_checked and verified.status_list_age_secs is not None
        with pytest.raises(citykit.CityKitError) as err:
            await verifier.verify(shown.text, shown.nonce)
        assert err.value.code() == "wallet.replayed_nonce"

        sim.control("revoke", "--holder", "citizen-01", "--vct", ID_CARD)
        again = await wallet.present(id_card.id, ["age_over_18"], "window-7", await verifier.new_nonce(), 60)
        with pytest.raises(citykit.CityKitError) as err:
            await verifier.verify(again.qr_payload, again.nonce)
        assert (err.value.code(), err.value.domain()) == ("wallet.revoked", citykit.ErrorDomain.WALLET)

        # The QR code for the screen.
        image = citykit.draw_presentation_qr(again.text)
        assert image.png[:8] == b"\x89PNG\r\n\x1a\n" and "<svg" in image.svg and image.version <= 30

    asyncio.run(run())
