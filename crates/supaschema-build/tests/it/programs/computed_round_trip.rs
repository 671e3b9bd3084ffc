//! Writes a contact through the generated insert and patch structs, as its owner under row
//! level security: the database computes `search` (which neither struct has), and `email`, a
//! `citext`, goes in and comes out as a `String` and matches in any case.
use fixtures::computed::{Contact, ContactPatch, NewContact};
use supaschema::blocking::{Find, Insert, Update};
use supaschema::uuid::Uuid;
use supaschema::{Actor, DbError, act_as};

fn main() -> Result<(), DbError> {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let user: Uuid = std::env::var("USER_ID").expect("USER_ID").parse().expect("a uuid");
    let mut client = supaschema::postgres::Client::connect(&url, supaschema::postgres::NoTls).expect("connect");
    act_as(&mut client, &Actor::user(user), |tx| {
        let new = NewContact::new(user, "Ann.Lee@Example.org".to_owned(), "Ann Lee".to_owned())
            .with_aliases(vec!["ANN".to_owned(), "a.lee@example.org".to_owned()]);
        let stored = new.insert(tx)?;
        assert_eq!(stored.email, "Ann.Lee@Example.org", "citext keeps the case it was written in");
        assert_eq!(stored.search, "ann lee ann.lee@example.org", "computed by the database");
        assert_eq!(stored.aliases, ["ANN", "a.lee@example.org"]);
        let found: Option<Contact> = Contact::find(tx, &stored.id)?;
        assert!(found.as_ref() == Some(&stored), "read back unchanged: {found:?}");

        // A String parameter compared with the citext column takes its type, and matches in any case.
        let email = "ann.lee@EXAMPLE.ORG".to_owned();
        let matches: i64 = tx
            .query_one("select count(*) from public.contacts where email = $1", &[&email])
            .map_err(DbError::from)?
            .get(0);
        assert_eq!(matches, 1, "citext compares without case");
        let alias = "ann".to_owned();
        let by_alias: i64 = tx
            .query_one("select count(*) from public.contacts where $1 = any(aliases)", &[&alias])
            .map_err(DbError::from)?
            .get(0);
        assert_eq!(by_alias, 1, "citext[] compares without case");

        let patch = ContactPatch {
            name: Some("Ann Lee-Smith".to_owned()),
            email: Some("ann@example.org".to_owned()),
            ..ContactPatch::default()
        };
        let updated = patch.update(tx, &stored.id)?.expect("the row is there");
        assert_eq!(updated.search, "ann lee-smith ann@example.org", "computed again on update");
        assert_eq!(updated.email, "ann@example.org");
        println!("computed {} and kept {}", updated.search, updated.email);
        Ok(())
    })
}
