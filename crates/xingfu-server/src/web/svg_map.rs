//! The projection the server-drawn SVG maps share (grids and events, coverage and siting).

/// Equirectangular projection fitted to the points, x scaled by cos(latitude) so shapes keep
/// their proportions at a street's scale.
pub struct Projection {
    min_lon: f64,
    max_lat: f64,
    k: f64,
    scale: f64,
    margin: f64,
}

impl Projection {
    /// Fits (longitude, latitude) points into `width` pixels with `margin` on every side; returns
    /// the projection and the map's height, or `None` when there is no point.
    pub fn fit(
        points: impl IntoIterator<Item = (f64, f64)>,
        width: f64,
        margin: f64,
    ) -> Option<(Projection, f64)> {
        let mut points = points.into_iter();
        let (lon, lat) = points.next()?;
        let (mut min_lon, mut max_lon, mut min_lat, mut max_lat) = (lon, lon, lat, lat);
        for (lon, lat) in points {
            min_lon = min_lon.min(lon);
            max_lon = max_lon.max(lon);
            min_lat = min_lat.min(lat);
            max_lat = max_lat.max(lat);
        }
        // At least about 50 m across, so a lone point still gets a map.
        let pad = 0.0005;
        if max_lon - min_lon < pad {
            min_lon -= pad / 2.0;
            max_lon += pad / 2.0;
        }
        if max_lat - min_lat < pad {
            min_lat -= pad / 2.0;
            max_lat += pad / 2.0;
        }
        let k = ((min_lat + max_lat) / 2.0).to_radians().cos().max(0.01);
        let span_x = (max_lon - min_lon) * k;
        let span_y = max_lat - min_lat;
        let inner = width - 2.0 * margin;
        let scale = (inner / span_x).min(inner / span_y);
        let height = span_y * scale + 2.0 * margin;
        Some((
            Projection {
                min_lon,
                max_lat,
                k,
                scale,
                margin,
            },
            height,
        ))
    }

    /// Where a point falls, in pixels from the top left.
    pub fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            self.margin + (lon - self.min_lon) * self.k * self.scale,
            self.margin + (self.max_lat - lat) * self.scale,
        )
    }
}
