//! Writes every value of an enum type through the generated insert and patch structs, in a
//! column, a nullable column and an array, reads each back unchanged, and takes the enum
//! through serde as its label; a parameter of another type is refused by the `postgres` crate.
use fixtures::enums::{NewVisit, Visit, VisitPatch, VisitStatus};
use supaschema::blocking::{Find, Insert, Update};
use supaschema::{Actor, DbError, act_as};

fn main() -> Result<(), DbError> {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let mut client = supaschema::postgres::Client::connect(&url, supaschema::postgres::NoTls).expect("connect");
    act_as(&mut client, &Actor::service_role(), |tx| {
        for (i, &status) in VisitStatus::ALL.iter().enumerate() {
            let new = NewVisit::new(VisitStatus::ALL.to_vec())
                .with_status(status)
                .with_previous(VisitStatus::ALL[(i + 1) % VisitStatus::ALL.len()]);
            let stored = new.insert(tx)?;
            assert_eq!(
                (stored.status, stored.previous, &stored.history),
                (status, new.previous, &VisitStatus::ALL.to_vec())
            );
            assert_eq!(Visit::find(tx, &stored.id)?.as_ref(), Some(&stored));
            let label: String = tx
                .query_one("select status::text from public.visits where id = $1", &[&stored.id])
                .expect("read as text")
                .get(0);
            assert_eq!(label, status.as_str());
            let patch = VisitPatch {
                previous: Some(None),
                ..VisitPatch::default()
            };
            let changed = patch.update(tx, &stored.id)?.expect("the row is there");
            assert_eq!((changed.previous, changed.status), (None, status));
        }
        let default = NewVisit::new(Vec::new()).insert(tx)?;
        assert_eq!(default.status, VisitStatus::Booked);
        let json = supaschema::serde_json::to_string(&VisitStatus::ALL).expect("serialize");
        assert_eq!(json, r#"["booked","no_show","2fa","with space"]"#);
        let back: Vec<VisitStatus> = supaschema::serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, VisitStatus::ALL);
        assert!(supaschema::serde_json::from_str::<VisitStatus>(r#""cancelled""#).is_err());
        let wrong = tx.query_one("select $1::text", &[&VisitStatus::Booked]);
        assert!(wrong.is_err(), "a text parameter is not the enum type");
        println!("round trip of {} values", VisitStatus::ALL.len());
        Ok(())
    })
}
