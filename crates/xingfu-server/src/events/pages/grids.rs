//! The grid map of a community (网格地图): its grids and live events drawn as an inline SVG
//! (lon/lat projected on the spot, no JavaScript, no tiles), the same in tables, members and
//! building heads, the GeoJSON import form, and the grids as GeoJSON for other map tools.
//!
//! Who: staff whose area covers the community see it; community workers and the street,
//! district and city administrators above them may import. Grid members (resident accounts)
//! see the map of their community but do not redraw it.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::json;
use xingfu_core::ops::OpsRole;
use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::grid::{Duty, Grid};
use xingfu_store::events::StateFilter;

use super::shared::{
    Choice, Visit, category_label, datum_choices, page_for, render_with, state_label,
};
use crate::app::auth::CurrentUser;
use crate::app::clock::now_ms;
use crate::app::error::AppError;
use crate::app::files::MAX_UPLOAD;
use crate::app::files::too_big;
use crate::app::state::AppState;
use crate::events::service::{GridProblem, OpsPerson, ops_person, read_grid_geojson};
use crate::i18n::Lang;
use crate::web::live_map::{Area, LiveMap, Mark};
use crate::web::page::{Page, PageResult};
use crate::web::svg_map::Projection;
use crate::web::upload::{FileTooBig, UploadForm};

/// The import route, with room for a GeoJSON file of up to 10 MB.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/communities/{code}/grids",
        post(import).layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
    )
}

crate::word_table! {
    #[doc = "Fixed texts of the grid map page."]
    Words, words {
    title: "网格地图" / "Grid map",
    map_label: "网格与处理中的事件" / "Grids and events being handled",
    map_desc: "每个网格是一个带名称的区域；圆点是处理中的事件，方块是已办结的事件，旁边是事件编号。下面的表格列出相同内容。" / "Each grid is a named area; dots are events being handled, squares finished ones, each with its number. The tables below list the same.",
    live_legend: "交互地图上：彩色边框的区域是网格；红色实心圆点是处理中的随手拍，绿色空心圆圈是已办结的，点一下打开该事件。" / "On the interactive map: outlined areas are grids; red filled dots are reports being handled, green rings finished ones; tap one to open it.",
    draw_hint: "也可以在地图上直接画网格：点“开始画网格”，依次点出边界，填好编号和名称，再点“完成网格边界”，边界会填入下面的 GeoJSON 框，提交即保存（坐标系为 WGS-84）。" / "You can also draw a grid on the map: press “Draw a grid”, tap its corners, give its number and name, then “Finish the boundary”; the boundary goes into the GeoJSON box below, and submitting saves it (WGS-84).",
    no_map: "还没有网格，也没有带位置的事件。" / "No grids and no located events yet.",
    grids: "网格" / "Grids",
    grid_id: "编号" / "Id",
    name: "名称" / "Name",
    members: "网格员" / "Grid members",
    buildings: "楼栋（楼栋长）" / "Buildings (building head)",
    events: "事件" / "Events",
    number: "编号" / "No.",
    category: "类别" / "Category",
    state: "状态" / "State",
    grid: "网格" / "Grid",
    position: "位置（WGS-84）" / "Position (WGS-84)",
    none: "无" / "none",
    import_heading: "导入网格（GeoJSON）" / "Import grids (GeoJSON)",
    import_hint: "FeatureCollection，每个要素一个网格：id、properties.name、properties.members、properties.buildings。同编号的网格整体替换，其他网格不变。" / "A FeatureCollection, one feature per grid: id, properties.name, properties.members, properties.buildings. A grid with the same id is replaced whole; other grids stay.",
    file: "GeoJSON 文件" / "GeoJSON file",
    or_paste: "或粘贴 GeoJSON 内容" / "or paste the GeoJSON",
    datum: "坐标系" / "Coordinate system",
    datum_wgs84: "WGS-84（GPS、标准 GeoJSON）" / "WGS-84 (GPS, standard GeoJSON)",
    datum_gcj02: "GCJ-02（高德、腾讯）" / "GCJ-02 (AMap, Tencent)",
    datum_bd09: "BD-09（百度）" / "BD-09 (Baidu)",
    import: "导入" / "Import",
    saved: "已导入网格：" / "Grids imported: ",
    download: "下载 GeoJSON(WGS-84)" / "Download GeoJSON (WGS-84)",
    download_gcj: "下载 GeoJSON(GCJ-02)" / "Download GeoJSON (GCJ-02)",
    report: "随手拍上报" / "Report a problem",
    event_list: "事件列表" / "Event list",
    }
}

fn may_view(person: &OpsPerson, code: &str) -> bool {
    person.is_staff() && person.actor().covers(code)
}

fn may_import(person: &OpsPerson, code: &str) -> bool {
    may_view(person, code)
        && matches!(
            person.role,
            OpsRole::CommunityWorker
                | OpsRole::StreetAdmin
                | OpsRole::DistrictAdmin
                | OpsRole::CityAdmin
        )
}

async fn map_viewer(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    lang: Lang,
) -> Result<(OpsPerson, String), AppError> {
    let name = match state.store.region(code).await? {
        Some(r) if r.level == "community" => r.name,
        _ => return Err(AppError::NotFound),
    };
    match ops_person(&state.store, user).await? {
        Some(person) if may_view(&person, code) => Ok((person, name)),
        _ => Err(AppError::Forbidden(if lang.is_en() {
            format!("the grid map of community {code} is for staff covering it")
        } else {
            format!("社区 {code} 的网格地图仅供管辖该社区的工作人员查看")
        })),
    }
}

/// A grid drawn on the map.
pub struct Shape {
    pub d: String,
    pub fill: &'static str,
    pub label: String,
    pub lx: String,
    pub ly: String,
}

/// An event drawn on the map.
pub struct Dot {
    pub id: u64,
    pub x: String,
    pub y: String,
    pub live: bool,
    pub title: String,
}

pub struct MapView {
    pub width: u32,
    pub height: u32,
    pub shapes: Vec<Shape>,
    pub dots: Vec<Dot>,
}

/// Light fills, told apart by their labels as well.
const FILLS: [&str; 6] = [
    "#dbe9f6", "#e3f1dc", "#fbe7c6", "#eadcf4", "#f6dbdb", "#d9f0ef",
];

fn map_view(
    lang: Lang,
    grids: &[Grid],
    events: &[xingfu_core::ops::events::Event],
) -> Option<MapView> {
    let mut points: Vec<GeoPoint> = grids
        .iter()
        .flat_map(|g| g.area.polygons().iter())
        .flat_map(|p| p.exterior().iter().copied())
        .collect();
    points.extend(events.iter().filter_map(|e| e.position()));
    let width = 640.0;
    let (projection, height) = Projection::fit(points.iter().map(|p| (p.lon, p.lat)), width, 24.0)?;
    let shapes = grids
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut d = String::new();
            for polygon in g.area.polygons() {
                for ring in std::iter::once(polygon.exterior())
                    .chain(polygon.holes().iter().map(Vec::as_slice))
                {
                    for (k, p) in ring.iter().enumerate() {
                        let (x, y) = projection.xy(p.lon, p.lat);
                        d.push_str(&format!("{}{x:.1} {y:.1} ", if k == 0 { "M" } else { "L" }));
                    }
                    d.push_str("Z ");
                }
            }
            let b = g.area.bbox();
            let (lx, ly) =
                projection.xy((b.min_lon + b.max_lon) / 2.0, (b.min_lat + b.max_lat) / 2.0);
            Shape {
                d: d.trim_end().to_string(),
                fill: FILLS[i % FILLS.len()],
                label: g.name.clone(),
                lx: format!("{lx:.1}"),
                ly: format!("{ly:.1}"),
            }
        })
        .collect();
    let dots = events
        .iter()
        .filter_map(|e| Some((e, e.position()?)))
        .map(|(e, at)| {
            let (x, y) = projection.xy(at.lon, at.lat);
            Dot {
                id: e.id.0,
                x: format!("{x:.1}"),
                y: format!("{y:.1}"),
                live: !e.state.is_final(),
                title: format!(
                    "#{} {} · {}",
                    e.id,
                    category_label(lang, &e.category),
                    state_label(lang, e.state)
                ),
            }
        })
        .collect();
    Some(MapView {
        width: width as u32,
        height: height.ceil() as u32,
        shapes,
        dots,
    })
}

/// The same grids and events for the map over the basemap: grids as their areas, events in
/// hand as red dots, finished ones as green rings (the legend under the map says so).
fn live_map(lang: Lang, grids: &[Grid], events: &[xingfu_core::ops::events::Event]) -> LiveMap {
    let mut map = LiveMap::default();
    for (i, g) in grids.iter().enumerate() {
        let polygons: Vec<Vec<Vec<(f64, f64)>>> = g
            .area
            .polygons()
            .iter()
            .map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.holes().iter().map(Vec::as_slice))
                    .map(|ring| ring.iter().map(|q| (q.lon, q.lat)).collect())
                    .collect()
            })
            .collect();
        map.area(
            &polygons,
            Area {
                color: OUTLINES[i % OUTLINES.len()],
                outline: None,
                opacity: None,
                label: Some(&g.name),
                href: None,
            },
        );
    }
    for e in events {
        let live = !e.state.is_final();
        let label = format!("#{} {}", e.id, category_label(lang, &e.category));
        map.point(
            e.location.lon,
            e.location.lat,
            Mark {
                color: if live { "#d4351c" } else { "#00703c" },
                radius: if live { 7 } else { 6 },
                hollow: !live,
                label: Some(&label),
                href: Some(format!("/events/{}", e.id)),
            },
        );
    }
    map
}

/// Grid outlines on the basemap: darker than the SVG's fills so they show over streets.
const OUTLINES: [&str; 6] = [
    "#1d70b8", "#00703c", "#b35c00", "#6f3c97", "#a4262c", "#00747a",
];

pub struct GridLine {
    pub id: String,
    pub name: String,
    pub members: String,
    pub buildings: String,
}

pub struct EventRow {
    pub id: u64,
    pub category: String,
    pub state: String,
    pub grid: String,
    pub position: String,
}

#[derive(Template)]
#[template(path = "grids.html")]
struct GridsPage {
    page: Page,
    w: &'static Words,
    code: String,
    name: String,
    map: Option<MapView>,
    grids: Vec<GridLine>,
    events: Vec<EventRow>,
    /// The grids and events as GeoJSON for the map over the basemap (`static/map.js`).
    live_map: String,
    csrf: String,
    can_import: bool,
    datums: Vec<Choice>,
    pasted: String,
    errors: Vec<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct MapQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// A refused import, shown again: its problems, the pasted text and the datum chosen.
struct Refused {
    errors: Vec<String>,
    pasted: String,
    datum: Datum,
}

/// The map page; with a refused import, its problems and status 422.
async fn render_map(
    state: &AppState,
    jar: &CookieJar,
    user: &CurrentUser,
    code: &str,
    notice: Option<String>,
    refused: Option<Refused>,
) -> PageResult {
    let lang = Lang::from_jar(jar);
    let w = words(lang);
    let (person, name) = map_viewer(state, user, code, lang).await?;
    let status = match refused {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let Refused {
        errors,
        pasted,
        datum,
    } = refused.unwrap_or(Refused {
        errors: Vec::new(),
        pasted: String::new(),
        datum: Datum::Wgs84,
    });
    let grids = state.store.grids_of(code).await?;
    let events = state
        .store
        .events_within(code, StateFilter::Live, 500)
        .await?;
    let duty = |d: Duty| match (d, lang.is_en()) {
        (Duty::FullTime, false) => "专职",
        (Duty::PartTime, false) => "兼职",
        (Duty::FullTime, true) => "full-time",
        (Duty::PartTime, true) => "part-time",
    };
    let list_sep = lang.pick("、", ", ");
    let grid_lines = grids
        .iter()
        .map(|g| GridLine {
            id: g.id.clone(),
            name: g.name.clone(),
            members: if g.members.is_empty() {
                w.none.to_string()
            } else {
                g.members
                    .iter()
                    .map(|m| {
                        let duty = duty(m.duty);
                        format!("{}{}{duty}{}", m.person, lang.open(), lang.close())
                    })
                    .collect::<Vec<_>>()
                    .join(list_sep)
            },
            buildings: if g.buildings.is_empty() {
                w.none.to_string()
            } else {
                g.buildings
                    .iter()
                    .map(|b| match &b.head {
                        Some(head) => format!("{}({head})", b.name),
                        None => b.name.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(list_sep)
            },
        })
        .collect();
    let event_rows = events
        .iter()
        .map(|e| EventRow {
            id: e.id.0,
            category: category_label(lang, &e.category),
            state: state_label(lang, e.state).to_string(),
            grid: e.grid.clone().unwrap_or_default(),
            position: match e.position() {
                Some(at) => format!("{:.6}, {:.6}", at.lon, at.lat),
                None => e.address.clone().unwrap_or_default(),
            },
        })
        .collect();
    let datums = datum_choices([w.datum_wgs84, w.datum_gcj02, w.datum_bd09], |d| d == datum);
    render_with(
        status,
        GridsPage {
            page: page_for(
                jar,
                user,
                &format!("/communities/{code}/grids"),
                format!("{} · {name}", w.title),
            ),
            w,
            code: code.to_string(),
            map: map_view(lang, &grids, &events),
            live_map: live_map(lang, &grids, &events).to_script_json(),
            grids: grid_lines,
            events: event_rows,
            csrf: user.csrf.clone(),
            can_import: may_import(&person, code),
            datums,
            pasted,
            errors,
            notice,
            name,
        },
    )
}

/// GET /communities/{code}/grids
pub async fn show(v: Visit, Path(code): Path<String>, Query(q): Query<MapQuery>) -> PageResult {
    let (state, jar, user, lang) = v.into_parts();
    let notice = q.saved.map(|n| format!("{}{n}", words(lang).saved));
    render_map(&state, &jar, &user, &code, notice, None).await
}

/// POST /communities/{code}/grids (multipart: csrf, datum, file or geojson): imports grids.
pub async fn import(
    viewer: Visit,
    Path(code): Path<String>,
    UploadForm(form): UploadForm,
) -> PageResult {
    let code = code.as_str();
    let (state, jar, user, lang) = viewer.into_parts();
    let (state, jar, user) = (&state, &jar, &user);
    let (person, _) = map_viewer(state, user, code, lang).await?;
    if !may_import(&person, code) {
        return Err(AppError::Forbidden(
            lang.pick(
                "只有社区工作者及上级管理员可以导入网格",
                "only community workers and the administrators above them may import grids",
            )
            .into(),
        ));
    }
    let incomplete = [
        "上传没有完成，请重试",
        "the upload did not complete; please try again",
    ];
    form.check_whole(user, lang, incomplete)?;
    let datum = form
        .get("datum")
        .as_deref()
        .and_then(Datum::parse)
        .unwrap_or(Datum::Wgs84);
    let pasted = form.get("geojson").unwrap_or_default();
    let file = form.file("file");
    let problem = |zh: &str, en_text: &str| vec![lang.pick(zh, en_text).to_string()];
    let text = match file {
        Err(FileTooBig) => Err(vec![too_big().text(lang).to_string()]),
        Ok(Some(bytes)) => String::from_utf8(bytes.to_vec())
            .map_err(|_| problem("文件不是 UTF-8 编码的文本", "the file is not UTF-8 text")),
        Ok(None) if pasted.trim().is_empty() => Err(problem(
            "请选择 GeoJSON 文件或粘贴其内容",
            "choose a GeoJSON file or paste its content",
        )),
        Ok(None) => Ok(pasted.clone()),
    };
    let grids = match text {
        Ok(text) => read_grid_geojson(&state.store, code, &text, datum)
            .await?
            .map_err(|problems: Vec<GridProblem>| {
                problems
                    .iter()
                    .map(|p| p.text(lang).to_string())
                    .collect::<Vec<_>>()
            }),
        Err(e) => Err(e),
    };
    match grids {
        Ok(grids) => {
            state
                .store
                .save_grids(code, &grids, &user.user.username, now_ms())
                .await?;
            let names: Vec<&str> = grids.iter().map(|g| g.id.as_str()).collect();
            Ok(Redirect::to(&format!(
                "/communities/{code}/grids?saved={}",
                crate::app::auth::urlencode(&names.join(","))
            ))
            .into_response())
        }
        Err(errors) => {
            let refused = Refused {
                errors,
                pasted,
                datum,
            };
            render_map(state, jar, user, code, None, Some(refused)).await
        }
    }
}

#[derive(Deserialize, Default)]
/// The export's query: `?datum=`.
pub struct Export {
    #[serde(default)]
    datum: String,
}

/// GET /communities/{code}/grids.geojson?datum=gcj02: the grids as a FeatureCollection in the
/// format the import reads (WGS-84 unless another datum is asked for).
pub async fn export(v: Visit, Path(code): Path<String>, Query(q): Query<Export>) -> PageResult {
    let (state, _, user, lang) = v.into_parts();
    map_viewer(&state, &user, &code, lang).await?;
    let datum = Datum::parse(&q.datum).unwrap_or(Datum::Wgs84);
    let grids = state.store.grids_of(&code).await?;
    let features: Vec<_> = grids
        .iter()
        .map(|g| {
            json!({
                "type": "Feature",
                "id": g.id,
                "geometry": g.area.to_geojson(datum),
                "properties": {
                    "name": g.name,
                    "community": g.community,
                    "members": g.members.iter().map(|m| json!({
                        "username": m.person,
                        "duty": match m.duty { Duty::FullTime => "full_time", Duty::PartTime => "part_time" },
                    })).collect::<Vec<_>>(),
                    "buildings": g.buildings.iter().map(|b| {
                        let at = b.location.map(|p| xingfu_core::ops::coords::from_wgs84(p, datum));
                        json!({
                            "id": b.id,
                            "name": b.name,
                            "lon": at.map(|p| p.lon),
                            "lat": at.map(|p| p.lat),
                            "head": b.head,
                        })
                    }).collect::<Vec<_>>(),
                },
            })
        })
        .collect();
    let body = json!({
        "type": "FeatureCollection",
        "xingfu:datum": datum.key(),
        "features": features,
    });
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json; charset=utf-8")],
        body.to_string(),
    )
        .into_response())
}
