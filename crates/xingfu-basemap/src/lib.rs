//! The basemap Xingfu serves itself, cut from the deployment's own OpenStreetMap extract (the
//! file `xingfu serve --osm` takes), so that no page asks a public tile server for anything.
//!
//! - [`read`] turns an extract into map features (streets with their names, buildings, water,
//!   green spaces, campuses and place names), in Web Mercator, indexed by zoom-14 tile.
//! - [`tile`] cuts one Mapbox Vector Tile (`z/x/y`) out of them: clipped to the tile and a small
//!   buffer, rings wound as the specification asks, each layer's detail by zoom.
//! - [`style`] writes the MapLibre style that draws them.
//!
//! Coordinates are WGS-84 as OpenStreetMap keeps them (and as Xingfu stores every position);
//! the tiles use the usual Web Mercator grid.

pub mod mercator;
pub mod read;
pub mod style;
pub mod tile;

pub use read::{Basemap, BasemapError, Feature, Geometry, Layer};
pub use style::{StyleOptions, style_json};
pub use tile::{MAX_ZOOM, MIN_ZOOM, TileError, TileId, cut_tile};
