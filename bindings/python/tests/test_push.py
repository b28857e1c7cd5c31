"""Encrypted push through the Python face, over HTTPS against the simulator: the device
subscribes, a submitted case queues one encrypted notice at the simulated carrier, and the body
the shell takes from it is handed in: shown once, then a duplicate; garbage is refused; the inbox's
change feed as an async iterator (citykit.inbox_changes); quiet hours. The behaviour is tested in
the core (core/tests/integration/push.rs); this tests the glue."""
import asyncio
import datetime

import pytest

import citykit
from test_faces import os_thread_name
from test_journey import CHINA, filled_form, logged_in, sim  # noqa: F401  (sim is the fixture)

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


# Each inbox subscription calls its listener on a thread of this name (bindings/citykit-ffi/src/cases.rs).
INBOX_THREAD = "citykit-inbox"
# How long a change may take to arrive before the test fails (instead of hanging).
WAIT = 10


async def next_change(changes):
    return await asyncio.wait_for(changes.__anext__(), WAIT)


async def expect_change(changes, kind, item_ids, unread_count):
    """The next change is exactly this one (str() in the message: a record's repr shows no fields)."""
    change = await next_change(changes)
    assert change == citykit.InboxChange(kind=kind, item_ids=item_ids, unread_count=unread_count), str(change)


class SpiedCases:
    """The cases client as inbox_changes sees it, with every listener call recorded: the OS
    name of the thread it ran on, and the change."""

    def __init__(self, cases):
        self.cases = cases
        self.calls = []  # (OS thread name, change)

    def subscribe_inbox(self, listener):
        calls = self.calls

        class Recording(citykit.InboxListener):
            def on_inbox_change(self, change):
                calls.append((os_thread_name(), change))
                listener.on_inbox_change(change)

        return self.cases.subscribe_inbox(Recording())


async def pushed_notice(sim, client):
    """Submits the manual case and takes its one notice from the simulated carrier: (case id, body)."""
    form = await filled_form(client, MANUAL_ITEM)
    outcome = await client.cases().submit(form.draft_id)
    assert isinstance(outcome, citykit.SubmissionOutcome.ACCEPTED), type(outcome)
    bodies = sim.take_pushes(ENDPOINT)
    assert len(bodies) == 1, "one notice: the case is in review"
    return outcome.case.id, bodies[0]


async def subscribed_citizen(sim, data_dir, key):
    client = await logged_in(sim, data_dir, key=key, user=CITIZEN)
    await client.wallet().fetch_licences()
    await client.catalogue().sync()
    await client.push().subscribe(ENDPOINT)
    return client


def test_the_inbox_stream_yields_every_change_on_the_inbox_thread_and_ends_when_closed(sim, tmp_path):  # noqa: F811
    async def run():
        client = await subscribed_citizen(sim, tmp_path, 0x54)
        cases = client.cases()
        spied = SpiedCases(cases)
        changes = citykit.inbox_changes(spied)
        Kind = citykit.InboxChangeKind

        await expect_change(changes, Kind.CURRENT, [], 0)

        case_id, body = await pushed_notice(sim, client)
        shown = await client.push().receive(body, citykit.Language.EN)
        assert isinstance(shown.action, citykit.PushAction.SHOW), shown.action
        item_id = shown.item.id
        assert shown.item.case_id == case_id
        await expect_change(changes, Kind.ADDED, [item_id], 1)

        await cases.mark_read(item_id)
        await expect_change(changes, Kind.READ, [item_id], 0)

        await cases.delete_inbox_item(item_id)
        await expect_change(changes, Kind.DELETED, [item_id], 0)

        await client.identity().logout()
        await expect_change(changes, Kind.CLEARED, [], 0)

        # The listener ran on the subscription's own thread, once for each change read.
        assert [name for name, _ in spied.calls] == [INBOX_THREAD] * 5, [(n, str(c)) for n, c in spied.calls]

        # Closed: the handle is cancelled and the listener is not called again, while a second
        # stream, still open, sees the next change (logging in again: the inbox as it is now).
        control = citykit.inbox_changes(cases)
        assert (await next_change(control)).kind == Kind.CURRENT
        await changes.aclose()
        with pytest.raises(StopAsyncIteration):
            await next_change(changes)
        request = await client.identity().start_login()
        await client.identity().complete_login(sim.authorize(request.authorization_url, user=CITIZEN))
        await expect_change(control, Kind.CURRENT, [], 0)
        await asyncio.sleep(0.2)
        assert len(spied.calls) == 5, [str(c) for _, c in spied.calls[5:]]

        # A task cancelled while it waits for a change ends its stream the same way.
        waiting_spy = SpiedCases(cases)
        waiting = citykit.inbox_changes(waiting_spy)
        assert (await next_change(waiting)).kind == Kind.CURRENT
        task = asyncio.ensure_future(waiting.__anext__())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(StopAsyncIteration):
            await next_change(waiting)
        await client.identity().logout()
        assert (await next_change(control)).kind == Kind.CLEARED
        await asyncio.sleep(0.2)
        assert len(waiting_spy.calls) == 1, [str(c) for _, c in waiting_spy.calls]
        await control.aclose()

    asyncio.run(run())


def test_a_push_in_quiet_hours_is_silent_and_kept_unread_in_the_inbox(sim, tmp_path):  # noqa: F811
    async def run():
        client = await subscribed_citizen(sim, tmp_path, 0x55)
        push = client.push()
        assert await push.settings() == citykit.PushSettings(quiet_hours=None, daily_limit=None)

        # Quiet from an hour ago to an hour from now, China time (wrapping midnight if it must),
        # on the weekday that period started.
        now = datetime.datetime.now(CHINA)
        started = now - datetime.timedelta(minutes=60)
        minute = now.hour * 60 + now.minute
        quiet = citykit.QuietHours(start_minute=(minute - 60) % 1440, end_minute=(minute + 60) % 1440, weekdays=[started.isoweekday()])
        settings = citykit.PushSettings(quiet_hours=quiet, daily_limit=None)
        await push.set_settings(settings)
        assert await push.settings() == settings

        case_id, body = await pushed_notice(sim, client)
        held = await push.receive(body, citykit.Language.ZH)
        assert held.item.case_id == case_id
        assert isinstance(held.action, citykit.PushAction.SILENT), held.action
        assert held.action.reason == citykit.HeldBack.QUIET_HOURS
        # Not shown, but in the inbox and unread.
        stored = await client.cases().stored_inbox()
        assert [i.id for i in stored if i.id == held.item.id] == [held.item.id], stored
        assert not next(i for i in stored if i.id == held.item.id).read
        assert await client.cases().unread_count() == 1

    asyncio.run(run())
