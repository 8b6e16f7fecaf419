//! Reading OpenStreetMap tags: which ways are walkable, which elements are service facilities
//! of which function, which buildings are homes. Pure rules, tested here; `osm` applies them.
//!
//! # Walkable ways
//! A way with a `highway` tag, not `area=yes` (a pedestrian square's outline is not a path;
//! the paths across it are mapped separately), and not closed to walkers:
//! - `foot=no`, `foot=private`, `foot=use_sidepath` exclude the way;
//! - `access=no` or `access=private` exclude it unless `foot=yes|designated|permissive`.
//!
//! | `highway=` | walkable |
//! |---|---|
//! | footway, path, pedestrian, steps, living_street, residential, service, unclassified, tertiary(_link), secondary(_link), primary(_link), track, road, corridor, elevator, platform, bridleway, trail, crossing | yes |
//! | cycleway | only with `foot=yes/designated/permissive` (a shared foot–cycle path says so) |
//! | trunk, trunk_link | only with explicit foot access or a mapped `sidewalk=both/left/right/yes` |
//! | motorway, motorway_link | only with explicit foot access |
//! | anything else (construction, proposed, raceway, bus_guideway, …) | no |
//!
//! # Facilities by tag
//! | function | tags |
//! |---|---|
//! | 幼有所育 childcare | `amenity=kindergarten`, `amenity=childcare`, `social_facility=day_care` with `social_facility:for=child` |
//! | 老有所养 elderly care | `amenity=nursing_home`, `social_facility=nursing_home/assisted_living`, `social_facility:for=senior/elderly` |
//! | 病有所医 medical care | `amenity=hospital/clinic/doctors/pharmacy`, `healthcare=hospital/clinic/doctor/centre/pharmacy` |
//! | 食有所安 food | `amenity=marketplace`, `shop=supermarket/convenience/greengrocer/butcher/general` |
//! | 居有所乐 culture and leisure | `leisure=park/sports_centre/fitness_station`, `amenity=library/community_centre/arts_centre/social_centre` |
//! | 事有所办 public affairs | `amenity=townhall/police/post_office/bank`, `office=government` |
//! | 党群服务中心 / 党群服务站 / 志愿服务站 | no OSM tag exists: a `name` containing 党群服务中心, 党群服务站, 志愿服务站 or 志愿者服务站 |
//!
//! Left out on purpose: dentists (specialist care), schools above kindergarten (education is
//! not one of the six), restaurants and cafés (commerce rather than 食有所安's markets and
//! canteens), pitches and playgrounds (too small to stand for a leisure facility), ATMs.
//! Chinese OSM has almost no elderly-care or 居委会 tags: those facilities come from the registry.
//!
//! # Homes
//! `building=residential/apartments/house/detached/semidetached_house/terrace/dormitory/
//! bungalow/farm`, or `building:use=residential/apartments`, is a home; `building=yes` is a
//! home only when it stands inside a `landuse=residential` area (decided by the importer).

use crate::facility::normalise_functions;
use crate::function::ServiceFunction;

/// The tags of one element.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags(pub Vec<(String, String)>);

/// Tags to read a rule from: kept ones ([`Tags`]) or pairs borrowed from a block being
/// decoded, so that an element nobody keeps costs no copies of its strings.
pub trait TagSource {
    fn get(&self, key: &str) -> Option<&str>;
}

impl TagSource for Tags {
    fn get(&self, key: &str) -> Option<&str> {
        Tags::get(self, key)
    }
}

impl TagSource for [(&str, &str)] {
    fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
    }
}

impl Tags {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Tags {
        Tags(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

fn foot_explicitly_allowed(tags: &(impl TagSource + ?Sized)) -> bool {
    matches!(tags.get("foot"), Some("yes" | "designated" | "permissive"))
}

/// Whether a way may be walked (see the module table).
pub fn is_walkable(tags: &(impl TagSource + ?Sized)) -> bool {
    let Some(highway) = tags.get("highway") else {
        return false;
    };
    if tags.get("area") == Some("yes") {
        return false;
    }
    if matches!(tags.get("foot"), Some("no" | "private" | "use_sidepath")) {
        return false;
    }
    let explicit = foot_explicitly_allowed(tags);
    if matches!(tags.get("access"), Some("no" | "private")) && !explicit {
        return false;
    }
    match highway {
        "footway" | "path" | "pedestrian" | "steps" | "living_street" | "residential"
        | "service" | "unclassified" | "tertiary" | "tertiary_link" | "secondary"
        | "secondary_link" | "primary" | "primary_link" | "track" | "road" | "corridor"
        | "elevator" | "platform" | "bridleway" | "trail" | "crossing" => true,
        "cycleway" => explicit,
        "trunk" | "trunk_link" => {
            explicit
                || matches!(
                    tags.get("sidewalk"),
                    Some("both" | "left" | "right" | "yes")
                )
        }
        "motorway" | "motorway_link" => explicit,
        _ => false,
    }
}

/// The service functions an element offers by its tags (see the module table); empty for
/// anything else.
pub fn facility_functions(tags: &(impl TagSource + ?Sized)) -> Vec<ServiceFunction> {
    use ServiceFunction::*;
    let mut found = Vec::new();
    let amenity = tags.get("amenity");
    match amenity {
        Some("kindergarten" | "childcare") => found.push(Childcare),
        Some("nursing_home") => found.push(ElderlyCare),
        Some("hospital" | "clinic" | "doctors" | "pharmacy") => found.push(Medical),
        Some("marketplace") => found.push(Food),
        Some("library" | "community_centre" | "arts_centre" | "social_centre") => {
            found.push(Leisure)
        }
        Some("townhall" | "police" | "post_office" | "bank") => found.push(Affairs),
        _ => {}
    }
    let facility_for = tags.get("social_facility:for");
    match tags.get("social_facility") {
        Some("nursing_home" | "assisted_living") => found.push(ElderlyCare),
        Some("day_care") if facility_for == Some("child") => found.push(Childcare),
        _ => {}
    }
    if matches!(facility_for, Some("senior" | "elderly")) {
        found.push(ElderlyCare);
    }
    if matches!(
        tags.get("healthcare"),
        Some("hospital" | "clinic" | "doctor" | "centre" | "pharmacy")
    ) {
        found.push(Medical);
    }
    if matches!(
        tags.get("shop"),
        Some("supermarket" | "convenience" | "greengrocer" | "butcher" | "general")
    ) {
        found.push(Food);
    }
    if matches!(
        tags.get("leisure"),
        Some("park" | "sports_centre" | "fitness_station")
    ) {
        found.push(Leisure);
    }
    if tags.get("office") == Some("government") {
        found.push(Affairs);
    }
    if let Some(name) = tags.get("name") {
        if name.contains("党群服务中心") {
            found.push(PartyMassCentre);
        }
        if name.contains("党群服务站") {
            found.push(PartyMassStation);
        }
        if name.contains("志愿服务站") || name.contains("志愿者服务站") {
            found.push(VolunteerStation);
        }
    }
    normalise_functions(&mut found);
    found
}

/// What a building tag says about homes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dwelling {
    /// Tagged as a home.
    Home,
    /// `building=yes`: a home if it stands in a residential area.
    HomeIfResidentialArea,
    /// Not a building, or a building of another kind.
    #[default]
    No,
}

pub fn dwelling(tags: &(impl TagSource + ?Sized)) -> Dwelling {
    if matches!(tags.get("building:use"), Some("residential" | "apartments")) {
        return Dwelling::Home;
    }
    match tags.get("building") {
        Some(
            "residential" | "apartments" | "house" | "detached" | "semidetached_house" | "terrace"
            | "dormitory" | "bungalow" | "farm",
        ) => Dwelling::Home,
        Some("yes") => Dwelling::HomeIfResidentialArea,
        _ => Dwelling::No,
    }
}

/// A display name: `name`, else `name:zh`, else `name:en`, else empty.
pub fn display_name(tags: &(impl TagSource + ?Sized)) -> String {
    name_of(tags).unwrap_or("").to_string()
}

/// Whether [`display_name`] is not empty, without making it.
pub fn is_named(tags: &(impl TagSource + ?Sized)) -> bool {
    name_of(tags).is_some_and(|name| !name.is_empty())
}

fn name_of(tags: &(impl TagSource + ?Sized)) -> Option<&str> {
    ["name", "name:zh", "name:en"]
        .iter()
        .find_map(|k| tags.get(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ServiceFunction::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        Tags::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn ordinary_streets_and_paths_are_walkable() {
        for highway in [
            "footway",
            "residential",
            "primary",
            "steps",
            "living_street",
            "service",
        ] {
            assert!(is_walkable(&tags(&[("highway", highway)])), "{highway}");
        }
        assert!(!is_walkable(&tags(&[("building", "yes")])));
        assert!(!is_walkable(&tags(&[("highway", "construction")])));
        assert!(!is_walkable(&tags(&[("highway", "proposed")])));
    }

    #[test]
    fn foot_and_access_restrictions_are_respected() {
        assert!(!is_walkable(&tags(&[
            ("highway", "footway"),
            ("foot", "no")
        ])));
        assert!(!is_walkable(&tags(&[
            ("highway", "service"),
            ("access", "private")
        ])));
        assert!(is_walkable(&tags(&[
            ("highway", "service"),
            ("access", "private"),
            ("foot", "yes")
        ])));
        assert!(!is_walkable(&tags(&[
            ("highway", "primary"),
            ("foot", "use_sidepath")
        ])));
        assert!(!is_walkable(&tags(&[
            ("highway", "pedestrian"),
            ("area", "yes")
        ])));
        assert!(is_walkable(&tags(&[
            ("highway", "residential"),
            ("access", "destination")
        ])));
    }

    #[test]
    fn fast_roads_and_cycleways_need_a_sign_of_foot_access() {
        assert!(!is_walkable(&tags(&[("highway", "motorway")])));
        assert!(is_walkable(&tags(&[
            ("highway", "motorway_link"),
            ("foot", "yes")
        ])));
        assert!(!is_walkable(&tags(&[("highway", "trunk")])));
        assert!(is_walkable(&tags(&[
            ("highway", "trunk"),
            ("sidewalk", "both")
        ])));
        assert!(!is_walkable(&tags(&[
            ("highway", "trunk"),
            ("sidewalk", "separate")
        ])));
        assert!(!is_walkable(&tags(&[("highway", "cycleway")])));
        assert!(is_walkable(&tags(&[
            ("highway", "cycleway"),
            ("foot", "designated")
        ])));
    }

    #[test]
    fn facility_tags_map_to_functions() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [ServiceFunction]);
        let cases: &[Case] = &[
            (&[("amenity", "kindergarten")], &[Childcare]),
            (&[("amenity", "childcare")], &[Childcare]),
            (
                &[
                    ("amenity", "social_facility"),
                    ("social_facility", "day_care"),
                    ("social_facility:for", "child"),
                ],
                &[Childcare],
            ),
            (
                &[
                    ("amenity", "social_facility"),
                    ("social_facility", "day_care"),
                    ("social_facility:for", "senior"),
                ],
                &[ElderlyCare],
            ),
            (
                &[
                    ("amenity", "social_facility"),
                    ("social_facility", "nursing_home"),
                ],
                &[ElderlyCare],
            ),
            (&[("amenity", "nursing_home")], &[ElderlyCare]),
            (&[("amenity", "clinic")], &[Medical]),
            (&[("healthcare", "pharmacy")], &[Medical]),
            (
                &[("amenity", "pharmacy"), ("healthcare", "pharmacy")],
                &[Medical],
            ),
            (&[("shop", "convenience")], &[Food]),
            (&[("amenity", "marketplace")], &[Food]),
            (&[("leisure", "park")], &[Leisure]),
            (&[("amenity", "library")], &[Leisure]),
            (&[("amenity", "post_office")], &[Affairs]),
            (&[("office", "government")], &[Affairs]),
            (
                &[
                    ("amenity", "community_centre"),
                    ("name", "圣湖社区党群服务中心"),
                ],
                &[Leisure, PartyMassCentre],
            ),
            (&[("name", "浔美社区党群服务站")], &[PartyMassStation]),
            (&[("name", "北星社区志愿者服务站")], &[VolunteerStation]),
            (&[("amenity", "restaurant")], &[]),
            (&[("amenity", "dentist")], &[]),
            (&[("amenity", "school")], &[]),
            (&[("social_facility", "outreach")], &[]),
        ];
        for (given, expected) in cases {
            assert_eq!(
                facility_functions(&tags(given)),
                expected.to_vec(),
                "{given:?}"
            );
        }
    }

    #[test]
    fn homes_by_building_tag() {
        assert_eq!(
            dwelling(&tags(&[("building", "apartments")])),
            Dwelling::Home
        );
        assert_eq!(
            dwelling(&tags(&[("building", "residential")])),
            Dwelling::Home
        );
        assert_eq!(
            dwelling(&tags(&[
                ("building", "yes"),
                ("building:use", "residential")
            ])),
            Dwelling::Home
        );
        assert_eq!(
            dwelling(&tags(&[("building", "yes")])),
            Dwelling::HomeIfResidentialArea
        );
        assert_eq!(dwelling(&tags(&[("building", "office")])), Dwelling::No);
        assert_eq!(dwelling(&tags(&[("landuse", "residential")])), Dwelling::No);
    }

    #[test]
    fn names_fall_back_to_other_languages() {
        assert_eq!(
            display_name(&tags(&[("name:en", "Clinic"), ("name:zh", "诊所")])),
            "诊所"
        );
        assert_eq!(display_name(&tags(&[])), "");
    }
}
