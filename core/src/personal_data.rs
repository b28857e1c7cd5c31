//! Personal data at logout: every capability that keeps records of a holder (a person or an
//! enterprise they act for) removes them here, all in one transaction, so a logout leaves no
//! name, ID number, claim, draft, case or log entry of that person behind — or, if it fails,
//! changes nothing.
//!
//! What stays, because it is not personal: the device key, the service catalogue, issuer keys
//! and status lists, and tokens still to be revoked at the provider (until they are sent).

use crate::store::{Store, StoreError};

/// Queued writes of `holders` that a logout would lose.
pub(crate) async fn unsent_work(store: &Store, holders: Vec<String>) -> Result<u32, StoreError> {
    store.call(move |conn| Ok(crate::cases::forget::unsent(conn, &holders)?)).await
}

/// Removes every record of `holders` and the record namespaces `namespaces`, in one transaction.
pub(crate) async fn forget(store: &Store, holders: Vec<String>, namespaces: Vec<&'static str>) -> Result<(), StoreError> {
    store
        .call(move |conn| {
            let tx = conn.transaction()?;
            crate::wallet::forget::forget_holders(&tx, &holders)?;
            crate::autofill::forget::forget_holders(&tx, &holders)?;
            crate::cases::forget::forget_holders(&tx, &holders)?;
            crate::envelope::db::forget_holders(&tx, &holders)?;
            crate::push::db::forget(&tx)?;
            crate::recommend::db::forget_holders(&tx, &holders)?;
            for namespace in &namespaces {
                tx.execute("DELETE FROM records WHERE namespace = ?1", [namespace])?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
}
