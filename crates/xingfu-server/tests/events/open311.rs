//! The Open311 API in JSON and XML.

use super::*;

const MOCHI: &str = "330302006045";

const OUTSIDE: (f64, f64) = (120.660, 28.030);

async fn api_token(server: &Server, username: &str) -> String {
    let request = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": username, "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    let (status, _, body) = send(server, request).await;
    assert_eq!(status, StatusCode::CREATED);
    let value: Value = serde_json::from_slice(&body).unwrap();
    value["token"].as_str().unwrap().to_string()
}

async fn open311_post(server: &Server, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    let request = Request::post(format!("/open311/v2/{path}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.join("&")))
        .unwrap();
    let (status, _, body) = send(server, request).await;
    (status, String::from_utf8(body).unwrap())
}

fn xml_value<'a>(xml: &'a str, element: &str) -> &'a str {
    between(xml, &format!("<{element}>"), &format!("</{element}>"))
}

on_both!(open311_round_trip_in_json_and_xml);
async fn open311_round_trip_in_json_and_xml(server: &Server) {
    let worker = with_grids(server).await;
    // Services, in both formats and languages.
    let (status, body) = open311_get(server, "services.json").await;
    assert_eq!(status, StatusCode::OK);
    let services: Value = serde_json::from_str(&body).unwrap();
    let sanitation = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "sanitation")
        .unwrap();
    assert_eq!(sanitation["service_name"], "环境卫生");
    assert_eq!(sanitation["type"], "realtime");
    let (_, body) = open311_get_lang(server, "services.json", "en-GB,en;q=0.8").await;
    assert!(body.contains("\"service_name\":\"sanitation\""), "{body}");
    let (_, xml) = open311_get(server, "services.xml").await;
    assert!(
        xml.starts_with("<?xml")
            && xml.contains("<services><service><service_code>safety_hazard</service_code>")
    );
    let (status, body) = open311_get(server, "services/sanitation.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"service_code": "sanitation", "attributes": []})
    );
    let (status, body) = open311_get(server, "services/potholes.xml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("<errors><error><code>404</code>"));

    // POST: an api_key is required and must be a live token.
    let (lon, lat) = at(IN_G1);
    let request = [
        ("service_code", "sanitation"),
        ("lat", lat.as_str()),
        ("long", lon.as_str()),
        ("description", "小区门口垃圾没人清"),
        ("address_string", "鼓楼街 1 号"),
        ("phone", "13800000000"),
    ];
    let (status, body) = open311_post(server, "requests.json", &request).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()[0]["code"],
        403
    );
    let token = api_token(server, "gulou-resident").await;
    let mut with_key = request.to_vec();
    with_key.push(("api_key", "not-a-token"));
    assert_eq!(
        open311_post(server, "requests.json", &with_key).await.0,
        StatusCode::FORBIDDEN
    );
    with_key.pop();
    with_key.push(("api_key", &token));
    let (status, body) = open311_post(server, "requests.json", &with_key).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let id: u64 = created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let e = event(server, EventId(id)).await;
    assert_eq!(
        (
            e.community.as_str(),
            e.grid.as_deref(),
            e.reporter.as_deref()
        ),
        (GULOU, Some("g1"), Some("gulou-resident"))
    );
    assert_eq!(e.location, p(IN_G1.0, IN_G1.1));
    let extras = server.state.store.event_extras(e.id).await.unwrap();
    assert_eq!(
        extras.contact.as_deref(),
        Some(r#"{"phone":"13800000000"}"#)
    );

    // GET by id: open, with our state in the notes; contact details never appear.
    let (status, body) = open311_get(server, &format!("requests/{id}.json")).await;
    assert_eq!(status, StatusCode::OK);
    let got: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(got[0]["status"], "open");
    assert_eq!(got[0]["status_notes"], "已上报");
    assert_eq!(got[0]["service_code"], "sanitation");
    assert_eq!(got[0]["address"], "鼓楼街 1 号");
    assert_eq!(got[0]["long"], IN_G1.0);
    assert!(!body.contains("13800000000"));
    assert!(
        got[0]["requested_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );

    // XML POST with a photo (multipart), then GET by id in XML: the photo is ours, cleaned.
    let photo = jpeg_with_gps(40, 30);
    let (lon2, lat2) = at(IN_G2);
    let body = multipart(
        &[
            ("api_key", &token),
            ("service_code", "public_facility"),
            ("lat", &lat2),
            ("long", &lon2),
        ],
        &[("media", "m.jpg", "image/jpeg", &photo)],
    );
    let request = Request::post("/open311/v2/requests.xml")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    let (status, _, body) = send(server, request).await;
    let xml = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::CREATED, "{xml}");
    let id2: u64 = xml_value(&xml, "service_request_id").parse().unwrap();
    let (_, xml) = open311_get(server, &format!("requests/{id2}.xml")).await;
    assert_eq!(xml_value(&xml, "status"), "open");
    assert_eq!(xml_value(&xml, "service_code"), "public_facility");
    let media = xml_value(&xml, "media_url");
    assert!(
        media.starts_with("http://xingfu.example/event-photos/"),
        "{xml}"
    );
    let (status, _, stored) = send(
        server,
        Request::get(media.trim_start_matches("http://xingfu.example"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!contains(&stored, &GPS_SECONDS));

    // Richer states map onto closed, with notes; a merge says into which.
    let (status, _) = act(
        server,
        &worker,
        EventId(id2),
        &[("action", "reject"), ("reason", "已在维修计划中")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, body) = open311_get(server, &format!("requests/{id2}.json")).await;
    let got: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (got[0]["status"].as_str(), got[0]["status_notes"].as_str()),
        (Some("closed"), Some("不予受理"))
    );
    assert_eq!(got[0]["expected_datetime"], Value::Null);
    let dup = report_at(
        server,
        &server.sign_in("gulou-resident").await,
        IN_G1,
        "同一堆垃圾",
    )
    .await;
    act(
        server,
        &worker,
        dup,
        &[("action", "merge_into"), ("primary", &id.to_string())],
    )
    .await;
    let (_, body) = open311_get_lang(server, &format!("requests/{}.json", dup.0), "en").await;
    let got: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(got[0]["status"], "closed");
    assert_eq!(got[0]["status_notes"], format!("merged into request {id}"));

    // GET the list with filters.
    let (_, body) = open311_get(server, "requests.json?status=closed").await;
    let closed: Vec<String> = serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(closed, vec![dup.0.to_string(), id2.to_string()]);
    let (_, body) = open311_get(server, "requests.json?service_code=sanitation&status=open").await;
    let open: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["service_request_id"], id.to_string());
    let (_, body) = open311_get(
        server,
        "requests.json?start_date=2001-01-01T00:00:00Z&end_date=2001-02-01T00:00:00Z",
    )
    .await;
    assert_eq!(body, "[]");
    let (status, body) = open311_get(server, "requests.json?status=resolved").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("status"));
    let (status, _) = open311_get(server, "requests.json?start_date=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, xml) = open311_get(
        server,
        &format!("requests.xml?service_request_id={id},{id2}"),
    )
    .await;
    assert_eq!(xml.matches("<request>").count(), 2);
    let (status, _) = open311_get(server, "requests/999999.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Outside every grid: the jurisdiction, else the account's own community; a street
    // administrator's account names no community.
    let (lon3, lat3) = at(OUTSIDE);
    let post_owned = |form: Vec<(String, String)>| async move {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        open311_post(server, "requests.json", &pairs).await
    };
    let base = |key: &str, jurisdiction: Option<&str>| {
        let mut form = vec![
            ("api_key".to_string(), key.to_string()),
            ("service_code".to_string(), "other".to_string()),
            ("lat".to_string(), lat3.clone()),
            ("long".to_string(), lon3.clone()),
            ("description".to_string(), "远处".to_string()),
        ];
        if let Some(j) = jurisdiction {
            form.push(("jurisdiction_id".to_string(), j.to_string()));
        }
        form
    };
    let (status, body) = post_owned(base(&token, Some(MOCHI))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let n: u64 = serde_json::from_str::<Value>(&body).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let e = event(server, EventId(n)).await;
    assert_eq!((e.community.as_str(), e.grid.as_deref()), (MOCHI, None));
    let (status, body) = post_owned(base(&token, None)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let street_token = api_token(server, "wuma").await;
    let (status, body) = post_owned(base(&street_token, None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("jurisdiction_id"), "{body}");
    let assessor = api_token(server, "assessor").await;
    assert_eq!(
        post_owned(base(&assessor, None)).await.0,
        StatusCode::FORBIDDEN
    );
    // Unknown services and missing positions are refused.
    let mut form = base(&token, None);
    form[1].1 = "potholes".into();
    assert_eq!(post_owned(form).await.0, StatusCode::NOT_FOUND);
    let form: Vec<(String, String)> = base(&token, None)
        .into_iter()
        .filter(|(k, _)| k != "lat")
        .collect();
    assert_eq!(post_owned(form).await.0, StatusCode::BAD_REQUEST);
    let (status, body) =
        open311_get(server, &format!("requests.json?jurisdiction_id={MOCHI}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&body)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
