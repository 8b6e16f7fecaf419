//! `xingfu circle …`: the 15-minute service circle on an OpenStreetMap extract — coverage per
//! community, siting suggestions, graph export — and `xingfu bench circle`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use xingfu_core::Dec2;
use xingfu_geo::coverage::{
    CircleAnalysis, CommunityCoverage, CoverageReport, TimeBudget, WalkingSpeed,
};
use xingfu_geo::dijkstra::{NearestField, nearest_sources_each};
use xingfu_geo::export::{read_graph_dir, write_graph_dir, write_nearest};
use xingfu_geo::facility::Facility;
use xingfu_geo::function::{FUNCTION_COUNT, ServiceFunction};
use xingfu_geo::osm::{CommunitySource, OriginKind, OsmExtract, OsmOptions, import_file};
use xingfu_geo::registry::{
    RegistryProblem, parse_communities_geojson, parse_facilities, parse_sites_csv,
};
use xingfu_geo::siting::{every_node, suggest_sites};
use xingfu_geo::snap::{Snapped, Snapper};

use crate::cli::{CircleCommand, CircleInput, CircleOrigins};

pub fn run(command: CircleCommand, english: bool) -> Result<ExitCode> {
    match command {
        CircleCommand::Coverage {
            input,
            json,
            top,
            per_origin,
        } => coverage(&input, json, top, per_origin.as_deref(), english),
        CircleCommand::Site {
            input,
            function,
            count,
            candidates,
            json,
        } => site(
            &input,
            &function,
            count,
            candidates.as_deref(),
            json,
            english,
        ),
        CircleCommand::ExportGraph { input, out } => export_graph(&input, &out, english),
    }
}

fn say(english: bool, zh: &str, en: &str) -> String {
    if english {
        en.to_string()
    } else {
        zh.to_string()
    }
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Everything a circle command works on.
struct Loaded {
    extract: OsmExtract,
    facilities: Vec<Facility>,
    /// How the communities were found, for the report.
    community_label: String,
    speed: WalkingSpeed,
    budget: TimeBudget,
}

fn problems_error(problems: &[RegistryProblem], english: bool) -> anyhow::Error {
    let lines: Vec<String> = problems.iter().map(|p| p.render(english)).collect();
    anyhow!(
        "{}\n{}",
        say(english, "文件有问题：", "the file has problems:"),
        lines.join("\n")
    )
}

fn read_text(path: &Path, english: bool) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| {
        if english {
            format!("cannot read {}", path.display())
        } else {
            format!("无法读取 {}", path.display())
        }
    })
}

fn load(input: &CircleInput, english: bool) -> Result<Loaded> {
    let speed_kmh = Dec2::parse(&input.speed).map_err(|e| {
        anyhow!(if english {
            format!("walking speed {:?}: {e}", input.speed)
        } else {
            format!("步行速度 {:?} 无效：{e}", input.speed)
        })
    })?;
    let speed = WalkingSpeed::from_km_per_hour(speed_kmh).map_err(|e| {
        anyhow!(if english {
            e.to_string()
        } else {
            format!("步行速度 {speed_kmh} 千米/小时超出 0.5–20 的范围")
        })
    })?;
    let budget = TimeBudget::from_minutes(input.minutes).map_err(|e| {
        anyhow!(if english {
            e.to_string()
        } else {
            format!("步行时间 {} 分钟超出 1–240 的范围", input.minutes)
        })
    })?;

    let choice = input.communities.trim();
    let boundary_file =
        (choice.ends_with(".geojson") || choice.ends_with(".json") || Path::new(choice).is_file())
            .then(|| PathBuf::from(choice));
    let communities = match choice {
        _ if boundary_file.is_some() => CommunitySource::None,
        "auto" => CommunitySource::Auto,
        "residential" => CommunitySource::ResidentialAreas,
        "none" => CommunitySource::None,
        other => match other
            .strip_prefix("admin")
            .and_then(|l| l.parse::<u8>().ok())
        {
            Some(level) => CommunitySource::AdminLevel(level),
            None => bail!(if english {
                format!(
                    "--communities {other:?}: use auto, adminN (e.g. admin10), residential, none or a GeoJSON file"
                )
            } else {
                format!(
                    "--communities {other:?} 无效：可用 auto、adminN（如 admin10）、residential、none 或 GeoJSON 文件"
                )
            }),
        },
    };
    let options = OsmOptions {
        origins: match input.origins {
            CircleOrigins::Buildings => OriginKind::Buildings,
            CircleOrigins::Addresses => OriginKind::Addresses,
        },
        communities,
    };
    let mut extract = import_file(&input.osm, &options)?;
    let community_label = match (&boundary_file, extract.community_source) {
        (Some(file), _) => {
            let text = read_text(file, english)?;
            let areas = parse_communities_geojson(&file.display().to_string(), &text)
                .map_err(|p| problems_error(&p, english))?;
            let areas = xingfu_geo::community::CommunityAreas::new(areas);
            areas.assign(&mut extract.origins);
            extract.communities = areas.names().to_vec();
            extract.community_areas = areas;
            file.display().to_string()
        }
        (None, CommunitySource::AdminLevel(level)) => {
            if english {
                format!("OpenStreetMap administrative level {level}")
            } else {
                format!("OpenStreetMap 行政区划第 {level} 级")
            }
        }
        (None, CommunitySource::ResidentialAreas) => say(
            english,
            "OpenStreetMap 住宅小区（landuse=residential）",
            "OpenStreetMap residential areas (landuse=residential)",
        ),
        (None, _) => say(english, "不分社区", "none"),
    };
    let mut facilities = if input.no_osm_facilities {
        Vec::new()
    } else {
        extract.facilities.clone()
    };
    for file in &input.facilities {
        let text = read_text(file, english)?;
        let more = parse_facilities(&file.display().to_string(), &text)
            .map_err(|p| problems_error(&p, english))?;
        facilities.extend(more);
    }
    Ok(Loaded {
        extract,
        facilities,
        community_label,
        speed,
        budget,
    })
}

fn pad(text: &str, width: usize) -> String {
    let used = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

fn community_name(row: &CommunityCoverage, english: bool) -> String {
    row.community
        .clone()
        .unwrap_or_else(|| say(english, "（不属于任何社区）", "(in no community)"))
}

fn speed_text(speed: WalkingSpeed) -> String {
    Dec2((speed.metres_per_hour / 10) as i64).to_string()
}

fn header(loaded: &Loaded, analysis: &CircleAnalysis, english: bool) -> String {
    let stats = &loaded.extract.stats;
    let mut out = String::new();
    let reach_m = analysis.reach_mm / 1000;
    let minutes = loaded.budget.seconds / 60;
    let speed = speed_text(loaded.speed);
    let origins = loaded.extract.origins.len();
    let facilities = loaded.facilities.len();
    if english {
        let _ = writeln!(
            out,
            "{minutes}-minute service circle: walking {speed} km/h, reach {reach_m} m"
        );
        let _ = writeln!(
            out,
            "Network: {} nodes, {} edges, {:.1} km; origins: {origins}; facilities: {facilities}; communities: {}",
            stats.graph_nodes,
            stats.graph_edges,
            stats.graph_length_m as f64 / 1000.0,
            loaded.community_label
        );
    } else {
        let _ = writeln!(
            out,
            "{minutes} 分钟服务圈：步行 {speed} 千米/小时，可达 {reach_m} 米"
        );
        let _ = writeln!(
            out,
            "路网：{} 个节点，{} 条边，共 {:.1} 千米；起点 {origins} 个；设施 {facilities} 处；社区来源：{}",
            stats.graph_nodes,
            stats.graph_edges,
            stats.graph_length_m as f64 / 1000.0,
            loaded.community_label
        );
    }
    out
}

fn analyse(loaded: &Loaded) -> CircleAnalysis {
    CircleAnalysis::run(
        &loaded.extract.graph,
        &loaded.facilities,
        &loaded.extract.origins,
        loaded.speed,
        loaded.budget,
        threads(),
    )
}

fn coverage(
    input: &CircleInput,
    as_json: bool,
    top: usize,
    per_origin: Option<&Path>,
    english: bool,
) -> Result<ExitCode> {
    let loaded = load(input, english)?;
    let analysis = analyse(&loaded);
    let report = CoverageReport::new(
        &analysis,
        &loaded.extract.origins,
        &loaded.extract.communities,
    );
    let gaps = report.gaps(top);
    if let Some(path) = per_origin {
        write_per_origin(path, &loaded, &analysis, english)?;
    }
    if as_json {
        let metrics: Vec<Value> = std::iter::once(&report.overall)
            .chain(&report.communities)
            .enumerate()
            .map(|(i, row)| {
                json!({
                    "community": if i == 0 { Value::Null } else { json!(row.community) },
                    "scope": if i == 0 { "overall" } else if row.community.is_some() { "community" } else { "outside" },
                    "values": row.metrics(),
                })
            })
            .collect();
        let out = json!({
            "minutes": report.minutes,
            "speed_km_per_hour": Dec2((loaded.speed.metres_per_hour / 10) as i64),
            "reach_metres": report.reach_metres,
            "community_source": loaded.community_label,
            "import": loaded.extract.stats,
            "facilities": loaded.facilities.len(),
            "overall": report.overall,
            "communities": report.communities,
            "functions_without_facilities": report.functions_without_facilities,
            "gaps": gaps,
            "metrics": metrics,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }

    let mut out = header(&loaded, &analysis, english);
    let mut facility_counts = [0usize; FUNCTION_COUNT];
    for facility in &loaded.facilities {
        for f in &facility.functions {
            facility_counts[f.index()] += 1;
        }
    }
    let name_of = |f: ServiceFunction| {
        if english {
            format!("{} ({})", f.name_en(), f.key())
        } else {
            format!("{}({})", f.name_zh(), f.key())
        }
    };
    let width = ServiceFunction::ALL
        .iter()
        .map(|&f| unicode_width::UnicodeWidthStr::width(name_of(f).as_str()))
        .max()
        .unwrap_or(20)
        + 2;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{}{}{}{}",
        pad(&say(english, "服务功能", "Function"), width),
        pad(&say(english, "设施", "Facilities"), 12),
        pad(&say(english, "可达起点", "Within reach"), 16),
        say(english, "比例", "Share")
    );
    let total = report.overall.weight;
    for share in &report.overall.functions {
        let _ = writeln!(
            out,
            "{}{}{}{}%",
            pad(&name_of(share.function), width),
            pad(&facility_counts[share.function.index()].to_string(), 12),
            pad(&format!("{}/{total}", share.covered_weight), 16),
            share.share
        );
    }
    let _ = writeln!(
        out,
        "{}{}{}{}%",
        pad(
            &say(english, "六项齐全（all_six）", "all six (all_six)"),
            width
        ),
        pad("", 12),
        pad(&format!("{}/{total}", report.overall.all_six_weight), 16),
        report.overall.all_six_share
    );

    if !report.communities.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            say(english, "各社区（%）：", "By community (%):")
        );
        let mut line =
            pad(&say(english, "社区", "Community"), 26) + &pad(&say(english, "起点", "Origins"), 8);
        for f in ServiceFunction::SIX {
            line += &pad(if english { f.key() } else { f.name_zh() }, 13);
        }
        line += &say(english, "六项齐全", "all six");
        let _ = writeln!(out, "{}", line.trim_end());
        for row in &report.communities {
            let mut line =
                pad(&community_name(row, english), 26) + &pad(&row.origins.to_string(), 8);
            for f in ServiceFunction::SIX {
                line += &pad(&row.share(f).to_string(), 13);
            }
            line += &row.all_six_share.to_string();
            let _ = writeln!(out, "{line}");
        }
    }

    let _ = writeln!(out);
    if gaps.is_empty() {
        let _ = writeln!(out, "{}", say(english, "没有缺口。", "No gaps."));
    } else {
        let _ = writeln!(
            out,
            "{}",
            if english {
                format!("Largest gaps (top {}):", gaps.len())
            } else {
                format!("最大缺口（前 {} 项）：", gaps.len())
            }
        );
        for gap in &gaps {
            let community = gap
                .community
                .clone()
                .unwrap_or_else(|| say(english, "（不属于任何社区）", "(in no community)"));
            let _ = writeln!(
                out,
                "  {}{}{}",
                pad(&community, 26),
                pad(gap.function.name(english), 22),
                if english {
                    format!(
                        "{} origins out of reach ({}% covered)",
                        gap.uncovered_weight, gap.share
                    )
                } else {
                    format!(
                        "{} 个起点不可达（覆盖 {}%）",
                        gap.uncovered_weight, gap.share
                    )
                }
            );
        }
    }
    if !report.functions_without_facilities.is_empty() {
        let names: Vec<&str> = report
            .functions_without_facilities
            .iter()
            .map(|f| f.name(english))
            .collect();
        let _ = writeln!(
            out,
            "{}{}",
            say(
                english,
                "没有任何设施的功能（请用 --facilities 登记）：",
                "Functions without any facility (register them with --facilities): "
            ),
            names.join(if english { ", " } else { "、" })
        );
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn write_per_origin(
    path: &Path,
    loaded: &Loaded,
    analysis: &CircleAnalysis,
    english: bool,
) -> Result<()> {
    let file = std::fs::File::create(path).with_context(|| {
        if english {
            format!("cannot create {}", path.display())
        } else {
            format!("无法创建 {}", path.display())
        }
    })?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let mut header: Vec<String> = ["id", "community", "lon", "lat", "access_m"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(
        ServiceFunction::ALL
            .iter()
            .map(|f| format!("{}_m", f.key())),
    );
    header.push("all_six".into());
    writer.write_record(&header)?;
    for (i, origin) in loaded.extract.origins.iter().enumerate() {
        let mut row = vec![
            origin.id.clone(),
            origin
                .community
                .and_then(|c| loaded.extract.communities.get(c as usize).cloned())
                .unwrap_or_default(),
            origin.location.lon.to_string(),
            origin.location.lat.to_string(),
            metres(analysis.origin_snaps[i].access_mm),
        ];
        for f in ServiceFunction::ALL {
            row.push(
                analysis
                    .origin_distance(i, f)
                    .map(metres)
                    .unwrap_or_default(),
            );
        }
        row.push(if analysis.covers_all_six(i) { "1" } else { "0" }.into());
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

/// Millimetres as metres with three decimals.
fn metres(mm: u64) -> String {
    format!("{}.{:03}", mm / 1000, mm % 1000)
}

fn site(
    input: &CircleInput,
    function: &str,
    count: usize,
    candidates_file: Option<&Path>,
    as_json: bool,
    english: bool,
) -> Result<ExitCode> {
    let Some(function) = ServiceFunction::parse(function) else {
        let keys: Vec<String> = ServiceFunction::ALL
            .iter()
            .map(|f| format!("{}({})", f.key(), f.name_zh()))
            .collect();
        bail!(if english {
            format!("unknown function {function:?}; known: {}", keys.join(", "))
        } else {
            format!("未知的服务功能 {function:?}；可用：{}", keys.join("、"))
        });
    };
    let loaded = load(input, english)?;
    let analysis = analyse(&loaded);
    let graph = &loaded.extract.graph;
    let (candidates, labels): (Vec<Snapped>, Vec<(String, String, xingfu_geo::LonLat)>) =
        match candidates_file {
            Some(file) => {
                let text = read_text(file, english)?;
                let sites = parse_sites_csv(&file.display().to_string(), &text)
                    .map_err(|p| problems_error(&p, english))?;
                let snapper = Snapper::new(graph);
                let snaps = sites
                    .iter()
                    .map(|s| {
                        snapper.snap(s.location).unwrap_or(Snapped {
                            node: 0,
                            access_mm: u64::MAX,
                        })
                    })
                    .collect();
                (
                    snaps,
                    sites
                        .into_iter()
                        .map(|s| (s.id, s.name, s.location))
                        .collect(),
                )
            }
            None => {
                let nodes = every_node(graph);
                let labels = nodes
                    .iter()
                    .map(|s| {
                        (
                            format!("osm:n{}", graph.osm_id(s.node)),
                            String::new(),
                            graph.position(s.node),
                        )
                    })
                    .collect();
                (nodes, labels)
            }
        };
    let picks = suggest_sites(
        graph,
        &analysis,
        &loaded.extract.origins,
        function,
        &candidates,
        count,
    );
    let report = CoverageReport::new(&analysis, &loaded.extract.origins, &[]);
    let total = report.overall.weight;
    let mut covered = report.overall.functions[function.index()].covered_weight;
    let share = |covered: u64| {
        Dec2::percent_of(Dec2::from_int(covered as i64), Dec2::from_int(total as i64))
    };
    let before = share(covered);
    let mut rows = Vec::new();
    for (rank, pick) in picks.iter().enumerate() {
        covered += pick.gain;
        let (id, name, location) = &labels[pick.candidate];
        let community = loaded
            .extract
            .community_areas
            .community_of(*location)
            .and_then(|c| loaded.extract.communities.get(c as usize).cloned());
        rows.push(json!({
            "rank": rank + 1,
            "site": id,
            "name": name,
            "lon": location.lon,
            "lat": location.lat,
            "community": community,
            "gain": pick.gain,
            "share_after": share(covered),
        }));
    }
    if as_json {
        let out = json!({
            "function": function,
            "minutes": report.minutes,
            "reach_metres": report.reach_metres,
            "origins": total,
            "covered_before": report.overall.functions[function.index()].covered_weight,
            "share_before": before,
            "sites": rows,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = header(&loaded, &analysis, english);
    let _ = writeln!(
        out,
        "{}",
        if english {
            format!(
                "{} ({}): {}/{total} origins within reach now ({before}%)",
                function.name_en(),
                function.key(),
                report.overall.functions[function.index()].covered_weight
            )
        } else {
            format!(
                "{}（{}）：目前 {}/{total} 个起点可达（{before}%）",
                function.name_zh(),
                function.key(),
                report.overall.functions[function.index()].covered_weight
            )
        }
    );
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            say(
                english,
                "没有能增加覆盖的候选站点。",
                "No candidate site adds any coverage."
            )
        );
    }
    for row in &rows {
        let community = row["community"]
            .as_str()
            .map(|c| {
                if english {
                    format!(" ({c})")
                } else {
                    format!("({c})")
                }
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}",
            if english {
                format!(
                    "  {}. {} at {:.6}, {:.6}{}: +{} origins, {}% after",
                    row["rank"],
                    row["site"].as_str().unwrap_or(""),
                    row["lon"].as_f64().unwrap_or(0.0),
                    row["lat"].as_f64().unwrap_or(0.0),
                    community,
                    row["gain"],
                    row["share_after"]
                )
            } else {
                format!(
                    "  {}. {} 位于 {:.6}, {:.6}{}：新增 {} 个起点，之后 {}%",
                    row["rank"],
                    row["site"].as_str().unwrap_or(""),
                    row["lon"].as_f64().unwrap_or(0.0),
                    row["lat"].as_f64().unwrap_or(0.0),
                    community,
                    row["gain"],
                    row["share_after"]
                )
            }
        );
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn export_graph(input: &CircleInput, out: &Path, english: bool) -> Result<ExitCode> {
    let loaded = load(input, english)?;
    let graph = &loaded.extract.graph;
    let snapper = Snapper::new(graph);
    let mut facilities = Vec::new();
    let mut snaps = Vec::new();
    for facility in &loaded.facilities {
        if let Some(snap) = snapper.snap(facility.location) {
            facilities.push(facility.clone());
            snaps.push(snap);
        }
    }
    write_graph_dir(out, graph, &facilities, &snaps)?;
    println!(
        "{}",
        if english {
            format!(
                "wrote {}: {} nodes, {} edges, {} facilities (nodes.csv, edges.csv, facilities.csv)",
                out.display(),
                graph.node_count(),
                graph.edge_count(),
                facilities.len()
            )
        } else {
            format!(
                "已写入 {}\u{ff1a}{} 个节点，{} 条边，{} 处设施（nodes.csv、edges.csv、facilities.csv）",
                out.display(),
                graph.node_count(),
                graph.edge_count(),
                facilities.len()
            )
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// `xingfu bench circle`: with `--graph`, nearest facility of each function for every node of
/// an exported graph (node to node, as pandana computes), printed as one JSON line; with
/// `--osm`, the whole pipeline on an extract, stage by stage.
pub fn bench(
    osm: Option<&Path>,
    graph_dir: Option<&Path>,
    max_metres: Option<u32>,
    runs: usize,
    out: Option<&Path>,
    threads_wanted: Option<usize>,
    english: bool,
) -> Result<ExitCode> {
    let runs = runs.max(1);
    let threads = threads_wanted.unwrap_or_else(threads).max(1);
    let cutoff = max_metres.map(|m| m as u64 * 1000);
    if let Some(dir) = graph_dir {
        let started = Instant::now();
        let exported = read_graph_dir(dir)?;
        let load = started.elapsed();
        let sources = exported.sources_without_access();
        let present: Vec<ServiceFunction> = ServiceFunction::ALL
            .into_iter()
            .filter(|f| !sources[f.index()].is_empty())
            .collect();
        let groups: Vec<_> = present.iter().map(|f| sources[f.index()].clone()).collect();
        let mut times = Vec::new();
        let mut fields: Vec<NearestField> = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            fields = nearest_sources_each(&exported.graph, &groups, cutoff, threads);
            times.push(start.elapsed());
        }
        let mut write = Duration::ZERO;
        if let Some(path) = out {
            let start = Instant::now();
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let labelled: Vec<_> = present.iter().copied().zip(fields.iter()).collect();
            write_nearest(file, &labelled, exported.graph.node_count())?;
            write = start.elapsed();
        }
        println!(
            "{}",
            json!({
                "nodes": exported.graph.node_count(),
                "edges": exported.graph.edge_count(),
                "functions": present,
                "max_metres": max_metres,
                "threads": threads,
                "runs": runs,
                "load_ms": ms(load),
                "compute_ms_median": ms(median(times.clone())),
                "compute_ms": times.iter().map(|t| ms(*t)).collect::<Vec<_>>(),
                "write_ms": ms(write),
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    let Some(osm) = osm else {
        bail!(say(
            english,
            "需要 --osm 或 --graph",
            "--osm or --graph is required"
        ));
    };
    let (mut import, mut search, mut tally) = (Vec::new(), Vec::new(), Vec::new());
    let mut summary = String::new();
    for _ in 0..runs {
        let start = Instant::now();
        let extract = import_file(osm, &OsmOptions::default())?;
        import.push(start.elapsed());
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
        summary = if english {
            format!(
                "{} nodes, {} edges, {} facilities, {} origins, {} communities; all-six share {}%",
                extract.graph.node_count(),
                extract.graph.edge_count(),
                extract.facilities.len(),
                extract.origins.len(),
                extract.communities.len(),
                report.overall.all_six_share
            )
        } else {
            format!(
                "{} 个节点，{} 条边，{} 处设施，{} 个起点，{} 个社区；六项齐全 {}%",
                extract.graph.node_count(),
                extract.graph.edge_count(),
                extract.facilities.len(),
                extract.origins.len(),
                extract.communities.len(),
                report.overall.all_six_share
            )
        };
    }
    println!("{}: {summary}", osm.display());
    let label = |zh: &str, en: &str| pad(&say(english, zh, en), 34);
    println!(
        "{}{:.3} ms",
        label(
            "读取 OSM、建路网、设施与起点",
            "read OSM, build graph, facilities"
        ),
        ms(median(import))
    );
    println!(
        "{}{:.3} ms",
        label("吸附与每功能多源最短路", "snapping + multi-source searches"),
        ms(median(search))
    );
    println!(
        "{}{:.3} ms",
        label("按社区统计", "coverage per community"),
        ms(median(tally))
    );
    println!(
        "{}",
        if english {
            format!("(medians of {runs} runs, {threads} threads)")
        } else {
            format!("（{runs} 次中位数，{threads} 个线程）")
        }
    );
    Ok(ExitCode::SUCCESS)
}
