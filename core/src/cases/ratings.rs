//! Ratings (好差评) of finished cases: the comment is screened for personal data first, and the
//! rating goes through the outbox (queued offline, sent once).

use super::outbox::{Entry, QueuedRating, Write};
use super::{db, decode_err, new_key, CaseError, CasesClient, Rating, SubmissionOutcome};
use crate::privacy::personal_data_in;
use crate::CityKitError;

/// The longest rating comment the platform takes.
pub const MAX_COMMENT_CHARS: u32 = 200;

impl CasesClient {
    /// Rates a finished case (好差评). The comment is checked first: at most
    /// [`MAX_COMMENT_CHARS`] characters and no ID or mobile number. Made offline, the rating is
    /// queued and sent once.
    pub async fn rate(&self, case_id: &str, rating: Rating, comment: Option<String>) -> Result<SubmissionOutcome, CityKitError> {
        let comment = comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        if let Some(c) = &comment {
            if c.chars().count() as u32 > MAX_COMMENT_CHARS {
                return Err(CaseError::CommentTooLong { max: MAX_COMMENT_CHARS }.into());
            }
            let kinds = personal_data_in(c);
            if !kinds.is_empty() {
                return Err(CaseError::CommentHasPersonalData { kinds }.into());
            }
        }
        let (applicant, _) = self.autofill.holders().await?;
        let stored = self.load_stored(&applicant, case_id).await?;
        if stored.case.applicant.id != applicant {
            return Err(CaseError::NotApplicant.into());
        }
        if !stored.case.status.is_finished() {
            return Err(CaseError::NotFinished.into());
        }
        let queued = QueuedRating { case_id: case_id.to_owned(), rating, comment };
        let key = new_key()?;
        let body = serde_json::to_string(&queued).map_err(decode_err)?;
        let (key_db, holder_db, case_db) = (key.clone(), applicant.clone(), case_id.to_owned());
        self.store.call(move |conn| db::enqueue(conn, &key_db, &holder_db, "rating", &case_db, &body)).await?;
        self.send_new(Entry { key, holder: applicant, attempts: 0, write: Write::Rating(queued) }).await
    }
}
