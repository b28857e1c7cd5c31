//! The catalogue's data as the platform publishes it (`GET /api/v1/catalogue`, see
//! `docs/platform-api.md`): service items with their standard guide, form schema and materials,
//! and the one-thing bundles.

use serde::{Deserialize, Serialize};

/// The whole catalogue document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueDocument {
    /// The platform's version label of this catalogue.
    pub version: String,
    /// One-thing bundles (一件事).
    #[serde(default)]
    pub bundles: Vec<Bundle>,
    /// Every service item.
    pub items: Vec<ServiceItem>,
}

/// A "one thing" bundle: a life event served by several items across offices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Bundle {
    /// Stable id, e.g. `birth`.
    pub id: String,
    /// Chinese name, e.g. 出生一件事.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The item ids it bundles, in the order they are done.
    pub items: Vec<String>,
}

/// The office that handles an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Office {
    /// Stable id, e.g. `housing`.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// Whom an item is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// A natural person (自然人).
    Person,
    /// An enterprise (法人), applied for by its agent.
    Enterprise,
}

/// The item's fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Fee {
    /// Amount in fen (0.01 yuan); 0 = free.
    pub amount_fen: u64,
    /// Chinese note.
    #[serde(default)]
    pub note_zh: String,
    /// English note.
    #[serde(default)]
    pub note_en: String,
}

/// Who must sign a multi-party case (一事多人).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CoSigningRule {
    /// The roles of the other signers, e.g. `co_landlord`, `tenant`.
    pub roles: Vec<String>,
    /// Days the signers have before the case expires.
    pub deadline_days: u32,
}

/// The licence a finished case issues into the wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct ResultLicence {
    /// Its type.
    pub vct: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A material of the standard guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Material {
    /// Stable id within the item.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The licence type that satisfies it electronically (材料免交), if any.
    #[serde(default)]
    pub satisfied_by: Option<String>,
    /// Whether the case needs it.
    pub required: bool,
    /// 容缺: may be missing at submission and handed in within this many days.
    #[serde(default)]
    pub tolerance_days: Option<u32>,
}

/// One service item (政务服务事项) with its standard guide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct ServiceItem {
    /// Stable slug, e.g. `rental-registration`.
    pub id: String,
    /// The city's item code.
    #[serde(default)]
    pub code: String,
    /// Chinese name, e.g. 房屋租赁登记备案.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The handling office.
    pub office: Office,
    /// A browsing topic.
    #[serde(default)]
    pub theme: String,
    /// Whom it is for.
    pub audience: Audience,
    /// Extra Chinese search words.
    #[serde(default)]
    pub keywords_zh: Vec<String>,
    /// Promised time (承诺时限) in working days.
    pub promised_working_days: u32,
    /// The fee.
    pub fee: Fee,
    /// May be approved instantly (秒批).
    pub instant: bool,
    /// The automatic checks run for instant approval.
    #[serde(default)]
    pub checks: Vec<String>,
    /// The licence claims those checks read beyond the form's fields (disclosed with consent).
    #[serde(default)]
    pub check_claims: Vec<CheckClaim>,
    /// Multi-party signing, when the item needs it.
    #[serde(default)]
    pub co_signing: Option<CoSigningRule>,
    /// The licence issued when the case is approved.
    #[serde(default)]
    pub result: Option<ResultLicence>,
    /// The bundles it belongs to.
    #[serde(default)]
    pub bundles: Vec<String>,
    /// The materials of the standard guide.
    #[serde(default)]
    pub materials: Vec<Material>,
    /// The application form.
    pub form: FormSchema,
}

/// A licence claim an automatic check reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CheckClaim {
    /// The licence type (the applicant's licence).
    pub vct: String,
    /// The claim.
    pub claim: String,
}

/// An item's application form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct FormSchema {
    /// The form's version; a case made on an older version is refused.
    pub version: u32,
    /// Its fields, in display order.
    pub fields: Vec<FormField>,
}

/// The kind of a form field; each brings its own validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text.
    Text,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A resident ID number (GB 11643).
    IdNumber,
    /// A unified social credit code (GB 32100).
    Uscc,
    /// A mobile or landline number.
    Phone,
    /// A postal address.
    Address,
    /// One of the field's options.
    Choice,
    /// An uploaded file (its reference).
    Attachment,
}

/// A field's extra rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct FieldRules {
    /// At most this many characters.
    #[serde(default)]
    pub max_length: Option<u32>,
    /// At least this many characters.
    #[serde(default)]
    pub min_length: Option<u32>,
    /// `postcode` or `mobile`.
    #[serde(default)]
    pub format: Option<String>,
    /// A date that must not be after today.
    #[serde(default)]
    pub not_future: bool,
    /// A date that must not be before today.
    #[serde(default)]
    pub not_past: bool,
}

/// One option of a choice field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct ChoiceOption {
    /// The value sent.
    pub value: String,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
}

/// Whose licences a source reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum SourceHolder {
    /// The identity the case is made as.
    #[default]
    Applicant,
    /// The person acting for an enterprise (their own licences).
    Agent,
}

/// How a value is computed from a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Derivation {
    /// Birth date (`YYYY-MM-DD`) from an 18-digit ID number.
    BirthDateFromIdNumber,
    /// Sex (`男`/`女`) from an 18-digit ID number.
    SexFromIdNumber,
    /// The province of a one-line Chinese address.
    AddressProvince,
    /// The city of a one-line Chinese address.
    AddressCity,
    /// The district of a one-line Chinese address.
    AddressDistrict,
    /// What follows the district in a one-line Chinese address.
    AddressDetail,
    /// A date as `YYYYMMDD`.
    DateCompact,
    /// A date as `YYYY年M月D日`.
    DateZh,
}

impl Derivation {
    /// The name used in the catalogue and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BirthDateFromIdNumber => "birth_date_from_id_number",
            Self::SexFromIdNumber => "sex_from_id_number",
            Self::AddressProvince => "address_province",
            Self::AddressCity => "address_city",
            Self::AddressDistrict => "address_district",
            Self::AddressDetail => "address_detail",
            Self::DateCompact => "date_compact",
            Self::DateZh => "date_zh",
        }
    }
}

/// Where a field's value may be read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct FieldSource {
    /// The licence type.
    pub vct: String,
    /// The claim (a top-level disclosure).
    pub claim: String,
    /// How the value is computed from the claim (None: as it is).
    #[serde(default)]
    pub derive: Option<Derivation>,
    /// Whose licence.
    #[serde(default)]
    pub of: SourceHolder,
}

/// One form field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct FormField {
    /// Stable name within the form.
    pub name: String,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// Its type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Must be filled.
    pub required: bool,
    /// Extra rules.
    #[serde(default)]
    pub rules: FieldRules,
    /// Options of a choice field.
    #[serde(default)]
    pub options: Vec<ChoiceOption>,
    /// Where the value may be read, best first.
    #[serde(default)]
    pub sources: Vec<FieldSource>,
}

impl ServiceItem {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.form.fields.iter().find(|f| f.name == name)
    }
}
