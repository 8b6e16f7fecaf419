//! The service functions of a community neighbourhood centre.
//!
//! Fengze's "1+6+X" model names six functions — 幼有所育、老有所养、病有所医、食有所安、居有所乐、
//! 事有所办 — around the "1" of party leadership, whose places are the party-mass service centres
//! and stations (党群服务中心/站, Baoji's "1+N"); volunteer stations come from the Weihai plan.
//! Each function has a stable key used in files, metric names and URLs; the keys never change
//! even if the display names do.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One service function a facility can provide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceFunction {
    /// 幼有所育: childcare and early education.
    Childcare,
    /// 老有所养: elderly care.
    ElderlyCare,
    /// 病有所医: medical care.
    Medical,
    /// 食有所安: food (markets, groceries, community canteens).
    Food,
    /// 居有所乐: culture, sport and leisure.
    Leisure,
    /// 事有所办: public affairs and everyday errands.
    Affairs,
    /// 党群服务中心: party-mass service centre.
    PartyMassCentre,
    /// 党群服务站: party-mass service station.
    PartyMassStation,
    /// 志愿服务站: volunteer station.
    VolunteerStation,
}

/// How many functions there are; arrays indexed by [`ServiceFunction::index`] have this length.
pub const FUNCTION_COUNT: usize = 9;

impl ServiceFunction {
    /// Every function, in display order.
    pub const ALL: [ServiceFunction; FUNCTION_COUNT] = [
        ServiceFunction::Childcare,
        ServiceFunction::ElderlyCare,
        ServiceFunction::Medical,
        ServiceFunction::Food,
        ServiceFunction::Leisure,
        ServiceFunction::Affairs,
        ServiceFunction::PartyMassCentre,
        ServiceFunction::PartyMassStation,
        ServiceFunction::VolunteerStation,
    ];

    /// The six functions of the "1+6+X" model (the "6").
    pub const SIX: [ServiceFunction; 6] = [
        ServiceFunction::Childcare,
        ServiceFunction::ElderlyCare,
        ServiceFunction::Medical,
        ServiceFunction::Food,
        ServiceFunction::Leisure,
        ServiceFunction::Affairs,
    ];

    /// Position in [`ServiceFunction::ALL`], for per-function arrays.
    pub const fn index(self) -> usize {
        self as usize
    }

    pub fn is_one_of_six(self) -> bool {
        self.index() < 6
    }

    /// Stable key: used in files, in metric names (`circle.<key>.share`) and on the command line.
    pub const fn key(self) -> &'static str {
        match self {
            ServiceFunction::Childcare => "childcare",
            ServiceFunction::ElderlyCare => "elderly_care",
            ServiceFunction::Medical => "medical",
            ServiceFunction::Food => "food",
            ServiceFunction::Leisure => "leisure",
            ServiceFunction::Affairs => "affairs",
            ServiceFunction::PartyMassCentre => "party_centre",
            ServiceFunction::PartyMassStation => "party_station",
            ServiceFunction::VolunteerStation => "volunteer_station",
        }
    }

    /// The name in Simplified Chinese, as the seeds write it.
    pub const fn name_zh(self) -> &'static str {
        match self {
            ServiceFunction::Childcare => "幼有所育",
            ServiceFunction::ElderlyCare => "老有所养",
            ServiceFunction::Medical => "病有所医",
            ServiceFunction::Food => "食有所安",
            ServiceFunction::Leisure => "居有所乐",
            ServiceFunction::Affairs => "事有所办",
            ServiceFunction::PartyMassCentre => "党群服务中心",
            ServiceFunction::PartyMassStation => "党群服务站",
            ServiceFunction::VolunteerStation => "志愿服务站",
        }
    }

    pub const fn name_en(self) -> &'static str {
        match self {
            ServiceFunction::Childcare => "childcare",
            ServiceFunction::ElderlyCare => "elderly care",
            ServiceFunction::Medical => "medical care",
            ServiceFunction::Food => "food",
            ServiceFunction::Leisure => "culture and leisure",
            ServiceFunction::Affairs => "public affairs",
            ServiceFunction::PartyMassCentre => "party-mass service centre",
            ServiceFunction::PartyMassStation => "party-mass service station",
            ServiceFunction::VolunteerStation => "volunteer station",
        }
    }

    pub fn name(self, english: bool) -> &'static str {
        if english {
            self.name_en()
        } else {
            self.name_zh()
        }
    }

    /// Reads a key (`elderly_care`), a Chinese name (`老有所养`) or an English name
    /// (`elderly care`, any case); surrounding spaces are ignored.
    pub fn parse(text: &str) -> Option<ServiceFunction> {
        let text = text.trim();
        ServiceFunction::ALL.into_iter().find(|function| {
            function.key() == text
                || function.name_zh() == text
                || function.name_en().eq_ignore_ascii_case(text)
        })
    }

    /// The metric key for the share of residents within reach of this function.
    pub fn share_metric_key(self) -> String {
        format!("circle.{}.share", self.key())
    }
}

/// The metric key for the share of residents within reach of all six functions.
pub const ALL_SIX_SHARE_METRIC: &str = "circle.all_six.share";

impl fmt::Display for ServiceFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl Serialize for ServiceFunction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for ServiceFunction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ServiceFunction::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown service function {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_follow_the_display_order() {
        for (position, function) in ServiceFunction::ALL.into_iter().enumerate() {
            assert_eq!(function.index(), position);
        }
        assert!(ServiceFunction::SIX.iter().all(|f| f.is_one_of_six()));
        assert!(!ServiceFunction::PartyMassCentre.is_one_of_six());
    }

    #[test]
    fn keys_and_names_read_back() {
        for function in ServiceFunction::ALL {
            assert_eq!(ServiceFunction::parse(function.key()), Some(function));
            assert_eq!(ServiceFunction::parse(function.name_zh()), Some(function));
            assert_eq!(
                ServiceFunction::parse(&function.name_en().to_uppercase()),
                Some(function)
            );
        }
        assert_eq!(
            ServiceFunction::parse(" 老有所养 "),
            Some(ServiceFunction::ElderlyCare)
        );
        assert_eq!(ServiceFunction::parse("elderly"), None);
        assert_eq!(ServiceFunction::parse(""), None);
    }

    #[test]
    fn metric_keys_name_the_function() {
        assert_eq!(
            ServiceFunction::Medical.share_metric_key(),
            "circle.medical.share"
        );
        assert_eq!(ALL_SIX_SHARE_METRIC, "circle.all_six.share");
    }

    #[test]
    fn serialises_as_its_key() {
        let json = serde_json::to_string(&ServiceFunction::ElderlyCare).unwrap();
        assert_eq!(json, "\"elderly_care\"");
        let back: ServiceFunction = serde_json::from_str("\"病有所医\"").unwrap();
        assert_eq!(back, ServiceFunction::Medical);
        assert!(serde_json::from_str::<ServiceFunction>("\"school\"").is_err());
    }
}
