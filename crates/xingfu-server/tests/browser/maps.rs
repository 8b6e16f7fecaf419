//! Grids and circle maps drawn on the basemap, and siting for a street on a phone.

use super::*;

/// Serves an app other than the test server's own (one with a street network, say).
async fn serve_app(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{address}")
}

/// Runs a script against the page's map (`figure.map` → its MapLibre map) until it answers
/// something other than null, or fails after 20 s.
async fn map_answer(browser: &Browser, script: &str) -> serde_json::Value {
    let wrapped = format!(
        "const m = document.querySelector('figure.map') && document.querySelector('figure.map').xingfuMap; \
         if (!m || !m.loaded()) return null; {script}"
    );
    for _ in 0..100 {
        let answer = browser.client.execute(&wrapped, vec![]).await.unwrap();
        if !answer.is_null() {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the map did not answer: {script}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grids_are_drawn_on_the_basemap() {
    use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
    use xingfu_core::workflow::Role;

    let server = common::sqlite().await;
    xingfu_server::circle::service::demo::load_demo_regions(&server.state.store)
        .await
        .unwrap();
    // 西王庄社区, 学院路街道: on the demo's street network.
    let community = "110108010001";
    server
        .account("xiwang", Role::CommunityWorker, community)
        .await;
    let app = xingfu_server::router(
        server
            .state
            .clone()
            .with_network(xingfu_server::circle::network::network_for(None, true)),
    );
    let base = serve_app(app).await;
    let browser = Browser::start().await;
    browser.sign_in(&base, "xiwang").await;
    browser
        .client
        .goto(&format!("{base}/communities/{community}/grids"))
        .await
        .unwrap();
    // The basemap's streets are drawn from this server's own tiles, with their names.
    let roads = map_answer(
        &browser,
        "const r = m.querySourceFeatures('osm', {sourceLayer: 'road'}); return r.length ? r.length : null;",
    )
    .await;
    assert!(roads.as_u64().unwrap() > 0);
    let tiles = map_answer(
        &browser,
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/tiles/'));",
    )
    .await;
    let tiles: Vec<String> = serde_json::from_value(tiles).unwrap();
    assert!(
        tiles.iter().all(|t| t.starts_with(&base)),
        "every tile from this server: {tiles:?}"
    );
    assert!(
        browser.text("figure.map").await.contains("WGS-84"),
        "the page says which datum the map uses"
    );
    browser.look("the grids page with its map").await;
    browser.screenshot("grids-map").await;

    // Draw a triangle on the map, name it, and import it.
    browser.click("figure.map button.secondary").await;
    let canvas = browser
        .client
        .find(Locator::Css(".map-canvas canvas"))
        .await
        .unwrap();
    let mut mouse = MouseActions::new("mouse".into());
    for (x, y) in [(-80.0, -60.0), (80.0, -60.0), (0.0, 70.0)] {
        mouse = mouse
            .then(PointerAction::MoveToElement {
                element: canvas.clone(),
                duration: None,
                x,
                y,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Pause {
                duration: Duration::from_millis(400),
            });
    }
    browser.client.perform_actions(mouse).await.unwrap();
    assert!(
        browser.text(".map-draw-status").await.contains("3"),
        "three corners taken"
    );
    browser.fill("#draw-grid-id", "W1").await;
    browser.fill("#draw-grid-name", "西王庄第一网格").await;
    let finish = browser
        .client
        .find_all(Locator::Css(".map-draw button"))
        .await
        .unwrap();
    finish[0].click().await.unwrap();
    let pasted = browser
        .client
        .execute("return document.getElementById('geojson').value;", vec![])
        .await
        .unwrap();
    let pasted: serde_json::Value = serde_json::from_str(pasted.as_str().unwrap()).unwrap();
    assert_eq!(pasted["features"][0]["id"], "W1");
    let ring = pasted["features"][0]["geometry"]["coordinates"][0]
        .as_array()
        .unwrap();
    assert_eq!(ring.len(), 4, "three corners and the first again: {ring:?}");
    let lon = ring[0][0].as_f64().unwrap();
    assert!(
        (116.3..116.4).contains(&lon),
        "drawn where the basemap is: {lon}"
    );
    browser
        .click("form[action$='/grids'] button[type=submit]")
        .await;
    // The form posts to the page it is on: its address says nothing of the save being done, so
    // wait for the store (at most 20 s) rather than the address.
    let mut grids = Vec::new();
    for _ in 0..100 {
        grids = server.state.store.grids_of(community).await.unwrap();
        if !grids.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(grids.len(), 1, "the drawn grid is stored");
    assert_eq!(grids[0].name, "西王庄第一网格");
    map_answer(
        &browser,
        "return m.querySourceFeatures('page').length || null;",
    )
    .await;
    browser.screenshot("grids-map-drawn").await;
    browser.stop().await;
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_circle_maps_draw_on_the_basemap() {
    use xingfu_core::workflow::Role;

    let server = common::sqlite().await;
    let state = server
        .state
        .clone()
        .with_network(xingfu_server::circle::network::network_for(None, true));
    xingfu_server::circle::service::demo::load_demo_regions(&state.store)
        .await
        .unwrap();
    let haidian = xingfu_server::circle::service::demo::DEMO_DISTRICT;
    server
        .account("haidian", Role::DistrictAdmin, haidian)
        .await;
    // The demo's circle: the extract's facilities registered and the coverage computed.
    xingfu_server::circle::service::demo::load_demo(&state)
        .await
        .unwrap();
    let base = serve_app(xingfu_server::router(state)).await;
    let browser = Browser::start().await;
    browser.sign_in(&base, "haidian").await;
    for (path, what) in [
        (format!("/circle/areas/{haidian}"), "facilities"),
        (format!("/circle/areas/{haidian}/coverage"), "coverage"),
        (
            format!("/circle/areas/{haidian}/siting?function=elderly_care&count=3"),
            "siting",
        ),
    ] {
        browser.client.goto(&format!("{base}{path}")).await.unwrap();
        let drawn = map_answer(
            &browser,
            "const n = m.queryRenderedFeatures({layers: ['page-point']}).length; \
             const r = m.querySourceFeatures('osm', {sourceLayer: 'road'}).length; \
             return n && r ? [n, r] : null;",
        )
        .await;
        assert!(
            drawn[0].as_u64().unwrap() > 0,
            "{what}: its points are drawn"
        );
        assert!(
            browser.text("figure.map").await.contains("WGS-84"),
            "{what}: the datum is named"
        );
        browser.look(&format!("the {what} map")).await;
        browser
            .client
            .execute(
                "document.querySelector('figure.map').scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
        browser.screenshot(&format!("circle-{what}-map")).await;
    }
    browser.stop().await;
    server.finish().await;
}

/// A street administrator of 学院路街道 (the demo's extract and coverage) asks for siting from
/// the street's facilities page on a phone: the sites for the street alone, each with its
/// community, and why there are fewer than asked for; a count that is not 1–10 is named at
/// its field with what was typed kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn siting_for_a_street_on_a_phone() {
    use xingfu_core::workflow::Role;
    use xingfu_server::circle::network::network_for;
    use xingfu_server::circle::service::demo::{load_demo, load_demo_regions};

    let server = common::sqlite().await;
    let state = server.state.clone().with_network(network_for(None, true));
    load_demo_regions(&state.store).await.unwrap();
    server
        .account("haidian", Role::DistrictAdmin, "110108000000")
        .await;
    server
        .account("xueyuanlu", Role::StreetAdmin, "110108010000")
        .await;
    load_demo(&state).await.unwrap();
    let base = serve_app(xingfu_server::router(state)).await;
    let browser = Browser::start().await;
    browser.sign_in(&base, "xueyuanlu").await;
    let street = "/circle/areas/110108010000";
    browser
        .client
        .goto(&format!("{base}{street}"))
        .await
        .unwrap();
    browser.click(&format!("a[href='{street}/siting']")).await;
    assert_eq!(
        browser.wait_path(&format!("{street}/siting")).await,
        format!("{street}/siting")
    );
    assert!(browser.text("main").await.contains("按街道计算"));
    browser.look("circle siting, a street").await;

    let select = browser
        .client
        .find(Locator::Css("#function"))
        .await
        .unwrap();
    select.select_by_value("elderly_care").await.unwrap();
    browser.fill("#count", "3").await;
    browser
        .click(&format!("form[action='{street}/siting'] button"))
        .await;
    // The demo's boundaries are its compounds, which few network nodes lie in: fewer sites
    // than asked for, each named by its community, and the page says why.
    let table = browser.text("section table tbody").await;
    let rows = browser
        .client
        .find_all(Locator::Css("section table tbody tr"))
        .await
        .unwrap();
    assert!(!rows.is_empty() && rows.len() < 3, "{table}");
    for row in &rows {
        let text = row.text().await.unwrap();
        assert!(
            text.contains("社区居委会"),
            "each site names its community: {text}"
        );
    }
    let why = browser.text("#shortfall").await;
    assert!(
        why.starts_with(&format!("只建议了 {} 处（要求 3 处）：", rows.len())),
        "{why}"
    );
    browser
        .look("circle siting, a street, fewer sites and why")
        .await;

    browser.fill("#count", "三处").await;
    browser
        .click(&format!("form[action='{street}/siting'] button"))
        .await;
    let summary = browser.text(".error-summary").await;
    assert!(
        summary.contains("建议几处：请填 1 到 10 之间的整数"),
        "{summary}"
    );
    let kept = browser.client.find(Locator::Css("#count")).await.unwrap();
    assert_eq!(kept.prop("value").await.unwrap().as_deref(), Some("三处"));
    browser.look("circle siting, a street, a wrong count").await;
    browser.stop().await;
    server.finish().await;
}
