"""Encrypted push through the Python face, over HTTPS against the simulator: the device
subscribes, a submitted case queues one encrypted notice at the simulated carrier, and the body
the shell takes from it is handed in: shown once, then a duplicate; garbage is refused. The
behaviour is tested in the core (core/tests/integration/push.rs); this tests the glue."""
import asyncio

import pytest

import citykit
from test_journey import filled_form, logged_in, sim  # noqa: F401  (sim is the fixture)

CITIZEN = "citizen-03"
# Reviewed by hand: submitting it queues one case_status notice (in review).
MANUAL_ITEM = "criminal-record-certificate"
ENDPOINT = "https://carrier.example/python-device"


def test_a_pushed_notice_is_shown_once_and_garbage_is_refused(sim, tmp_path):  # noqa: F811
    async def run():
        client = await logged_in(sim, tmp_path, key=0x53, user=CITIZEN)
        await client.wallet().fetch_licences()
        await client.catalogue().sync()
        push = client.push()
        assert isinstance(push, citykit.PushClient)
        assert await push.subscription() is None

        subscription = await push.subscribe(ENDPOINT)
        assert isinstance(subscription, citykit.PushSubscription) and subscription.endpoint == ENDPOINT
        # A 65-byte uncompressed P-256 point and a 16-byte secret, base64url without padding.
        # (Public keys only: the subscription may be printed.)
        assert (len(subscription.p256dh), len(subscription.auth)) == (87, 22), str(subscription)
        assert await push.subscription() == subscription

        form = await filled_form(client, MANUAL_ITEM)
        outcome = await client.cases().submit(form.draft_id)
        assert isinstance(outcome, citykit.SubmissionOutcome.ACCEPTED), type(outcome)
        case_id = outcome.case.id
        bodies = sim.take_pushes(ENDPOINT)
        assert len(bodies) == 1, "one notice: the case is in review"
        assert isinstance(bodies[0], bytes)

        shown = await push.receive(bodies[0], citykit.Language.EN)
        assert isinstance(shown, citykit.PushOutcome) and isinstance(shown.item, citykit.InboxItem)
        assert shown.item.case_id == case_id
        assert isinstance(shown.action, citykit.PushAction.SHOW), shown.action
        assert case_id in shown.action.body, shown.action.body
        assert shown.action.deep_link == f"citykit://case/{case_id}"

        # The carrier delivers it again: nothing to show.
        again = await push.receive(bodies[0], citykit.Language.EN)
        assert isinstance(again.action, citykit.PushAction.DUPLICATE), again.action
        assert again.item.id == shown.item.id

        with pytest.raises(citykit.CityKitError) as err:
            await push.receive(b"not a push", citykit.Language.EN)
        assert (err.value.code(), err.value.domain()) == ("push.malformed", citykit.ErrorDomain.PUSH)

    asyncio.run(run())
