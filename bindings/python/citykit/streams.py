"""The core's change feeds as asyncio async iterators.

``inbox_changes(client.cases())`` yields every :class:`InboxChange` (the inbox as it is now
first, then every add, read, delete, identity switch and logout, each with the unread count after
it); ``login_states(client.identity())`` yields every :class:`LoginState` (the current one
first). Glue only: the core's listener is called on a thread of its own (``citykit-inbox``,
``citykit-login``) and each value is handed, in order and none dropped, to the event loop that
made the iterator::

    async with inbox_changes(client.cases()) as changes:
        async for change in changes:
            badge(change.unread_count)

The subscription starts when the iterator is made (call it from a coroutine), so nothing that
happens after that call is missed, and it ends (its ``TaskHandle`` cancelled, no further call of
the listener) when the iteration ends: ``aclose()``, leaving ``async with``, or a cancelled
``__anext__`` (the task cancelled, or a timeout around it), as an async generator ends. An
iterator dropped without that ends with it when it is garbage collected.
"""
import asyncio
import typing

from .citykit_core import InboxChange, LoginState
from .citykit_ffi import CasesClient, IdentityClient, InboxListener, LoginStateListener, TaskHandle

__all__ = ["ChangeStream", "inbox_changes", "login_states"]

T = typing.TypeVar("T")


class _Forward:
    """Called on the subscription's thread: puts each value on the loop's queue. Holds the loop and
    the queue only, never the stream, so a dropped stream is collected (and its handle with it)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: "asyncio.Queue[typing.Any]"):
        self.loop = loop
        self.queue = queue
        self.closed = False

    def forward(self, value: typing.Any) -> None:
        if self.closed:
            return
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, value)
        except RuntimeError:
            # The loop is closed: nobody reads any more (raising here would reach the core).
            pass


class _InboxForward(_Forward, InboxListener):
    def on_inbox_change(self, change: InboxChange) -> None:
        self.forward(change)


class _LoginForward(_Forward, LoginStateListener):
    def on_login_state(self, state: LoginState) -> None:
        self.forward(state)


class ChangeStream(typing.AsyncIterator[T]):
    """One subscription to a core change feed, read with ``async for`` (see the module docs)."""

    def __init__(self, subscribe: typing.Callable[[typing.Any], TaskHandle], listener: typing.Type[_Forward]):
        self._forward = listener(asyncio.get_running_loop(), asyncio.Queue())
        self._handle: typing.Optional[TaskHandle] = subscribe(self._forward)

    def __aiter__(self) -> "ChangeStream[T]":
        return self

    async def __anext__(self) -> T:
        if self._handle is None:
            raise StopAsyncIteration
        try:
            return await self._forward.queue.get()
        except asyncio.CancelledError:
            self.close()
            raise

    def close(self) -> None:
        """Cancels the subscription; values not read yet are dropped. Idempotent."""
        self._forward.closed = True
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.cancel()

    async def aclose(self) -> None:
        """Cancels the subscription, as an async generator's ``aclose``."""
        self.close()

    async def __aenter__(self) -> "ChangeStream[T]":
        return self

    async def __aexit__(self, *exc_info: typing.Any) -> None:
        self.close()


def inbox_changes(cases: CasesClient) -> ChangeStream[InboxChange]:
    """The inbox's changes (``cases.subscribe_inbox``) as an async iterator of
    :class:`InboxChange`: kind ``CURRENT`` with the unread count first, then every change in
    order. Call it from a coroutine; see the module docs for when the subscription ends."""
    return ChangeStream(cases.subscribe_inbox, _InboxForward)


def login_states(identity: IdentityClient) -> ChangeStream[LoginState]:
    """The login state (``identity.subscribe_login_state``) as an async iterator of
    :class:`LoginState`: the current one first, then every change in order. Call it from a
    coroutine; see the module docs for when the subscription ends."""
    return ChangeStream(identity.subscribe_login_state, _LoginForward)
