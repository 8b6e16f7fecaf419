//! A server on a real database (a fresh SQLite file, or a fresh PostgreSQL schema), with the
//! divisions of 鹿城区 that the tests use, the Lucheng standard, and one account per role.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;
use xingfu_core::workflow::Role;
use xingfu_server::app::auth::{CurrentUser, hash_password};
use xingfu_server::{AppState, router};
use xingfu_store::Store;
use xingfu_store::accounts::NewUser;
use xingfu_store::regions::RegionRow;
use xingfu_store::rounds::{By, EntryChange, NewRound};

pub const PASSWORD: &str = "correct horse 幸福";

/// Makes `async fn name(&Server)` two tests, `name::sqlite` and `name::postgres`, each on a
/// fresh database (take it with `#[macro_use] mod common;`).
#[allow(unused_macros)]
macro_rules! on_both {
    ($name:ident) => {
        pub mod $name {
            #[tokio::test]
            async fn sqlite() {
                let server = super::common::sqlite().await;
                super::$name(&server).await;
                server.finish().await;
            }
            #[tokio::test]
            async fn postgres() {
                let server = super::common::postgres().await;
                super::$name(&server).await;
                server.finish().await;
            }
        }
    };
}

pub fn region(code: &str, name: &str, level: &str, parent: Option<&str>) -> RegionRow {
    RegionRow {
        code: code.into(),
        name: name.into(),
        level: level.into(),
        parent: parent.map(Into::into),
        urban_rural: None,
    }
}

pub struct Server {
    pub state: AppState,
    pub app: Router,
    /// The database URL, so a second instance can open the same database.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

pub async fn sqlite() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    setup(Store::connect(&url).await.unwrap(), &url, Some(dir), None).await
}

pub fn postgres_url() -> String {
    std::env::var("XINGFU_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub async fn postgres() -> Server {
    let base = postgres_url();
    let schema = format!("xingfu_test_{}", xingfu_store::new_id());
    let admin = Store::connect_without_migrations(&base)
        .await
        .expect("PostgreSQL must be running");
    admin
        .execute_admin(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    admin.close().await;
    let url = format!("{base}?options=-c%20search_path%3D{schema}");
    setup(
        Store::connect(&url).await.unwrap(),
        &url,
        None,
        Some(schema),
    )
    .await
}

impl Server {
    /// 鼓楼社区 approved at `star` (no assessors' sheets) in a new 2014 round whose objection
    /// period is 7 days; returns the round's id. For tests that start at publication.
    #[allow(dead_code)]
    /// Opens a round of Lucheng district under the 2012 standard (7 days of 公示), as "city".
    pub async fn lucheng_round(&self, year: i64) -> String {
        self.state
            .store
            .create_round(
                &NewRound {
                    year,
                    region_code: "330302000000",
                    standard_id: "lucheng-2012",
                    standard_version: "2012.1",
                    objection_days: 7,
                },
                "city",
                1,
            )
            .await
            .unwrap()
            .id
    }

    pub async fn approved_gulou(&self, star: i64) -> String {
        let store = &self.state.store;
        let round = self.lucheng_round(2014).await;
        let gulou = "330302006044";
        let entry = store.declare(&round, gulou, 0, "gulou", 2).await.unwrap();
        let approved = EntryChange {
            stage: Some("approved".into()),
            total: Some(85_000),
            star: Some(star),
            star_by_score: Some(star),
            ..EntryChange::default()
        };
        let by = By {
            actor: "test",
            at: 3,
        };
        store
            .update_entry(&round, gulou, entry.version, &approved, "approve", by)
            .await
            .unwrap()
            .unwrap();
        round
    }

    pub async fn finish(self) {
        self.state.store.close().await;
        if let Some(schema) = self.schema
            && let Ok(admin) = Store::connect_without_migrations(&postgres_url()).await
        {
            let _ = admin
                .execute_admin(&format!("DROP SCHEMA {schema} CASCADE"))
                .await;
            admin.close().await;
        }
    }

    /// One more account, with the tests' password.
    pub async fn account(&self, username: &str, role: Role, region: &str) {
        self.state
            .store
            .create_user(
                &NewUser {
                    username,
                    display_name: username,
                    password_hash: &hash_password(PASSWORD).unwrap(),
                    role: role.key(),
                    region_code: region,
                },
                0,
            )
            .await
            .unwrap();
    }

    pub async fn user(&self, username: &str) -> CurrentUser {
        let user = self
            .state
            .store
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap();
        let region = self
            .state
            .store
            .region(&user.region_code)
            .await
            .unwrap()
            .unwrap();
        CurrentUser {
            role: Role::parse(&user.role).unwrap(),
            region_level: region.level,
            region_name: region.name,
            csrf: String::new(),
            unread: 0,
            user,
        }
    }

    pub async fn get(&self, path: &str, cookie: &str) -> (StatusCode, String, Option<String>) {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        send(&self.app, request).await
    }

    pub async fn post(
        &self,
        path: &str,
        cookie: &str,
        form: &str,
    ) -> (StatusCode, String, Option<String>) {
        let request = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_string()))
            .unwrap();
        send(&self.app, request).await
    }

    /// Signs in through the API; returns the bearer token.
    pub async fn api_token(&self, username: &str) -> String {
        let request = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::json!({"username": username, "password": PASSWORD}).to_string(),
            ))
            .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "API sign-in of {username}"
        );
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        value["token"].as_str().unwrap().to_string()
    }

    /// Signs in through the login form; returns the session cookie header value.
    pub async fn sign_in(&self, username: &str) -> String {
        let (_, body, set_cookie) = self.get("/login", "").await;
        let csrf = between(&body, "name=\"csrf\" value=\"", "\"");
        let pre = set_cookie.unwrap();
        let pre = pre.split(';').next().unwrap().to_string();
        let form = format!(
            "username={username}&password={}&csrf={csrf}&next=/rounds",
            urlencode(PASSWORD)
        );
        let (status, _, set_cookie) = self.post("/login", &pre, &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign-in of {username}");
        set_cookie.unwrap().split(';').next().unwrap().to_string()
    }
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).map(|i| i + start.len()).unwrap_or(0);
    let to = text[from..]
        .find(end)
        .map(|i| from + i)
        .unwrap_or(text.len());
    &text[from..to]
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, String, Option<String>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| !c.contains("Max-Age=0"))
        .map(str::to_string);
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(response.into_body(), 4 * 1024 * 1024)
        .await
        .unwrap();
    let mut body = String::from_utf8_lossy(&bytes).to_string();
    if let Some(location) = location {
        body = format!("{location}\n{body}");
    }
    (status, body, cookie)
}

async fn setup(
    store: Store,
    url: &str,
    dir: Option<tempfile::TempDir>,
    schema: Option<String>,
) -> Server {
    store
        .upsert_regions(&[
            region("330300000000", "温州市", "city", None),
            region("330302000000", "鹿城区", "district", Some("330300000000")),
            region("330302006000", "五马街道", "street", Some("330302000000")),
            region(
                "330302006044",
                "鼓楼社区",
                "community",
                Some("330302006000"),
            ),
            region(
                "330302006045",
                "墨池社区",
                "community",
                Some("330302006000"),
            ),
            region("330302026000", "松台街道", "street", Some("330302000000")),
            region(
                "330302026003",
                "庆年坊社区",
                "community",
                Some("330302026000"),
            ),
            region("330303000000", "龙湾区", "district", Some("330300000000")),
        ])
        .await
        .unwrap();
    let text = xingfu_formats::shipped::SHIPPED
        .iter()
        .find(|(id, _)| *id == "lucheng-2012")
        .unwrap()
        .1;
    store
        .save_standard("lucheng-2012", "2012.1", text, 0)
        .await
        .unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    for (username, role, region) in [
        ("city", Role::CityAdmin, "330300000000"),
        ("district", Role::DistrictAdmin, "330302000000"),
        ("longwan", Role::DistrictAdmin, "330303000000"),
        ("wuma", Role::StreetAdmin, "330302006000"),
        ("gulou", Role::CommunityWorker, "330302006044"),
        ("assessor", Role::Assessor, "330302000000"),
        ("assessor2", Role::Assessor, "330302000000"),
        ("gulou-assessor", Role::Assessor, "330302006044"),
        ("gulou-resident", Role::Resident, "330302006044"),
        ("mochi-resident", Role::Resident, "330302006045"),
    ] {
        store
            .create_user(
                &NewUser {
                    username,
                    display_name: username,
                    password_hash: &hash,
                    role: role.key(),
                    region_code: region,
                },
                0,
            )
            .await
            .unwrap();
    }
    let state = AppState::new(store, false);
    Server {
        app: router(state.clone()),
        url: url.to_string(),
        state,
        _dir: dir,
        schema,
    }
}
