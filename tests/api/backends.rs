use crate::helpers::{fixture, spawn_app_tuned, Backend};

/// The same requests give byte-identical bodies on SQLite and PostgreSQL.
#[test]
fn same_requests_give_identical_bodies_on_both_backends() {
    // One cursor key for both, as replicas of one deployment have.
    let key = |c: &mut gagt::config::Config| c.cursor_key = Some("one deployment".into());
    let sqlite = spawn_app_tuned(Backend::Sqlite, Some(&fixture()), key);
    let postgres = spawn_app_tuned(Backend::Postgres, Some(&fixture()), key);
    let paths = [
        "/v1/plans",
        "/v1/plans/gt-ogp-nap6",
        "/v1/plans.csv",
        "/v1/commitments?sort=-computed_progress",
        "/v1/commitments?limit=2&sort=-reported_progress",
        "/v1/commitments/gt-ogp-nap6-c1",
        "/v1/commitments.csv",
        "/v1/milestones?sort=-end_date",
        "/v1/milestones?sort=start_date&limit=3",
        "/v1/milestones/gt-ogp-nap6-c1-m2",
        "/v1/milestones.csv",
        "/v1/progress-updates?sort=-reported_at",
        "/v1/progress-updates?q=gobierno&sort=percent",
        "/v1/progress-updates.csv",
        "/v1/institutions",
        "/v1/institutions?sort=-average_progress",
        "/v1/institutions/gae",
        "/v1/institutions.csv",
        "/v1/search?q=gobierno%20abierto",
        "/v1/search?q=datos&format=csv",
    ];
    for path in paths {
        let a = sqlite.get(path);
        let b = postgres.get(path);
        assert_eq!(a.status(), 200, "{path}");
        assert_eq!(b.status(), 200, "{path}");
        let (a, b) = (a.text().unwrap(), b.text().unwrap());
        assert!(a == b, "bodies differ for {path}:\nsqlite:   {a}\npostgres: {b}");
    }
}
