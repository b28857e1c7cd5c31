//! The inbox: the platform's notices (a case changed status, a co-signing request), fetched
//! after the last one stored, kept on the device and marked read there.

use super::db::MarkRead;
use super::wire::WireInbox;
use super::{db, decode_err, CaseError, CasesClient, InboxChangeKind, InboxItem, InboxKind};
use crate::api::{self, ApiCall};
use crate::CityKitError;

impl CasesClient {
    /// New notices from the platform, stored; returns the whole inbox, newest first.
    pub async fn inbox(&self) -> Result<Vec<InboxItem>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let holder_db = holder.clone();
        let last: i64 = self.store.call(move |conn| db::last_inbox_id(conn, &holder_db)).await?;
        let url = api::url(&self.identity, &format!("/inbox?after={last}")).await?;
        let wire: WireInbox = api::authorized_call(&self.identity, ApiCall::get(&url), true).await?.into_json()?;
        let holder_db = holder.clone();
        let pulled_to = wire.items.iter().map(|i| i.id).max();
        // Campaigns are broadcast to everyone: kept only when this identity is eligible, decided
        // here on the device.
        let mut items = Vec::with_capacity(wire.items.len());
        for item in wire.items {
            if item.kind == InboxKind::PolicyCampaign {
                let Some(campaign) = item.campaign_id.clone() else { continue };
                if self.recommend().match_campaign(&campaign).await?.is_none() {
                    continue;
                }
            }
            items.push(item);
        }
        let added = self.store.call(move |conn| db::store_inbox(conn, &holder_db, &items, pulled_to)).await?;
        if !added.is_empty() {
            self.announce(InboxChangeKind::Added, added).await;
        }
        self.stored_inbox().await
    }

    /// The inbox as stored on this device, newest first (no network).
    pub async fn stored_inbox(&self) -> Result<Vec<InboxItem>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let rows: Vec<(String, bool)> = self.store.call(move |conn| db::inbox_rows(conn, &holder)).await?;
        decode_rows(&rows)
    }

    /// A page of the inbox as stored (no network), newest first: at most `limit` items older than
    /// the item `before` (from the newest when `None`), only unread ones when `unread_only`. Pass
    /// the last item's id as `before` for the next page.
    pub async fn inbox_page(&self, before: Option<i64>, limit: u32, unread_only: bool) -> Result<Vec<InboxItem>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let limit = limit.clamp(1, 500);
        let rows = self.store.call(move |conn| db::inbox_page(conn, &holder, before, limit, unread_only)).await?;
        decode_rows(&rows)
    }

    /// How many inbox items are unread (no network).
    pub async fn unread_count(&self) -> Result<u32, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        Ok(self.store.call(move |conn| db::unread_count(conn, &holder)).await?)
    }

    /// Deletes an inbox item from this device ([`CaseError::UnknownInboxItem`] if there is none);
    /// a carrier repeating its push does not bring it back.
    pub async fn delete_inbox_item(&self, inbox_id: i64) -> Result<(), CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        if self.store.call(move |conn| db::delete_inbox_item(conn, &holder, inbox_id)).await? == 0 {
            return Err(CaseError::UnknownInboxItem.into());
        }
        self.announce(InboxChangeKind::Deleted, vec![inbox_id]).await;
        Ok(())
    }

    /// Marks an inbox item read.
    pub async fn mark_read(&self, inbox_id: i64) -> Result<(), CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        match self.store.call(move |conn| db::mark_read(conn, &holder, inbox_id)).await? {
            MarkRead::Unknown => return Err(CaseError::UnknownInboxItem.into()),
            MarkRead::AlreadyRead => {}
            MarkRead::Marked => self.announce(InboxChangeKind::Read, vec![inbox_id]).await,
        }
        Ok(())
    }
}

impl CasesClient {
    fn recommend(&self) -> crate::recommend::RecommendClient {
        let (identity, store) = (self.identity.clone(), self.store.clone());
        let catalogue = crate::catalogue::CatalogueClient::new(identity.clone(), store.clone());
        crate::recommend::RecommendClient::new(identity, store, self.wallet.clone(), catalogue, self.clone())
    }
}

fn decode_rows(rows: &[(String, bool)]) -> Result<Vec<InboxItem>, CityKitError> {
    rows.iter()
        .map(|(b, read)| {
            let mut item: InboxItem = serde_json::from_str(b).map_err(decode_err)?;
            item.read = *read;
            Ok(item)
        })
        .collect()
}
