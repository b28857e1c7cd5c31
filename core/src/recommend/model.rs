//! The recommendation capability's public records.

use serde::{Deserialize, Serialize};

use crate::catalogue::Audience;

/// Age bands used for ranking and campaign rules (the age itself never leaves the device).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    /// Under 18.
    Minor,
    /// 18–29.
    Young,
    /// 30–44.
    Adult,
    /// 45–59.
    Middle,
    /// 60 and over.
    Senior,
}

impl AgeBand {
    /// The band of an age in years.
    pub fn of(age: u32) -> Self {
        match age {
            0..=17 => Self::Minor,
            18..=29 => Self::Young,
            30..=44 => Self::Adult,
            45..=59 => Self::Middle,
            _ => Self::Senior,
        }
    }
}

/// What the device knows about the identity acted for, derived from its wallet. Computed and
/// kept on the device: it is never sent anywhere, and its `Debug` prints no value.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileFacts {
    /// A person or an enterprise.
    pub audience: Option<Audience>,
    /// A person's age in years (from the ID card's birth date).
    pub age: Option<u32>,
    /// Its band.
    pub age_band: Option<AgeBand>,
    /// A vehicle is registered to them.
    pub has_vehicle: bool,
    /// They own property (a real-estate certificate).
    pub owns_property: bool,
    /// Married (a marriage certificate).
    pub married: bool,
    /// Children whose birth certificates name them as a parent.
    pub children: u32,
    /// An enterprise's industry, from its business scope (`technology`, `catering`, `retail`,
    /// `manufacturing`, `services`).
    pub industry: Option<String>,
    /// An enterprise's registered capital in 10,000 yuan.
    pub registered_capital_wan: Option<u32>,
    /// An enterprise's age in whole years since it was established.
    pub enterprise_age_years: Option<u32>,
    /// The district of the address (person: the ID card's; enterprise: the licence's).
    pub district: Option<String>,
}

impl std::fmt::Debug for ProfileFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProfileFacts(")?;
        f.write_str(crate::privacy::REDACTED)?;
        f.write_str(")")
    }
}

/// A life event, detected from a licence that arrived recently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum LifeEventKind {
    /// A birth certificate: the newborn bundle.
    Birth,
    /// A marriage certificate: the marriage bundle.
    Marriage,
    /// A business licence: opening a business.
    BusinessOpened,
    /// A real-estate certificate: buying a home.
    HomeBought,
    /// A vehicle registration: owning a car.
    VehicleBought,
}

impl LifeEventKind {
    /// The catalogue bundle the event starts.
    pub fn bundle(self) -> &'static str {
        match self {
            Self::Birth => "birth",
            Self::Marriage => "marriage",
            Self::BusinessOpened => "opening-a-business",
            Self::HomeBought => "buying-a-home",
            Self::VehicleBought => "car-ownership",
        }
    }

    /// The event a licence type starts, if any.
    pub fn of_vct(vct: &str) -> Option<Self> {
        use super::vct;
        Some(match vct {
            vct::BIRTH_MEDICAL_CERTIFICATE | vct::BIRTH_REGISTRATION_CERTIFICATE => Self::Birth,
            vct::MARRIAGE_CERTIFICATE | vct::MARRIAGE_REGISTRATION_RECEIPT => Self::Marriage,
            vct::BUSINESS_LICENCE => Self::BusinessOpened,
            vct::REAL_ESTATE_CERTIFICATE => Self::HomeBought,
            vct::VEHICLE_REGISTRATION => Self::VehicleBought,
            _ => return None,
        })
    }

    pub(crate) fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Birth => ("出生登记", "a birth was registered"),
            Self::Marriage => ("结婚登记", "a marriage was registered"),
            Self::BusinessOpened => ("营业执照领取", "a business licence was issued"),
            Self::HomeBought => ("不动产登记", "a property was registered"),
            Self::VehicleBought => ("机动车登记", "a vehicle was registered"),
        }
    }
}

/// A life event and when it happened (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct LifeEvent {
    /// What happened.
    pub kind: LifeEventKind,
    /// When (the licence's issue time).
    pub at: i64,
}

/// What the person did with a service (kept on the device).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    /// Applied for it (a case).
    Case,
    /// Opened its guide.
    View,
    /// Found it by a search.
    Search,
}

/// One step of the person's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct HistoryEvent {
    /// What.
    pub kind: HistoryKind,
    /// The service item.
    pub item_id: String,
    /// When (Unix seconds).
    pub at: i64,
}

/// How a person turned a recommendation down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Dismissal {
    /// Not now (never shown again either).
    Dismiss,
    /// Not for me: never again, and nothing more of its bundle from a life event.
    NotForMe,
}

/// The platform's anonymous "next step" statistics: how many people took one service after
/// another, and how many took each. Every count stands for at least `min_contributors` people;
/// smaller ones are not published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStepStats {
    /// The smallest number of people behind any published count.
    pub min_contributors: u32,
    /// `from` → `to` counts.
    pub transitions: Vec<Transition>,
    /// How many people took each service.
    pub popularity: Vec<ItemCount>,
    /// How many of the people who took a service took it again, and how long after (recurring
    /// obligations: inspections, renewals, annual reports).
    #[serde(default)]
    pub repeats: Vec<Repeat>,
    /// How many people of one segment (an age band, an industry) took each service, so that a
    /// device ranks by what people like its holder use (千人千面) without saying which segment
    /// it is in: it downloads every segment's counts.
    #[serde(default)]
    pub segments: Vec<SegmentCount>,
}

/// People of a segment who took a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentCount {
    /// The segment, as [`ProfileFacts::segment`] names it (`age_band:senior`, `industry:catering`).
    pub segment: String,
    /// The service.
    pub item: String,
    /// How many people.
    pub count: u32,
}

impl ProfileFacts {
    /// The segment the platform's popularity by segment is counted in: a person's age band, an
    /// enterprise's industry.
    pub fn segment(&self) -> Option<String> {
        match self.audience {
            Some(Audience::Enterprise) => self.industry.as_ref().map(|i| format!("industry:{i}")),
            _ => self.age_band.and_then(|b| serde_json::to_value(b).ok()).and_then(|v| v.as_str().map(|b| format!("age_band:{b}"))),
        }
    }
}

/// People who took a service again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeat {
    /// The service.
    pub item: String,
    /// People who took it at least once.
    pub people: u32,
    /// Of them, people who took it again.
    pub again: u32,
    /// The median time between two takes, in days.
    pub interval_days: u32,
}

/// People who took `to` right after `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The earlier service.
    pub from: String,
    /// The next one.
    pub to: String,
    /// How many people.
    pub count: u32,
}

/// People who took a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemCount {
    /// The service.
    pub item: String,
    /// How many people.
    pub count: u32,
}

/// Why a service is recommended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// A life event's bundle.
    LifeEvent,
    /// What people usually do after something the person did.
    NextStep,
    /// A service the person took before and that people take again about now (a renewal, an
    /// inspection, an annual report).
    Recurring,
    /// The person's profile (age, vehicle, children, an enterprise's industry).
    Profile,
    /// Something they searched for or looked at.
    Interest,
    /// Many people use it.
    Popular,
}

/// One recommended service, with a reason people can read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Recommendation {
    /// The service item.
    pub item_id: String,
    /// Its Chinese name.
    pub name_zh: String,
    /// Its English name.
    pub name_en: String,
    /// The bundle it belongs to when the reason is a life event.
    pub bundle_id: Option<String>,
    /// The score it was ranked by (higher first; ties by item id).
    pub score: f64,
    /// The strongest reason.
    pub reason: ReasonKind,
    /// The reason in Chinese.
    pub reason_zh: String,
    /// The reason in English.
    pub reason_en: String,
}

/// A policy campaign the platform broadcasts to everyone, with machine-readable eligibility
/// (JsonLogic over the profile facts' names, e.g. `{">=": [{"var": "age"}, 60]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    /// Its id.
    pub id: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: String,
    /// The service to apply through, if any.
    #[serde(default)]
    pub item_id: Option<String>,
    /// Person or enterprise campaigns.
    pub audience: Audience,
    /// The eligibility rule (JsonLogic).
    pub rule: serde_json::Value,
    /// Until when it runs (Unix seconds).
    pub until: i64,
}

/// A campaign this identity is eligible for, and the facts that made it so.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CampaignMatch {
    /// The campaign.
    pub campaign_id: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: String,
    /// The service to apply through, if any.
    pub item_id: Option<String>,
    /// The facts the rule read, with their values here ("age = 67").
    pub because: Vec<FactValue>,
    /// Until when it runs (Unix seconds).
    pub until: i64,
}

/// A profile fact and its value, as a rule read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct FactValue {
    /// The fact's name (`age`, `has_vehicle`, `industry`, …).
    pub fact: String,
    /// Its value here, as JSON text (personal: shown to the person only).
    #[cfg_attr(feature = "wasm", tsify(type = "Personal"))]
    pub value: crate::privacy::Personal<String>,
}
