//! Service facilities: what they offer, where they are, when they open, how many they serve.
//!
//! One facility may offer several functions: a "党建+" neighbourhood centre (邻里中心) houses
//! all six of the "1+6+X" model under one roof, so a facility carries a set of functions rather
//! than one.

use serde::Serialize;

use crate::function::ServiceFunction;
use crate::geometry::LonLat;

/// One service facility from the registry or from OpenStreetMap.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Facility {
    /// Registry id, or `osm:n123` / `osm:w123` / `osm:r123` for OpenStreetMap elements.
    pub id: String,
    pub name: String,
    /// Never empty, no function twice, in [`ServiceFunction::ALL`] order.
    pub functions: Vec<ServiceFunction>,
    pub location: LonLat,
    /// Opening hours as written by the source (OSM `opening_hours` syntax or free text).
    pub hours: Option<String>,
    /// How many people it can serve (places, beds, seats), when known.
    pub capacity: Option<u32>,
}

impl Facility {
    pub fn offers(&self, function: ServiceFunction) -> bool {
        self.functions.contains(&function)
    }
}

/// Sorts and de-duplicates a function list into the canonical order.
pub fn normalise_functions(functions: &mut Vec<ServiceFunction>) {
    functions.sort_unstable();
    functions.dedup();
}

/// Facilities grouped by function: for each function, the indexes of the facilities offering it.
pub fn by_function(facilities: &[Facility]) -> [Vec<usize>; crate::function::FUNCTION_COUNT] {
    let mut groups: [Vec<usize>; crate::function::FUNCTION_COUNT] = Default::default();
    for (index, facility) in facilities.iter().enumerate() {
        for function in &facility.functions {
            groups[function.index()].push(index);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_centre_with_several_functions_appears_in_each_group() {
        let centre = Facility {
            id: "c1".into(),
            name: "邻里中心".into(),
            functions: vec![ServiceFunction::ElderlyCare, ServiceFunction::Childcare],
            location: LonLat {
                lon: 118.6,
                lat: 24.9,
            },
            hours: None,
            capacity: Some(40),
        };
        let clinic = Facility {
            id: "c2".into(),
            functions: vec![ServiceFunction::Medical],
            ..centre.clone()
        };
        let groups = by_function(&[centre.clone(), clinic]);
        assert_eq!(groups[ServiceFunction::Childcare.index()], vec![0]);
        assert_eq!(groups[ServiceFunction::ElderlyCare.index()], vec![0]);
        assert_eq!(groups[ServiceFunction::Medical.index()], vec![1]);
        assert!(groups[ServiceFunction::Food.index()].is_empty());
        assert!(centre.offers(ServiceFunction::ElderlyCare));
        assert!(!centre.offers(ServiceFunction::Medical));
    }

    #[test]
    fn function_lists_are_sorted_and_unique() {
        let mut list = vec![
            ServiceFunction::Affairs,
            ServiceFunction::Childcare,
            ServiceFunction::Affairs,
        ];
        normalise_functions(&mut list);
        assert_eq!(
            list,
            vec![ServiceFunction::Childcare, ServiceFunction::Affairs]
        );
    }
}
