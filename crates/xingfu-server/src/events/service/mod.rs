//! 随手拍 events and grids as the server runs them, without HTTP: who someone is in operations
//! ([`ops`]), photos made safe to publish ([`photos`]), intake routed to a grid ([`intake`]),
//! acting on an event and duplicate suggestions ([`closed_loop`]), the deadline sweep
//! ([`sweep`]), grid routing and import from GeoJSON ([`grids`]), the figures events feed
//! into ratings ([`metrics`]); the events waiting for someone in their 待办 ([`todo`]); the
//! demo's reports ([`demo`]).

pub mod closed_loop;
pub mod demo;
pub mod grids;
pub mod intake;
pub mod metrics;
pub mod ops;
pub mod photos;
pub mod sweep;
pub mod todo;

pub use closed_loop::{ActError, Command, act, duplicate_suggestions};
pub use grids::{GridProblem, read_grid_geojson, route_in_community};
pub use intake::{Intake, Place, report_event, report_event_at};
pub use metrics::event_metrics;
pub use ops::{OpsPerson, ops_person, ops_person_of, refusal_text, report_error_text, rules};
pub use photos::{CleanPhoto, EVENT_BODY_LIMIT, clean_photo, clean_photos, jpeg_is_complete};
pub use sweep::{SweepReport, sweep, sweep_at_most};
