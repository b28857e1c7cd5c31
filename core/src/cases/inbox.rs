//! The inbox: the platform's notices (a case changed status, a co-signing request), fetched
//! after the last one stored, kept on the device and marked read there.

use super::wire::WireInbox;
use super::{decode_err, CasesClient, InboxItem};
use crate::api::{self, ApiCall};
use crate::CityKitError;

impl CasesClient {
    /// New notices from the platform, stored; returns the whole inbox, newest first.
    pub async fn inbox(&self) -> Result<Vec<InboxItem>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let holder_db = holder.clone();
        let last: i64 = self
            .store
            .call(move |conn| Ok(conn.query_row("SELECT coalesce(max(id), 0) FROM inbox WHERE holder = ?1", [holder_db], |r| r.get(0))?))
            .await?;
        let url = api::url(&self.identity, &format!("/inbox?after={last}")).await?;
        let wire: WireInbox = api::authorized_call(&self.identity, ApiCall::get(&url), true).await?.into_json()?;
        let holder_db = holder.clone();
        let items = wire.items;
        self.store
            .call(move |conn| {
                let tx = conn.transaction()?;
                for item in &items {
                    let body = serde_json::to_string(item).map_err(decode_err)?;
                    tx.execute(
                        "INSERT OR IGNORE INTO inbox (holder, id, body) VALUES (?1, ?2, ?3)",
                        rusqlite::params![holder_db, item.id, body],
                    )?;
                }
                tx.commit()?;
                Ok(())
            })
            .await?;
        self.stored_inbox().await
    }

    /// The inbox as stored on this device, newest first (no network).
    pub async fn stored_inbox(&self) -> Result<Vec<InboxItem>, CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        let rows: Vec<(String, bool)> = self
            .store
            .call(move |conn| {
                let mut stmt = conn.prepare("SELECT body, read FROM inbox WHERE holder = ?1 ORDER BY id DESC")?;
                let rows = stmt.query_map([holder], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await?;
        rows.iter()
            .map(|(b, read)| {
                let mut item: InboxItem = serde_json::from_str(b).map_err(decode_err)?;
                item.read = *read;
                Ok(item)
            })
            .collect()
    }

    /// Marks an inbox item read.
    pub async fn mark_read(&self, inbox_id: i64) -> Result<(), CityKitError> {
        let (holder, _) = self.autofill.holders().await?;
        self.store
            .call(move |conn| {
                Ok(conn.execute("UPDATE inbox SET read = 1 WHERE holder = ?1 AND id = ?2", rusqlite::params![holder, inbox_id])?)
            })
            .await?;
        Ok(())
    }
}
