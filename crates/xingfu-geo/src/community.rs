//! Community areas and which community a point lies in.
//!
//! Communities come from OpenStreetMap (administrative areas or named residential compounds,
//! see [`crate::osm`]) or from a GeoJSON file of the registry's own boundaries
//! ([`crate::registry::parse_communities_geojson`]). Areas may overlap (a compound inside a
//! district): a point belongs to the smallest area containing it, by bounding box. Two areas
//! with one name are one community.

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::coverage::Origin;
use crate::geometry::{Area, LonLat};

/// Areas with a value each, found by position through an R-tree of their bounding boxes.
#[derive(Clone, Debug)]
pub struct AreaIndex {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    areas: Vec<(Area, usize)>,
}

impl AreaIndex {
    pub fn new(areas: Vec<(Area, usize)>) -> AreaIndex {
        let boxes = areas
            .iter()
            .enumerate()
            .map(|(i, (area, _))| {
                let (min, max) = area.bounding_box();
                GeomWithData::new(
                    Rectangle::from_corners([min.lon, min.lat], [max.lon, max.lat]),
                    i,
                )
            })
            .collect();
        AreaIndex {
            tree: RTree::bulk_load(boxes),
            areas,
        }
    }

    /// The value of the smallest area (by bounding box) containing the point.
    pub fn smallest_containing(&self, p: LonLat) -> Option<usize> {
        let here = AABB::from_point([p.lon, p.lat]);
        self.tree
            .locate_in_envelope_intersecting(here)
            .map(|entry| &self.areas[entry.data])
            .filter(|(area, _)| area.contains(p))
            .min_by(|a, b| a.0.box_size().total_cmp(&b.0.box_size()))
            .map(|(_, value)| *value)
    }
}

/// Named community areas.
#[derive(Clone, Debug)]
pub struct CommunityAreas {
    names: Vec<String>,
    index: AreaIndex,
}

impl CommunityAreas {
    /// Communities in name order; areas sharing a name form one community.
    pub fn new(mut areas: Vec<(String, Area)>) -> CommunityAreas {
        areas.sort_by(|a, b| a.0.cmp(&b.0));
        let mut names: Vec<String> = areas.iter().map(|(n, _)| n.clone()).collect();
        names.dedup();
        let indexed = areas
            .into_iter()
            .map(|(name, area)| (area, names.binary_search(&name).unwrap_or(0)))
            .collect();
        CommunityAreas {
            names,
            index: AreaIndex::new(indexed),
        }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Index into [`CommunityAreas::names`] of the community containing the point.
    pub fn community_of(&self, p: LonLat) -> Option<u32> {
        self.index.smallest_containing(p).map(|c| c as u32)
    }

    /// Sets every origin's community from these areas.
    pub fn assign(&self, origins: &mut [Origin]) {
        for origin in origins {
            origin.community = self.community_of(origin.location);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lon: f64, lat: f64, size: f64) -> Area {
        Area::from_rings(&[vec![
            LonLat { lon, lat },
            LonLat {
                lon: lon + size,
                lat,
            },
            LonLat {
                lon: lon + size,
                lat: lat + size,
            },
            LonLat {
                lon,
                lat: lat + size,
            },
        ]])
        .unwrap()
    }

    #[test]
    fn the_smallest_containing_area_wins_and_names_merge() {
        let areas = CommunityAreas::new(vec![
            ("圣湖社区".into(), square(0.0, 0.0, 10.0)),
            ("丰泽社区".into(), square(2.0, 2.0, 2.0)),
            ("圣湖社区".into(), square(20.0, 0.0, 1.0)),
        ]);
        assert_eq!(areas.names(), ["丰泽社区", "圣湖社区"]);
        assert_eq!(areas.community_of(LonLat { lon: 3.0, lat: 3.0 }), Some(0));
        assert_eq!(areas.community_of(LonLat { lon: 8.0, lat: 8.0 }), Some(1));
        assert_eq!(
            areas.community_of(LonLat {
                lon: 20.5,
                lat: 0.5
            }),
            Some(1)
        );
        assert_eq!(
            areas.community_of(LonLat {
                lon: 15.0,
                lat: 0.5
            }),
            None
        );
        let mut origins = vec![Origin {
            id: "o".into(),
            location: LonLat { lon: 3.0, lat: 3.0 },
            community: None,
            weight: 1,
        }];
        areas.assign(&mut origins);
        assert_eq!(origins[0].community, Some(0));
        assert_eq!(
            CommunityAreas::new(Vec::new()).community_of(LonLat { lon: 0.0, lat: 0.0 }),
            None
        );
    }
}
