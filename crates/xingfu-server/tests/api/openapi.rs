//! The OpenAPI document listing every route.

use super::*;

/// Every route the API serves, as (method, path template).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/openapi.json"),
    ("post", "/api/v1/session"),
    ("get", "/api/v1/session"),
    ("delete", "/api/v1/session"),
    ("get", "/api/v1/todo"),
    ("get", "/api/v1/notifications"),
    ("post", "/api/v1/notifications/{id}/read"),
    ("get", "/api/v1/regions/{code}"),
    ("get", "/api/v1/regions/{code}/children"),
    ("get", "/api/v1/standards"),
    ("get", "/api/v1/standards/{id}/{version}"),
    ("get", "/api/v1/standards/{id}/{version}/clauses.xlsx"),
    ("post", "/api/v1/standards/{id}/{version}/versions"),
    ("get", "/api/v1/rounds"),
    ("post", "/api/v1/rounds"),
    ("get", "/api/v1/rounds/{id}"),
    ("get", "/api/v1/rounds/{id}/budget"),
    ("get", "/api/v1/rounds/{id}/entries"),
    ("post", "/api/v1/rounds/{id}/entries"),
    ("get", "/api/v1/rounds/{id}/entries/{code}"),
    ("get", "/api/v1/rounds/{id}/entries/{code}/answers"),
    ("put", "/api/v1/rounds/{id}/entries/{code}/answers"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/check"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/compute"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/approve"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/send-back"),
    ("post", "/api/v1/rounds/{id}/approvals"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/publish"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/name"),
    ("get", "/api/v1/rounds/{id}/entries/{code}/audit"),
    ("get", "/api/v1/rounds/{id}/entries/{code}/evidence"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/evidence"),
    ("get", "/api/v1/evidence/{id}"),
    ("get", "/api/v1/rounds/{id}/export.xlsx"),
    ("get", "/api/v1/rounds/{id}/score-sheet.xlsx"),
    ("get", "/api/v1/rounds/{id}/documents"),
    ("get", "/api/v1/rounds/{id}/documents/{kind}/{target}"),
    ("get", "/api/v1/rounds/{id}/rectifications"),
    ("post", "/api/v1/rounds/{id}/rectifications/{task}/submit"),
    ("post", "/api/v1/rounds/{id}/rectifications/{task}/verify"),
    ("post", "/api/v1/rounds/{id}/rectifications/{task}/reopen"),
    ("get", "/api/v1/rounds/{id}/entries/{code}/objections"),
    ("post", "/api/v1/rounds/{id}/entries/{code}/objections"),
    (
        "post",
        "/api/v1/rounds/{id}/entries/{code}/objections/{objection}/decide",
    ),
    ("get", "/api/v1/attention"),
    ("get", "/api/v1/attention/{category}"),
    ("post", "/api/v1/households"),
    ("get", "/api/v1/households/{id}"),
    ("post", "/api/v1/households/{id}/visits"),
    ("get", "/api/v1/access-log"),
    ("get", "/api/v1/communities/{code}/activities"),
    ("post", "/api/v1/communities/{code}/activities"),
    ("post", "/api/v1/activities/{id}/sign-ins"),
    ("post", "/api/v1/activities/{id}/sign-outs"),
    ("get", "/api/v1/communities/{code}/mall"),
    ("post", "/api/v1/mall/redemptions"),
    ("get", "/api/v1/volunteers/{id}/ledger"),
    ("get", "/api/v1/communities/{code}/people-metrics"),
    ("get", "/api/v1/rounds/{id}/survey"),
    ("put", "/api/v1/rounds/{id}/survey"),
    ("post", "/api/v1/rounds/{id}/survey/communities/{code}/link"),
    (
        "post",
        "/api/v1/rounds/{id}/survey/communities/{code}/answers",
    ),
    ("get", "/api/v1/rounds/{id}/survey/results/{code}"),
    ("get", "/api/v1/rounds/{id}/survey/fraud/{code}"),
    ("get", "/api/v1/rounds/{id}/survey/review/{code}"),
    ("post", "/api/v1/rounds/{id}/survey/review/{code}"),
    ("get", "/api/v1/circle/areas/{code}/facilities"),
    ("post", "/api/v1/circle/areas/{code}/facilities"),
    ("post", "/api/v1/circle/areas/{code}/facilities/import"),
    ("get", "/api/v1/circle/areas/{code}/coverage"),
    ("post", "/api/v1/circle/districts/{code}/coverage"),
    ("get", "/api/v1/circle/districts/{code}/siting"),
    ("get", "/api/v1/communities/{code}/circle-metrics"),
    ("get", "/api/v1/circle/centres/{id}/ratings"),
    ("post", "/api/v1/circle/centres/{id}/ratings"),
    ("get", "/api/v1/overview"),
    ("get", "/api/v1/jobs"),
    ("get", "/api/v1/exports"),
    ("post", "/api/v1/exports"),
];

fn collect_refs(value: &Value, refs: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    refs.insert(v.as_str().unwrap().to_string());
                }
                collect_refs(v, refs);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

async fn the_openapi_document_lists_every_route(server: &Server) {
    let reply = call(
        server,
        Method::GET,
        "/api/v1/openapi.json",
        Auth::None,
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    let doc = reply.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["info"]["title"], "Xingfu API");

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.insert((method.clone(), path.clone()));
            }
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);

    // Every operation has a unique id, its responses, and every body a schema that exists.
    let mut ids = BTreeSet::new();
    for (method, path) in &expected {
        let operation = &doc["paths"][path][method];
        let id = operation["operationId"].as_str().unwrap();
        assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
        assert!(
            operation["responses"]
                .as_object()
                .is_some_and(|r| !r.is_empty())
        );
        assert!(operation["summary"].is_string() || operation["description"].is_string());
        let braces = path.matches('{').count();
        let path_params = operation["parameters"]
            .as_array()
            .map(|p| p.iter().filter(|p| p["in"] == "path").count())
            .unwrap_or(0);
        assert_eq!(
            path_params, braces,
            "{method} {path} documents its path parameters"
        );
    }
    assert!(
        doc["paths"]["/api/v1/rounds/{id}/entries/{code}/answers"]["put"]["requestBody"]
            .is_object()
    );
    let mut refs = BTreeSet::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.contains("#/components/schemas/ErrorBody"));
    for reference in refs {
        let name = reference.strip_prefix("#/components/schemas/").unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{reference}"
        );
    }
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("bearer") && schemes.contains_key("csrf"));

    // And the router serves each of them: without a session every one but the two public ones
    // answers 401 (an unknown path is a 404, a wrong method a 405).
    for (method, path) in ROUTES {
        let concrete = path
            .replace("{code}", GULOU)
            .replace("{id}", "some-round")
            .replace("{version}", "2012.1");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (method == Method::POST || method == Method::PUT).then_some("{}");
        let reply = send_raw(server, method.clone(), &concrete, Auth::None, &[], body).await;
        let expected = match *path {
            "/api/v1/openapi.json" => StatusCode::OK,
            "/api/v1/session" if method == Method::POST => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNAUTHORIZED,
        };
        assert_eq!(reply.status, expected, "{method} {concrete}");
    }
    let reply = call(
        server,
        Method::GET,
        "/api/v1/nothing-here",
        Auth::None,
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "not_found");
    let reply = call(server, Method::PATCH, "/api/v1/rounds", Auth::None, None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.code(), "bad_request");
}
on_both!(the_openapi_document_lists_every_route);
