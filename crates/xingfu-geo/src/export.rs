//! The graph as plain CSV files, for independent checks (networkx) and side-by-side
//! benchmarks (pandana), and read back for the same computation in Rust.
//!
//! A graph directory holds:
//! - `nodes.csv`: `node,osm_id,lon,lat` (node = index 0..n);
//! - `edges.csv`: `from,to,length_mm`, each undirected edge once;
//! - `facilities.csv`: `facility,id,name,function,node,access_mm`, one row per facility and
//!   function, with the node the facility is snapped to and the straight access leg.
//!
//! Nearest-facility results are written as `nearest.csv`: `node` then one `<function>_mm`
//! column per function present, empty where no facility is within reach.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::dijkstra::{NearestField, Source};
use crate::facility::Facility;
use crate::function::{FUNCTION_COUNT, ServiceFunction};
use crate::geometry::LonLat;
use crate::graph::{Edge, GraphError, WalkingGraph};
use crate::snap::Snapped;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Line {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: {source}")]
    Graph {
        path: PathBuf,
        #[source]
        source: GraphError,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn csv_error(path: &Path, e: csv::Error) -> ExportError {
    ExportError::Line {
        path: path.to_path_buf(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    }
}

/// Writes `nodes.csv`, `edges.csv` and `facilities.csv` into `dir` (created if needed).
pub fn write_graph_dir(
    dir: &Path,
    graph: &WalkingGraph,
    facilities: &[Facility],
    snaps: &[Snapped],
) -> Result<(), ExportError> {
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    let nodes_path = dir.join("nodes.csv");
    let mut out = BufWriter::new(fs::File::create(&nodes_path).map_err(io_error(&nodes_path))?);
    let mut write_nodes = || -> io::Result<()> {
        writeln!(out, "node,osm_id,lon,lat")?;
        for node in 0..graph.node_count() as u32 {
            let p = graph.position(node);
            writeln!(out, "{node},{},{},{}", graph.osm_id(node), p.lon, p.lat)?;
        }
        out.flush()
    };
    write_nodes().map_err(io_error(&nodes_path))?;

    let edges_path = dir.join("edges.csv");
    let mut out = BufWriter::new(fs::File::create(&edges_path).map_err(io_error(&edges_path))?);
    let mut write_edges = || -> io::Result<()> {
        writeln!(out, "from,to,length_mm")?;
        for edge in graph.edges() {
            writeln!(out, "{},{},{}", edge.from, edge.to, edge.length_mm)?;
        }
        out.flush()
    };
    write_edges().map_err(io_error(&edges_path))?;

    let facilities_path = dir.join("facilities.csv");
    let file = fs::File::create(&facilities_path).map_err(io_error(&facilities_path))?;
    let mut writer = csv::Writer::from_writer(BufWriter::new(file));
    let mut rows = || -> Result<(), csv::Error> {
        writer.write_record(["facility", "id", "name", "function", "node", "access_mm"])?;
        for (index, (facility, snap)) in facilities.iter().zip(snaps).enumerate() {
            for function in &facility.functions {
                writer.write_record([
                    index.to_string(),
                    facility.id.clone(),
                    facility.name.clone(),
                    function.key().to_string(),
                    snap.node.to_string(),
                    snap.access_mm.to_string(),
                ])?;
            }
        }
        writer.flush()?;
        Ok(())
    };
    rows().map_err(|e| csv_error(&facilities_path, e))?;
    Ok(())
}

/// A graph directory read back: the graph and, per function, its facilities as sources.
#[derive(Debug)]
pub struct GraphDir {
    pub graph: WalkingGraph,
    /// Per function index: the facilities' nodes and access legs.
    pub sources: [Vec<Source>; FUNCTION_COUNT],
}

impl GraphDir {
    /// The sources with their access legs set to zero: node-to-node distances, the quantity
    /// pandana computes.
    pub fn sources_without_access(&self) -> [Vec<Source>; FUNCTION_COUNT] {
        std::array::from_fn(|i| {
            self.sources[i]
                .iter()
                .map(|s| Source {
                    node: s.node,
                    offset_mm: 0,
                })
                .collect()
        })
    }
}

fn reader(path: &Path) -> Result<csv::Reader<fs::File>, ExportError> {
    let file = fs::File::open(path).map_err(io_error(path))?;
    Ok(csv::Reader::from_reader(file))
}

fn field<T: std::str::FromStr>(
    path: &Path,
    record: &csv::StringRecord,
    index: usize,
    what: &str,
) -> Result<T, ExportError> {
    let line = record.position().map_or(0, |p| p.line());
    let text = record.get(index).unwrap_or("");
    text.trim().parse().map_err(|_| ExportError::Line {
        path: path.to_path_buf(),
        line,
        message: format!("{what} {text:?} is not valid"),
    })
}

/// Reads a directory written by [`write_graph_dir`].
pub fn read_graph_dir(dir: &Path) -> Result<GraphDir, ExportError> {
    let nodes_path = dir.join("nodes.csv");
    let (mut osm_ids, mut positions) = (Vec::new(), Vec::new());
    for record in reader(&nodes_path)?.records() {
        let record = record.map_err(|e| csv_error(&nodes_path, e))?;
        let node: usize = field(&nodes_path, &record, 0, "node")?;
        if node != osm_ids.len() {
            return Err(ExportError::Line {
                path: nodes_path.clone(),
                line: record.position().map_or(0, |p| p.line()),
                message: format!("node {node} out of order (expected {})", osm_ids.len()),
            });
        }
        osm_ids.push(field(&nodes_path, &record, 1, "osm_id")?);
        positions.push(LonLat {
            lon: field(&nodes_path, &record, 2, "lon")?,
            lat: field(&nodes_path, &record, 3, "lat")?,
        });
    }
    let edges_path = dir.join("edges.csv");
    let mut edges = Vec::new();
    for record in reader(&edges_path)?.records() {
        let record = record.map_err(|e| csv_error(&edges_path, e))?;
        edges.push(Edge {
            from: field(&edges_path, &record, 0, "from")?,
            to: field(&edges_path, &record, 1, "to")?,
            length_mm: field(&edges_path, &record, 2, "length_mm")?,
        });
    }
    let graph =
        WalkingGraph::new(osm_ids, positions, &edges).map_err(|source| ExportError::Graph {
            path: edges_path.clone(),
            source,
        })?;
    let facilities_path = dir.join("facilities.csv");
    let mut sources: [Vec<Source>; FUNCTION_COUNT] = Default::default();
    for record in reader(&facilities_path)?.records() {
        let record = record.map_err(|e| csv_error(&facilities_path, e))?;
        let key = record.get(3).unwrap_or("");
        let function = ServiceFunction::parse(key).ok_or_else(|| ExportError::Line {
            path: facilities_path.clone(),
            line: record.position().map_or(0, |p| p.line()),
            message: format!("unknown function {key:?}"),
        })?;
        sources[function.index()].push(Source {
            node: field(&facilities_path, &record, 4, "node")?,
            offset_mm: field(&facilities_path, &record, 5, "access_mm")?,
        });
    }
    Ok(GraphDir { graph, sources })
}

/// Writes nearest distances per node: one column per (function, field) given.
pub fn write_nearest(
    out: impl Write,
    fields: &[(ServiceFunction, &NearestField)],
    nodes: usize,
) -> io::Result<()> {
    let mut out = BufWriter::new(out);
    write!(out, "node")?;
    for (function, _) in fields {
        write!(out, ",{}_mm", function.key())?;
    }
    writeln!(out)?;
    let mut line = String::new();
    for node in 0..nodes {
        line.clear();
        line.push_str(&node.to_string());
        for (_, field) in fields {
            line.push(',');
            if let Some(d) = field.distance(node as u32) {
                line.push_str(&d.to_string());
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::tests::{facility, line_graph};
    use crate::dijkstra::nearest_sources;

    #[test]
    fn a_graph_directory_reads_back_the_same() {
        let graph = line_graph();
        let facilities = [
            facility(
                "centre",
                &[ServiceFunction::Medical, ServiceFunction::Food],
                0,
            ),
            facility("shop, \"corner\"", &[ServiceFunction::Food], 4),
        ];
        let snaps = [
            Snapped {
                node: 0,
                access_mm: 12,
            },
            Snapped {
                node: 4,
                access_mm: 0,
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        write_graph_dir(dir.path(), &graph, &facilities, &snaps).unwrap();
        let back = read_graph_dir(dir.path()).unwrap();
        assert_eq!(back.graph.node_count(), graph.node_count());
        assert_eq!(
            back.graph.edges().collect::<Vec<_>>(),
            graph.edges().collect::<Vec<_>>()
        );
        assert_eq!(back.graph.positions(), graph.positions());
        assert_eq!(
            back.sources[ServiceFunction::Food.index()],
            vec![
                Source {
                    node: 0,
                    offset_mm: 12
                },
                Source {
                    node: 4,
                    offset_mm: 0
                }
            ]
        );
        assert_eq!(
            back.sources_without_access()[ServiceFunction::Medical.index()],
            vec![Source {
                node: 0,
                offset_mm: 0
            }]
        );
        let medical = nearest_sources(
            &back.graph,
            &back.sources[ServiceFunction::Medical.index()],
            Some(400_012),
        );
        let mut text = Vec::new();
        write_nearest(&mut text, &[(ServiceFunction::Medical, &medical)], 5).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "node,medical_mm\n0,12\n1,400012\n2,\n3,\n4,\n"
        );
    }

    #[test]
    fn a_bad_line_is_located() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("nodes.csv"),
            "node,osm_id,lon,lat\n0,5,1.0,2.0\n1,6,x,2\n",
        )
        .unwrap();
        let err = read_graph_dir(dir.path()).unwrap_err().to_string();
        assert!(
            err.ends_with("nodes.csv:3: lon \"x\" is not valid"),
            "{err}"
        );
        let missing = read_graph_dir(&dir.path().join("nothing")).unwrap_err();
        assert!(matches!(missing, ExportError::Io { .. }));
    }
}
