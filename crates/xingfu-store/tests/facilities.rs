//! Facilities, the circle's stored results, centres and their ratings, on SQLite and
//! PostgreSQL: rows read back as written, imports update by their source id, a new coverage
//! run replaces the old one whole, a centre cannot be deleted, ratings are kept, and every
//! change is in the audit chain.

mod common;

use xingfu_store::Store;
use xingfu_store::facilities::{
    CircleRun, CoverageRow, Deleted, FacilityInput, FacilityUpdate, Flagged, NewRating, OriginRow,
    Unflagged, from_e6, to_e6,
};
use xingfu_store::regions::RegionRow;

const DISTRICT: &str = "330302000000";
const WUMA: &str = "330302006000";
const GULOU: &str = "330302006044";
const MOCHI: &str = "330302006045";
const SONGTAI: &str = "330302026000";
const QINGNIAN: &str = "330302026003";

fn region(code: &str, level: &str, parent: Option<&str>) -> RegionRow {
    RegionRow {
        code: code.into(),
        name: format!("区划{code}"),
        level: level.into(),
        parent: parent.map(Into::into),
        urban_rural: None,
    }
}

async fn setup(store: &Store) {
    store
        .upsert_regions(&[
            region(DISTRICT, "district", None),
            region(WUMA, "street", Some(DISTRICT)),
            region(GULOU, "community", Some(WUMA)),
            region(MOCHI, "community", Some(WUMA)),
            region(SONGTAI, "street", Some(DISTRICT)),
            region(QINGNIAN, "community", Some(SONGTAI)),
        ])
        .await
        .unwrap();
}

fn input(name: &str, community: Option<&str>, source_ref: Option<&str>) -> FacilityInput {
    FacilityInput {
        district_code: DISTRICT.into(),
        region_code: community.unwrap_or(DISTRICT).into(),
        community_code: community.map(Into::into),
        name: name.into(),
        functions: vec!["elderly_care".into(), "medical".into()],
        lon_e6: to_e6(120.655_123),
        lat_e6: to_e6(28.012_345),
        hours: Some("8:00-20:00".into()),
        capacity: Some(40),
        source: "csv".into(),
        source_ref: source_ref.map(Into::into),
    }
}

#[test]
fn micro_degrees_keep_six_decimals() {
    for text in ["120.655123", "-33.000001", "0.000001", "180", "-90"] {
        let degrees: f64 = text.parse().unwrap();
        let e6 = to_e6(degrees);
        assert_eq!(format!("{}", from_e6(e6)), text.trim_end_matches(".0"));
    }
    assert_eq!(to_e6(120.655_123_4), 120_655_123);
    assert_eq!(to_e6(120.655_123_6), 120_655_124);
}

on_both!(
    facilities_round_trip_and_are_audited,
    |store: Store| async move {
        setup(&store).await;
        let id = store
            .add_facility(&input("鼓楼社区卫生服务站", Some(GULOU), None), "gulou", 10)
            .await
            .unwrap();
        let row = store.facility(&id).await.unwrap().unwrap();
        assert_eq!(row.name, "鼓楼社区卫生服务站");
        assert_eq!(row.functions, vec!["elderly_care", "medical"]);
        assert_eq!((row.lon_e6, row.lat_e6), (120_655_123, 28_012_345));
        assert_eq!(row.capacity, Some(40));
        assert_eq!(row.community_code.as_deref(), Some(GULOU));
        assert_eq!((row.updated_at, row.updated_by.as_str()), (10, "gulou"));
        assert!(!row.centre);

        let mut changed = input("鼓楼社区卫生服务站(新址)", Some(GULOU), None);
        changed.capacity = None;
        changed.hours = None;
        changed.functions = vec!["medical".into()];
        assert_eq!(row.version, 1);
        assert_eq!(
            store
                .update_facility(&id, 1, &changed, "wuma", 20)
                .await
                .unwrap(),
            FacilityUpdate::Updated
        );
        assert_eq!(
            store
                .update_facility("nope", 1, &changed, "wuma", 20)
                .await
                .unwrap(),
            FacilityUpdate::NotFound
        );
        // An edit from a form read at version 1 is refused now that it is at 2: nothing written.
        let stale = input("旧名称", Some(GULOU), None);
        match store
            .update_facility(&id, 1, &stale, "gulou", 21)
            .await
            .unwrap()
        {
            FacilityUpdate::Stale(now) => {
                assert_eq!((now.version, now.updated_by.as_str()), (2, "wuma"))
            }
            other => panic!("a stale edit must be refused: {other:?}"),
        }
        let row = store.facility(&id).await.unwrap().unwrap();
        assert_eq!(row.functions, vec!["medical"]);
        assert_eq!((row.capacity, row.hours), (None, None));
        assert_eq!(row.updated_by, "wuma");

        let trail = store.audit_for_community(GULOU).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, vec!["add_facility", "update_facility"]);
        assert!(trail[1].before.as_deref().unwrap().contains("elderly_care"));
        assert!(!trail[1].after.as_deref().unwrap().contains("elderly_care"));

        // A delete from a page read before the last edit is refused.
        let Deleted::Stale(now) = store
            .delete_facility(&id, Some(row.version - 1), "wuma", 30)
            .await
            .unwrap()
        else {
            panic!("a stale delete is refused")
        };
        assert_eq!(now.version, row.version);
        assert_eq!(
            store
                .delete_facility(&id, Some(row.version), "wuma", 30)
                .await
                .unwrap(),
            Deleted::Deleted
        );
        assert_eq!(
            store.delete_facility(&id, None, "wuma", 30).await.unwrap(),
            Deleted::NotFound
        );
        assert!(store.facility(&id).await.unwrap().is_none());
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);

on_both!(
    imports_update_by_source_id_and_lists_follow_the_area,
    |store: Store| async move {
        setup(&store).await;
        let first = vec![
            input("鼓楼邻里中心", Some(GULOU), Some("fz-1")),
            input("墨池卫生站", Some(MOCHI), Some("fz-2")),
            input("庆年坊食堂", Some(QINGNIAN), None),
            input("区养老院", None, Some("osm:w7")),
        ];
        let count = store
            .import_facilities(DISTRICT, &first, "district", 5)
            .await
            .unwrap();
        assert_eq!((count.added, count.updated), (4, 0));

        let mut renamed = input("鼓楼邻里中心(改名)", Some(GULOU), Some("fz-1"));
        renamed.source = "geojson".into();
        let again = vec![renamed, input("庆年坊食堂", Some(QINGNIAN), None)];
        let count = store
            .import_facilities(DISTRICT, &again, "district", 6)
            .await
            .unwrap();
        assert_eq!((count.added, count.updated), (1, 1), "no id: added again");

        let all = store.facilities_of_district(DISTRICT).await.unwrap();
        assert_eq!(all.len(), 5);
        let wuma: Vec<String> = store
            .facilities_within("330302006")
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(
            wuma.len(),
            2,
            "the street's two, not Songtai's or the district's"
        );
        assert!(wuma.contains(&"鼓楼邻里中心(改名)".to_string()));
        assert!(wuma.contains(&"墨池卫生站".to_string()));
        let renamed = all
            .iter()
            .find(|f| f.source_ref.as_deref() == Some("fz-1"))
            .unwrap();
        assert_eq!(renamed.source, "geojson");
        assert_eq!(store.facilities_within("330302").await.unwrap().len(), 5);

        let refs = store.facility_refs(DISTRICT).await.unwrap();
        assert_eq!(refs.len(), 3);
        assert_eq!(refs["fz-2"], MOCHI);
        assert_eq!(refs["osm:w7"], DISTRICT);
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);

fn coverage(area: &str, function: &str, covered: i64, total: i64) -> CoverageRow {
    CoverageRow {
        area_code: area.into(),
        function: function.into(),
        covered,
        total,
        share: if total == 0 {
            0
        } else {
            covered * 10_000 / total
        },
        computed_at: 0,
    }
}

fn run(at: i64, scope: &str) -> CircleRun {
    CircleRun {
        district_code: DISTRICT.into(),
        computed_at: at,
        computed_by: "district".into(),
        network: "area.osm.pbf".into(),
        minutes: 15,
        speed_m_per_h: 4000,
        scope: scope.into(),
        summary_json: "{}".into(),
    }
}

on_both!(
    a_new_coverage_run_replaces_the_old_one_whole,
    |store: Store| async move {
        setup(&store).await;
        // More origins than one INSERT batch holds.
        let origins: Vec<OriginRow> = (0..600)
            .map(|seq| OriginRow {
                seq,
                origin_ref: format!("osm:w{seq}"),
                lon_e6: 120_650_000 + seq,
                lat_e6: 28_010_000 - seq,
                community_code: (seq % 3 == 0).then(|| GULOU.to_string()),
                covered_mask: seq % 512,
                distances_m: format!("{seq};;12"),
            })
            .collect();
        let shares = vec![
            coverage(DISTRICT, "all_six", 1, 3),
            coverage(DISTRICT, "medical", 2, 3),
            coverage(GULOU, "all_six", 1, 1),
        ];
        store
            .save_circle_run(&run(100, "communities"), &shares, &origins)
            .await
            .unwrap();
        let stored = store.circle_origins(DISTRICT, None).await.unwrap();
        assert_eq!(stored, origins);
        let gulou = store.circle_origins(DISTRICT, Some(GULOU)).await.unwrap();
        assert_eq!(gulou.len(), 200);
        let of_district = store.circle_coverage_of_area(DISTRICT).await.unwrap();
        assert_eq!(of_district.len(), 2);
        assert_eq!(of_district[0].function, "all_six");
        assert_eq!(
            (of_district[0].share, of_district[0].computed_at),
            (3333, 100)
        );
        assert_eq!(
            store
                .circle_coverage_of_district(DISTRICT)
                .await
                .unwrap()
                .len(),
            3
        );

        store
            .save_circle_run(
                &run(200, "extract"),
                &[coverage(DISTRICT, "all_six", 0, 1)],
                &origins[..1],
            )
            .await
            .unwrap();
        assert_eq!(store.circle_origins(DISTRICT, None).await.unwrap().len(), 1);
        assert!(
            store
                .circle_coverage_of_area(GULOU)
                .await
                .unwrap()
                .is_empty()
        );
        let run = store.circle_run(DISTRICT).await.unwrap().unwrap();
        assert_eq!((run.computed_at, run.scope.as_str()), (200, "extract"));
        assert!(store.circle_run(WUMA).await.unwrap().is_none());

        store
            .save_circle_boundaries(
                &[(GULOU.to_string(), "{\"type\":\"Polygon\"}".to_string())],
                "district",
                300,
            )
            .await
            .unwrap();
        store
            .save_circle_boundaries(
                &[
                    (GULOU.to_string(), "{\"type\":\"MultiPolygon\"}".to_string()),
                    (QINGNIAN.to_string(), "{}".to_string()),
                ],
                "district",
                301,
            )
            .await
            .unwrap();
        let boundaries = store.circle_boundaries_within("330302006").await.unwrap();
        assert_eq!(
            boundaries,
            vec![(GULOU.to_string(), "{\"type\":\"MultiPolygon\"}".to_string())]
        );
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);

on_both!(
    centres_are_kept_with_their_ratings,
    |store: Store| async move {
        setup(&store).await;
        let id = store
            .add_facility(&input("鼓楼邻里中心", Some(GULOU), None), "gulou", 1)
            .await
            .unwrap();
        assert_eq!(
            store
                .flag_centre("nope", None, GULOU, "鼓楼社区", "gulou", 2)
                .await
                .unwrap(),
            Flagged::NotFound
        );
        let read_at = store.facility(&id).await.unwrap().unwrap().version;
        assert_eq!(
            store
                .flag_centre(&id, Some(read_at), GULOU, "鼓楼社区全域", "gulou", 2)
                .await
                .unwrap(),
            Flagged::Done
        );
        // The mark raised the facility's version: a page read before it changes nothing.
        let now = store.facility(&id).await.unwrap().unwrap();
        assert_eq!(now.version, read_at + 1);
        assert_eq!(
            store
                .flag_centre(&id, Some(read_at), MOCHI, "别处", "wuma", 3)
                .await
                .unwrap(),
            Flagged::Stale(Box::new(now.clone()))
        );
        assert_eq!(
            store
                .unflag_centre(&id, Some(read_at), "wuma", 3)
                .await
                .unwrap(),
            Unflagged::Stale(Box::new(now))
        );
        assert!(store.facility(&id).await.unwrap().unwrap().centre);
        let centre = store.centre(&id).await.unwrap().unwrap();
        assert_eq!(centre.service_area, "鼓楼社区全域");
        assert_eq!(store.centres_within("330302006").await.unwrap().len(), 1);
        assert!(store.centres_within("330302026").await.unwrap().is_empty());
        assert_eq!(
            store.delete_facility(&id, None, "gulou", 3).await.unwrap(),
            Deleted::IsCentre
        );

        let rating = store
            .save_centre_rating(
                &NewRating {
                    facility_id: &id,
                    community_code: GULOU,
                    year: 2024,
                    standard_id: "fengze-centre",
                    standard_version: "2022.1",
                    answers_json: "{\"DJ1.1\":{\"number\":\"4\"}}",
                    result_json: "{\"total\":\"81.5\"}",
                    total: 8150,
                    star: 3,
                },
                "district",
                4,
            )
            .await
            .unwrap();
        let second = store
            .save_centre_rating(
                &NewRating {
                    facility_id: &id,
                    community_code: GULOU,
                    year: 2024,
                    standard_id: "fengze-centre",
                    standard_version: "2022.1",
                    answers_json: "{}",
                    result_json: "{}",
                    total: 9000,
                    star: 5,
                },
                "district",
                5,
            )
            .await
            .unwrap();
        let ratings = store.centre_ratings(&id).await.unwrap();
        assert_eq!(ratings, vec![second, rating], "newest first, both kept");
        assert_eq!(
            store.unflag_centre(&id, None, "gulou", 6).await.unwrap(),
            Unflagged::HasRatings
        );

        let other = store
            .add_facility(&input("墨池站", Some(MOCHI), None), "wuma", 7)
            .await
            .unwrap();
        assert_eq!(
            store
                .flag_centre(&other, None, MOCHI, "墨池社区", "wuma", 8)
                .await
                .unwrap(),
            Flagged::Done
        );
        assert_eq!(
            store.unflag_centre(&other, None, "wuma", 9).await.unwrap(),
            Unflagged::Done
        );
        assert_eq!(
            store.unflag_centre(&other, None, "wuma", 9).await.unwrap(),
            Unflagged::NotACentre
        );
        let actions: Vec<String> = store
            .audit_for_community(GULOU)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        assert_eq!(
            actions,
            vec!["add_facility", "flag_centre", "rate_centre", "rate_centre"]
        );
        assert_eq!(store.verify_audit().await.unwrap(), None);
    }
);
