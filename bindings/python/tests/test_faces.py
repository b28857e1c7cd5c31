"""The Python face's glue: defaults come from the core, and the login-state listener runs on a
thread of its own, never on one of CityKit's runtime workers."""
import asyncio
import threading

import citykit
from test_journey import sim, config  # noqa: F401  (the fixture and the simulator's config)

# CityKit's tokio workers are named "citykit" (bindings/citykit-ffi/src/runtime.rs); each
# login-state subscription calls its listener on a thread named "citykit-login".
RUNTIME_WORKER = "citykit"
LISTENER_THREAD = "citykit-login"


def os_thread_name():
    """The calling thread's OS name (Python names a foreign thread only "Dummy-N")."""
    with open(f"/proc/self/task/{threading.get_native_id()}/comm") as f:
        return f.read().strip()


def test_the_config_helper_takes_every_default_from_the_core():
    defaults = citykit.core_defaults()
    made = citykit.config("/tmp/unused", "https://id.city.example", "app", "org.city.app:/cb")
    assert made.use_public_roots == defaults.use_public_roots
    assert made.use_public_roots is False, "the core trusts only the platform's roots unless told"
    assert made.scopes == defaults.scopes
    assert made.request_timeout_ms == defaults.request_timeout_ms
    assert defaults.request_timeout_ms > 0 and defaults.connect_timeout_ms > 0
    assert defaults.draft_max_age_secs == 30 * 24 * 3600
    # Explicit values win.
    assert citykit.config("/d", "https://i", "a", "r", use_public_roots=True).use_public_roots is True


class ThreadRecorder(citykit.LoginStateListener):
    def __init__(self, client):
        self.client = client
        self.calls = []  # (state, OS thread name, state read back from the client inside the call)

    def on_login_state(self, state):
        # Calling back into the client from the listener must not deadlock (no lock is held).
        self.calls.append((state, os_thread_name(), self.client.login_state()))


def test_the_login_state_listener_runs_on_its_own_thread_current_state_first(sim, tmp_path):  # noqa: F811
    async def run():
        client = await citykit.open_client(config(sim, tmp_path), citykit.passphrase_key_provider(str(tmp_path), "qa"), None, None)
        recorder = ThreadRecorder(client)
        handle = client.subscribe_login_state(recorder)
        request = await client.start_login()
        await client.complete_login(sim.authorize(request.authorization_url))
        await client.logout()
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
        assert threading.get_native_id() not in names

        # Nothing is delivered after cancel.
        seen = len(recorder.calls)
        request = await client.start_login()
        await client.complete_login(sim.authorize(request.authorization_url))
        await asyncio.sleep(0.2)
        assert len(recorder.calls) == seen

    asyncio.run(run())


def test_logout_takes_discard_unsent_and_reports_the_session_and_what_it_discarded(sim, tmp_path):  # noqa: F811
    async def run():
        client = await citykit.open_client(config(sim, tmp_path), citykit.passphrase_key_provider(str(tmp_path), "qa"), None, None)
        nobody = await client.logout()  # the default: refuse to lose queued work
        assert (nobody.had_session, nobody.revoked_at_server, nobody.discarded_unsent) == (False, False, 0)
        request = await client.start_login()
        await client.complete_login(sim.authorize(request.authorization_url))
        out = await client.logout(discard_unsent=True)
        assert (out.had_session, out.revoked_at_server, out.discarded_unsent) == (True, True, 0)

    asyncio.run(run())
