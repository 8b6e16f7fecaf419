//! Siting suggestions for a whole street, matching those of its communities (海淀区学院路街道).

use super::*;

const XUEYUANLU: &str = "110108010000";
/// A second street of the district, with one community.
const QINGHE: &str = "110108017000";
const QINGHE_COMMUNITY: &str = "110108017001";

/// The extract cut in four at (116.3519, 40.0033), a hair's gap between the boxes: three
/// quarters for communities of 学院路街道, the south-east one for 清河街道's community.
const QUARTERS: [(&str, LonLatBox); 4] = [
    (JINGSHUYUAN, (116.30, 40.00331, 116.35189, 40.05)),
    (SHUANGQUAN, (116.35191, 40.00331, 116.40, 40.05)),
    (FURUN, (116.30, 39.95, 116.35189, 40.00329)),
    (QINGHE_COMMUNITY, (116.35191, 39.95, 116.40, 40.00329)),
];

fn quarter_at(_: &OsmExtract, p: LonLat) -> Option<&'static str> {
    QUARTERS.iter().find_map(|(code, (w, s, e, n))| {
        (p.lon >= *w && p.lon <= *e && p.lat >= *s && p.lat <= *n).then_some(*code)
    })
}

type CommunityAt = fn(&OsmExtract, LonLat) -> Option<&'static str>;

/// A street's siting as worked out here.
struct StreetSiting {
    /// Homes within 15 minutes now, of how many.
    before: u64,
    total: u64,
    /// Each site, its community and its gain, in the order picked.
    sites: Vec<(LonLat, &'static str, u64)>,
}

/// What 学院路街道's siting must be, worked out here: its homes are those inside its
/// communities (as `community_at` places them), its candidate sites the network nodes inside
/// them; every facility of the district counts.
fn street_picks(
    extract: &OsmExtract,
    community_at: CommunityAt,
    facilities: &[Facility],
    function: ServiceFunction,
    count: usize,
) -> StreetSiting {
    let graph = &extract.graph;
    let in_street = |p: LonLat| community_at(extract, p).filter(|c| c.starts_with("110108010"));
    let homes: Vec<Origin> = extract
        .origins
        .iter()
        .filter(|o| in_street(o.location).is_some())
        .cloned()
        .collect();
    let candidates: Vec<Snapped> = (0..graph.node_count() as u32)
        .filter(|&node| in_street(graph.position(node)).is_some())
        .map(|node| Snapped { node, access_mm: 0 })
        .collect();
    let analysis = CircleAnalysis::run(
        graph,
        facilities,
        &homes,
        WalkingSpeed::DEFAULT,
        TimeBudget::FIFTEEN_MINUTES,
        1,
    );
    let before = (0..homes.len())
        .filter(|&o| analysis.covers(o, function))
        .count() as u64;
    let picks = suggest_sites(graph, &analysis, &homes, function, &candidates, count)
        .into_iter()
        .map(|pick| {
            let p = graph.position(candidates[pick.candidate].node);
            (p, in_street(p).unwrap(), pick.gain)
        })
        .collect();
    StreetSiting {
        before,
        total: homes.len() as u64,
        sites: picks,
    }
}

/// The street's siting page and API give the sites worked out here, each named by its
/// community; returns the page's text.
async fn street_siting_matches(
    app: &Router,
    cookie: &str,
    expected: &StreetSiting,
    query: &str,
) -> String {
    let names: BTreeMap<&str, &str> = [
        (FURUN, "富润社区居委会"),
        (JINGSHUYUAN, "静淑苑社区居委会"),
        (SHUANGQUAN, "双泉嘉苑社区居委会"),
    ]
    .into_iter()
    .collect();
    let StreetSiting {
        before,
        total,
        sites: picks,
    } = expected;
    let page = get(
        app,
        &format!("/circle/areas/{XUEYUANLU}/siting?{query}"),
        cookie,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = text_of(&page.body);
    assert!(
        text.contains(&format!("现在 15 分钟内可达：{before}/{total}")),
        "{text}"
    );
    let api = format!("/api/v1/circle/districts/{XUEYUANLU}/siting?{query}");
    let (status, body) = api_get(app, &api, cookie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["level"], "street");
    assert_eq!(body["total"].as_u64(), Some(*total));
    assert_eq!(body["sites"].as_array().unwrap().len(), picks.len());
    let mut after = *before;
    for (i, (p, code, gain)) in picks.iter().enumerate() {
        after += gain;
        let row = format!(
            "{} {:.6}, {:.6} {} {gain} {after}/{total}",
            i + 1,
            p.lon,
            p.lat,
            names[code]
        );
        assert!(text.contains(&row), "{row}: {text}");
        let site = &body["sites"][i];
        assert_eq!(site["gain"].as_u64(), Some(*gain));
        assert_eq!(
            (site["lon"].as_f64(), site["lat"].as_f64()),
            (Some(p.lon), Some(p.lat))
        );
        assert_eq!(
            (&site["community"], &site["community_name"]),
            (&json!(code), &json!(names[code]))
        );
    }
    text
}

async fn a_street_gets_siting_of_its_own(server: &Server) {
    let store = &server.state.store;
    load_demo_regions(store).await.unwrap();
    let qinghe = |code: &str, name: &str, level: &str, parent: &str| RegionRow {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        parent: Some(parent.into()),
        urban_rural: None,
    };
    store
        .upsert_regions(&[
            qinghe(QINGHE, "清河街道", "street", HAIDIAN),
            qinghe(QINGHE_COMMUNITY, "清河社区居委会", "community", QINGHE),
        ])
        .await
        .unwrap();
    add_user(server, "haidian", Role::DistrictAdmin, HAIDIAN).await;
    add_user(server, "xueyuanlu", Role::StreetAdmin, XUEYUANLU).await;
    let app = app_with_network(server);
    let (haidian, csrf) = browser(server, &app, "haidian").await;
    let (street, _) = browser(server, &app, "xueyuanlu").await;
    let reply = post(
        &app,
        &format!("/circle/areas/{HAIDIAN}/import-network"),
        &haidian,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let upload = |geojson: String| {
        let (app, haidian, csrf) = (&app, &haidian, &csrf);
        async move {
            let path = format!("/circle/areas/{HAIDIAN}/boundaries");
            let reply = post_file(app, &path, haidian, &[("csrf", csrf)], geojson.as_bytes()).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
            let path = format!("/circle/areas/{HAIDIAN}/coverage");
            let reply = post(app, &path, haidian, &[("csrf", csrf), ("speed", "4")]).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        }
    };
    let options = OsmOptions {
        origins: OriginKind::Buildings,
        communities: CommunitySource::ResidentialAreas,
    };
    let extract = import_file(&extract_path(), &options).unwrap();
    let facilities = stored_facilities(server).await;

    // 富润's box uploaded, 静淑苑 and 双泉嘉苑 found by their compounds: the street's homes are
    // those inside them and its sites must be too; few network nodes lie inside the
    // compounds, so three sites are asked for and two given, with the reason.
    upload(furun_boundary()).await;
    let elderly = ServiceFunction::ElderlyCare;
    let expected = street_picks(&extract, community_at, &facilities, elderly, 3);
    assert_eq!(expected.sites.len(), 2, "{:?}", expected.sites);
    let text =
        street_siting_matches(&app, &street, &expected, "function=elderly_care&count=3").await;
    let left = expected.total - expected.before - expected.sites.iter().map(|p| p.2).sum::<u64>();
    assert!(
        text.contains(&format!(
            "只建议了 2 处（要求 3 处）：还有 {left} 处住宅不在 15 分钟内：学院路街道范围内可选的"
        )),
        "{text}"
    );
    // Every home already within reach of food: nothing to suggest, and it says so.
    let expected = street_picks(
        &extract,
        community_at,
        &facilities,
        ServiceFunction::Food,
        3,
    );
    assert_eq!((expected.before, expected.sites.len()), (expected.total, 0));
    let text = street_siting_matches(&app, &street, &expected, "function=food&count=3").await;
    assert!(
        text.contains("每处住宅都已在 15 分钟内可达食有所安设施，无需新增。"),
        "{text}"
    );
    let (_, body) = api_get(
        &app,
        &format!("/api/v1/circle/districts/{XUEYUANLU}/siting?function=food&count=3"),
        &street,
    )
    .await;
    assert_eq!(body["shortfall"], "all_covered");

    // 清河街道's community has no boundary yet: it says so and points to the district's siting.
    let page = get(
        &app,
        &format!("/circle/areas/{QINGHE}/siting?function=elderly_care&count=3"),
        &haidian,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        text_of(&page.body).contains("清河街道的社区都还没有边界（上传的边界、网格或 OpenStreetMap 同名小区），无法只计本街道的住宅。"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("href=\"/circle/areas/{HAIDIAN}/siting\""))
    );

    // Boundaries that share the extract out: three sites asked for, three given, from the
    // street's three quarters only (the district's 清河 quarter counts for neither).
    upload(boxes_geojson(&QUARTERS)).await;
    let expected = street_picks(&extract, quarter_at, &facilities, elderly, 3);
    assert_eq!(expected.sites.len(), 3);
    assert!(expected.total < extract.origins.len() as u64);
    let text =
        street_siting_matches(&app, &street, &expected, "function=elderly_care&count=3").await;
    assert!(!text.contains("只建议了"), "{text}");

    // The street's pages offer its own siting.
    for page in ["", "/coverage"] {
        let page = get(&app, &format!("/circle/areas/{XUEYUANLU}{page}"), &street).await;
        let link = format!("href=\"/circle/areas/{XUEYUANLU}/siting\"");
        assert!(page.body.contains(&link), "{}", page.body);
    }

    // A count that is not 1–10 is named at its field, what was typed kept; nothing computed.
    let page = get(
        &app,
        &format!("/circle/areas/{XUEYUANLU}/siting?function=elderly_care&count=30"),
        &street,
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(between(&page.body, "class=\"error-summary\"", "</div>").contains("#count"));
    assert!(text_of(&page.body).contains("建议几处：请填 1 到 10 之间的整数"));
    assert!(page.body.contains("value=\"30\""));
    assert!(!page.body.contains("result-heading"));
    let (status, body) = api_get(
        &app,
        &format!("/api/v1/circle/districts/{XUEYUANLU}/siting?function=elderly_care&count=0"),
        &street,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("count"), "{body}");
    // A community is not an area siting is computed for.
    let reply = get(
        &app,
        &format!("/circle/areas/{FURUN}/siting?function=elderly_care&count=3"),
        &haidian,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(text_of(&reply.body).contains("选址建议按区或街道计算"));
}
on_both!(a_street_gets_siting_of_its_own);
