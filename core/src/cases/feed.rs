//! The inbox's change feed: every change to the stored inbox (items added by a pull or a push,
//! read, deleted; all gone at logout; another identity's inbox after a switch) announced to
//! whoever watches, each with the unread count after it. The faces turn an [`InboxWatch`] into
//! their own streams (a Kotlin `Flow`, a Swift `AsyncStream`, a Python async iterator, a JS
//! callback).
//!
//! A watch never misses that something changed: a watcher too slow to keep up (more than
//! [`FEED_CAPACITY`] changes behind) gets one [`InboxChangeKind::Current`] with the count as it
//! is now, after which it re-reads the inbox. A watch does not keep the client alive: once the
//! app has dropped the client and every sub-client, [`InboxWatch::next`] returns `None`.

use serde::Serialize;
use tokio::sync::broadcast::{self, error::RecvError};

use super::CasesClient;
use crate::identity::{IdentityClient, LoginState, WeakIdentityClient};
use crate::store::Store;

/// How many changes a watcher may fall behind before it is told to re-read.
pub const FEED_CAPACITY: usize = 16;

/// What changed in the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum InboxChangeKind {
    /// The inbox as it is now: the first change of every watch, after an identity switch or a
    /// login, when the session expired (the inbox stays on the device), and after a watcher fell
    /// behind. Re-read the inbox.
    Current,
    /// Notices arrived (a pull or a push).
    Added,
    /// A notice was marked read.
    Read,
    /// A notice was deleted on this device.
    Deleted,
    /// Logged out: the inbox is gone from the device.
    Cleared,
}

/// One change of the stored inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct InboxChange {
    /// What changed.
    pub kind: InboxChangeKind,
    /// The inbox items it concerns (none for `Current` and `Cleared`).
    pub item_ids: Vec<i64>,
    /// Unread items of the identity acted for, after the change.
    pub unread_count: u32,
}

/// The sending side, shared by every sub-client that writes the inbox. Cheap to clone.
#[derive(Clone)]
pub(crate) struct InboxFeed(broadcast::Sender<InboxChange>);

impl Default for InboxFeed {
    fn default() -> Self {
        Self(broadcast::channel(FEED_CAPACITY).0)
    }
}

impl InboxFeed {
    /// Announces a change (nobody watching is fine).
    pub(crate) fn publish(&self, change: InboxChange) {
        let _ = self.0.send(change);
    }
}

/// One watcher of the inbox: [`InboxWatch::next`] returns the current state first, then every
/// change in order. Made by [`CasesClient::watch_inbox`].
pub struct InboxWatch {
    changes: broadcast::Receiver<InboxChange>,
    login: tokio::sync::watch::Receiver<LoginState>,
    /// Weak: the watch must not keep the senders (the client) alive.
    identity: WeakIdentityClient,
    store: Store,
    started: bool,
}

impl InboxWatch {
    /// The next change; `None` once the client is gone.
    pub async fn next(&mut self) -> Option<InboxChange> {
        if !self.started {
            self.started = true;
            self.login.borrow_and_update();
            return Some(self.current(InboxChangeKind::Current).await);
        }
        tokio::select! {
            biased;
            change = self.changes.recv() => match change {
                Ok(change) => Some(change),
                Err(RecvError::Lagged(_)) => Some(self.current(InboxChangeKind::Current).await),
                Err(RecvError::Closed) => None,
            },
            changed = self.login.changed() => {
                changed.ok()?;
                let logged_out = matches!(*self.login.borrow_and_update(), LoginState::LoggedOut);
                let kind = if logged_out { InboxChangeKind::Cleared } else { InboxChangeKind::Current };
                Some(self.current(kind).await)
            }
        }
    }

    async fn current(&self, kind: InboxChangeKind) -> InboxChange {
        let unread_count = match self.identity.upgrade() {
            Some(identity) => unread_count_or_zero(&identity, &self.store).await,
            None => 0,
        };
        InboxChange { kind, item_ids: Vec::new(), unread_count }
    }
}

/// The unread count of the identity acted for, 0 when nobody is logged in or the store cannot say.
async fn unread_count_or_zero(identity: &IdentityClient, store: &Store) -> u32 {
    let Ok(current) = identity.current_identity().await else { return 0 };
    store.call(move |conn| super::db::unread_count(conn, &current.id)).await.unwrap_or(0)
}

impl CasesClient {
    /// Watches the stored inbox: the current state, then every change (see [`InboxWatch`]).
    pub fn watch_inbox(&self) -> InboxWatch {
        InboxWatch {
            changes: self.feed.0.subscribe(),
            login: self.identity.watch_login_state(),
            identity: self.identity.downgrade(),
            store: self.store.clone(),
            started: false,
        }
    }

    /// Announces a change with the unread count after it.
    pub(crate) async fn announce(&self, kind: InboxChangeKind, item_ids: Vec<i64>) {
        let unread_count = unread_count_or_zero(&self.identity, &self.store).await;
        self.feed.publish(InboxChange { kind, item_ids, unread_count });
    }
}
