"""The Python face's one journey, a smoke test over HTTPS against the simulator: login, an
enterprise identity and back, licences shown (亮证) to a verifier, a form filled, logout. What
the journey does is tested in the core and simulator suites; test_faces.py tests the glue."""
import asyncio
import datetime
import json
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

    def take_pushes(self, endpoint):
        """The bodies queued at the simulated carrier for endpoint, oldest first, taken as a
        phone's shell receives them (`sim push-take`, which writes 1.bin, 2.bin, …)."""
        out = pathlib.Path(tempfile.mkdtemp(prefix="push-", dir=self.dir))
        self.control("push-take", endpoint, "--out-dir", str(out))
        return [(out / f"{n}.bin").read_bytes() for n in range(1, len(list(out.glob("*.bin"))) + 1)]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def sim():
    s = Simulator()
    yield s
    s.stop()


def config(sim, data_dir):
    """The core's defaults (client_config), trusting the simulator's own root."""
    made = citykit.client_config(str(data_dir), sim.url, "citykit-demo", "org.citykit.demo:/oauth2redirect")
    made.net.trust.extra_root_certificates_pem = [sim.ca_pem]
    return made


class StaticKey(citykit.KeyProvider):
    def __init__(self, byte):
        self.byte = byte

    def store_key(self, store_id):
        return bytes([self.byte]) * 32


async def logged_in(sim, data_dir, key=1, user="citizen-01", device_keys=None, presence=None):
    client = await citykit.open_client(config(sim, data_dir), StaticKey(key), device_keys, presence)
    request = await client.identity().start_login()
    await client.identity().complete_login(sim.authorize(request.authorization_url, user=user))
    return client


CHINA = datetime.timezone(datetime.timedelta(hours=8))


async def filled_form(client, item_id):
    """The item filled from the wallet, every still-empty required field set the way the core's
    tests set it (core/tests/integration/services.rs, filled_form)."""
    autofill = client.autofill()
    form = await autofill.fill(item_id)
    schema = {f.name: f for f in (await client.catalogue().item(item_id)).form.fields}
    today = datetime.datetime.now(CHINA).date().isoformat()
    for field in form.fields:
        if not field.required or field.value is not None:
            continue
        if field.field_type == citykit.FieldType.PHONE:
            value = "13800138000"
        elif field.field_type == citykit.FieldType.DATE:
            value = today
        elif field.field_type == citykit.FieldType.CHOICE:
            value = schema[field.name].options[0].value
        elif "postcode" in field.name:
            value = "518000"
        else:
            value = "测试"
        form = await autofill.set_field(form.draft_id, field.name, value, False)
    assert not form.missing_required and not form.errors, (form.missing_required, [(e.field, e.problem) for e in form.errors])
    return form


def issuer_metadata(sim, office):
    import ssl
    import urllib.request

    context = ssl.create_default_context(cafile=sim.ca_file)
    url = f"{sim.url}/.well-known/jwt-vc-issuer/issuers/{office}"
    with urllib.request.urlopen(url, context=context) as response:
        return response.read().decode()


def test_the_journey(sim, tmp_path):
    async def journey():
        client = await logged_in(sim, tmp_path / "citizen")
        identity = client.identity()
        assert (await identity.account()).subject == "citizen-01"
        identities = await identity.identities()
        enterprise = next(i for i in identities if i.kind == citykit.IdentityKind.ENTERPRISE)
        await identity.switch_identity(enterprise.id)
        assert (await identity.whoami()).acting_as.id == enterprise.id
        await identity.switch_identity("citizen-01")
        # Concurrent calls from asyncio run on the library's own runtime.
        results = await asyncio.gather(*(identity.whoami() for _ in range(10)))
        assert all(r.person.id == "citizen-01" for r in results)

        wallet = client.wallet()
        licences = await wallet.fetch_licences()
        id_card = next(l for l in licences if l.vct == "urn:citykit:vct:resident_id_card")
        kiosk = (await citykit.open_client(config(sim, tmp_path / "kiosk"), StaticKey(2), None, None)).verifier(
            "kiosk-1", [issuer_metadata(sim, "public-security")], citykit.verifier_settings()
        )
        shown = await wallet.present(id_card.id, ["age_over_18"], "kiosk-1", await kiosk.new_nonce(), 60)
        verified = await kiosk.verify(shown.qr_payload, shown.nonce)
        # The window sees the id of the copy shown (batch issuance), never the wallet's own id.
        assert verified.licence_id and verified.licence_id != id_card.id and verified.status_checked
        disclosed = json.loads(verified.claims.expose())
        assert disclosed["age_over_18"] is True and "name" not in disclosed and "id_number" not in disclosed

        await client.catalogue().sync()
        hits = await client.catalogue().search("敬老", 5)
        assert hits and hits[0].id
        outcome = await identity.logout()
        assert outcome.had_session and outcome.revoked_at_server
        assert client.identity().login_state() == citykit.LoginState.LOGGED_OUT()

    asyncio.run(journey())
