//! The whole 15-minute circle on one extract, stage by stage: read the .osm.pbf and build the
//! walking graph, facilities and origins; one multi-source search per function; the per-community
//! tally. Prints the median of each stage over `--runs` and a fingerprint of every result (graph,
//! facilities, origins and each origin's distance to each function), so two builds can be
//! compared for speed and for sameness in one run.
//!
//! ```sh
//! cargo run --release -p xingfu-geo --example circle_speed -- area.osm.pbf --runs 5
//! ```

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use xingfu_geo::osm::{OsmOptions, import_file};
use xingfu_geo::{CircleAnalysis, CoverageReport, ServiceFunction, TimeBudget, WalkingSpeed};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut runs = 5usize;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().ok_or("--runs needs a number")?.parse()?,
            _ => path = Some(PathBuf::from(arg)),
        }
    }
    let path = path.ok_or("usage: circle_speed FILE.osm.pbf [--runs N]")?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (mut read, mut search, mut tally, mut total) = (vec![], vec![], vec![], vec![]);
    let mut fingerprint = 0;
    let mut summary = String::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let extract = import_file(&path, &OsmOptions::default())?;
        read.push(started.elapsed());
        let start = Instant::now();
        let analysis = CircleAnalysis::run(
            &extract.graph,
            &extract.facilities,
            &extract.origins,
            WalkingSpeed::DEFAULT,
            TimeBudget::FIFTEEN_MINUTES,
            threads,
        );
        search.push(start.elapsed());
        let start = Instant::now();
        let report = CoverageReport::new(&analysis, &extract.origins, &extract.communities);
        tally.push(start.elapsed());
        total.push(started.elapsed());

        let mut hasher = DefaultHasher::new();
        for edge in extract.graph.edges() {
            (
                extract.graph.osm_id(edge.from),
                extract.graph.osm_id(edge.to),
            )
                .hash(&mut hasher);
            edge.length_mm.hash(&mut hasher);
        }
        for facility in &extract.facilities {
            (
                &facility.id,
                &facility.name,
                facility.location.lon.to_bits(),
            )
                .hash(&mut hasher);
        }
        for (i, origin) in extract.origins.iter().enumerate() {
            (&origin.id, origin.community, origin.location.lat.to_bits()).hash(&mut hasher);
            for function in ServiceFunction::ALL {
                analysis.origin_distance(i, function).hash(&mut hasher);
            }
        }
        extract.communities.hash(&mut hasher);
        fingerprint = hasher.finish();
        summary = format!(
            "{} graph nodes, {} edges, {} facilities, {} origins, {} communities, all six {}%",
            extract.graph.node_count(),
            extract.graph.edge_count(),
            extract.facilities.len(),
            extract.origins.len(),
            extract.communities.len(),
            report.overall.all_six_share
        );
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1000.0
    };
    println!("{}: {summary}", path.display());
    println!("fingerprint {fingerprint:016x}, {threads} threads, median of {runs} runs:");
    println!("  read extract, build graph   {:9.1} ms", median(read));
    println!("  searches (six functions)    {:9.1} ms", median(search));
    println!("  per-community tally         {:9.1} ms", median(tally));
    println!("  end to end                  {:9.1} ms", median(total));
    Ok(())
}
