//! The identities a person may act as (themself, and enterprises as their agent), switching
//! between them, and asking the platform who is calling.

use serde::Deserialize;

use super::{
    AuthError, Identity, IdentityClient, IdentityKind, LoginState, PresencePurpose, WhoAmI, KEY_ACTING_FOR, KEY_IDENTITIES, NS_AUTH,
};
use crate::CityKitError;

#[derive(Deserialize)]
struct IdentitiesBody {
    identities: Vec<Identity>,
}

impl IdentityClient {
    pub(super) fn acting_for(&self) -> Option<String> {
        self.inner.acting_for.lock().ok().and_then(|g| g.clone())
    }

    /// The identities this person may act as: themself first, then each enterprise they are
    /// an agent or legal representative of. Fetched from the platform and saved for offline use.
    pub async fn identities(&self) -> Result<Vec<Identity>, CityKitError> {
        let body: IdentitiesBody = crate::api::get(self, "/identities", false).await?;
        self.inner.store.put(NS_AUTH, KEY_IDENTITIES, &body.identities).await?;
        Ok(body.identities)
    }

    /// The logged-in person's own identity (also while acting for an enterprise).
    pub(crate) async fn person_identity(&self) -> Result<Identity, CityKitError> {
        if !self.is_logged_in().await {
            return Err(AuthError::NotLoggedIn.into());
        }
        self.known_identities().await?.into_iter().find(|i| i.kind == IdentityKind::Person).ok_or_else(|| AuthError::UnknownIdentity.into())
    }

    async fn known_identities(&self) -> Result<Vec<Identity>, CityKitError> {
        match self.inner.store.get::<Vec<Identity>>(NS_AUTH, KEY_IDENTITIES).await? {
            Some(list) => Ok(list),
            None => self.identities().await,
        }
    }

    /// The identity requests are made as now.
    pub async fn current_identity(&self) -> Result<Identity, CityKitError> {
        if !self.is_logged_in().await {
            return Err(AuthError::NotLoggedIn.into());
        }
        let list = self.known_identities().await?;
        let wanted = self.acting_for();
        list.into_iter()
            .find(|i| match &wanted {
                Some(id) => &i.id == id,
                None => i.kind == IdentityKind::Person,
            })
            .ok_or_else(|| AuthError::UnknownIdentity.into())
    }

    /// Makes every later request as `identity_id`: the person's own id, or an enterprise from
    /// [`Self::identities`].
    /// Runs to the end even if the caller gives up, so the saved and the in-use identity never
    /// disagree.
    pub async fn switch_identity(&self, identity_id: &str) -> Result<Identity, CityKitError> {
        let (this, identity_id) = (self.clone(), identity_id.to_owned());
        crate::platform::detached(async move { this.switch_identity_inner(&identity_id).await })
            .await
            .map_err(|e| CityKitError::Internal { details: e.to_string() })?
    }

    async fn switch_identity_inner(&self, identity_id: &str) -> Result<Identity, CityKitError> {
        if !self.is_logged_in().await {
            return Err(AuthError::NotLoggedIn.into());
        }
        let mut list = self.known_identities().await?;
        if !list.iter().any(|i| i.id == identity_id) {
            // The person may have become an agent since the list was saved.
            list = self.identities().await?;
        }
        let identity = list.into_iter().find(|i| i.id == identity_id).ok_or(AuthError::UnknownIdentity)?;
        let acting_for = (identity.kind == IdentityKind::Enterprise).then(|| identity.id.clone());
        if let Some(enterprise_id) = &acting_for {
            self.confirm_presence(PresencePurpose::ActForEnterprise { enterprise_id: enterprise_id.clone() }).await?;
        }
        match &acting_for {
            Some(id) => self.inner.store.put(NS_AUTH, KEY_ACTING_FOR, id).await?,
            None => self.inner.store.delete(NS_AUTH, KEY_ACTING_FOR).await?,
        }
        if let Ok(mut guard) = self.inner.acting_for.lock() {
            *guard = acting_for.clone();
        }
        if let Some(session) = self.inner.session.lock().await.as_ref() {
            self.publish(LoginState::LoggedIn { subject: session.subject.clone(), acting_for });
        }
        tracing::info!(kind = ?identity.kind, "identity switched");
        Ok(identity)
    }

    /// Asks the platform who it thinks is calling (the current identity and the person).
    pub async fn whoami(&self) -> Result<WhoAmI, CityKitError> {
        self.api_get("/me").await
    }
}
