//! Writes a value of every column type through the generated insert and patch structs, as the
//! owner of the row under row level security, and reads each back unchanged.
use fixtures::column_types::{NewSample, Sample, SamplePatch};
use supaschema::blocking::{Find, Insert, Update};
use supaschema::chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use supaschema::{Actor, DbError, Interval, act_as};
use supaschema::rust_decimal::Decimal;
use supaschema::uuid::Uuid;

fn main() -> Result<(), DbError> {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let user: Uuid = std::env::var("USER_ID").expect("USER_ID").parse().expect("a uuid");
    let mut client = supaschema::postgres::Client::connect(&url, supaschema::postgres::NoTls).expect("connect");
    let date = NaiveDate::from_ymd_opt(2030, 2, 28).expect("date");
    let interval = Interval { months: 1, days: 2, microseconds: 3_000_004 };
    let new = NewSample::new(
        user,
        "text".to_owned(),
        "varchar".to_owned(),
        true,
        -7,
        42,
        1 << 40,
        1.5,
        -2.25,
        Decimal::new(123_456, 2),
        date,
        NaiveTime::from_hms_micro_opt(23, 59, 58, 123_456).expect("time"),
        Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).single().expect("timestamptz"),
        date.and_hms_opt(6, 7, 8).expect("timestamp"),
        interval,
        supaschema::serde_json::json!({"a": [1, "two", null]}),
        supaschema::serde_json::json!([true]),
        vec![0, 255, 7],
        "192.0.2.1".parse().expect("inet"),
        vec!["x".to_owned(), "y, \"z\"".to_owned()],
        vec![1, -2],
        vec![Uuid::nil(), user],
    )
    .with_maybe_text("maybe".to_owned())
    .with_maybe_numeric(Decimal::new(-5, 1))
    .with_maybe_date(date)
    .with_maybe_interval(Interval { months: -1, days: 0, microseconds: 0 })
    .with_maybe_jsonb(supaschema::serde_json::json!("s"))
    .with_maybe_bytea(Vec::new())
    .with_maybe_inet("2001:db8::1".parse().expect("inet"))
    .with_maybe_array(vec![i64::MAX]);
    act_as(&mut client, &Actor::user(user), |tx| {
        let stored = new.insert(tx)?;
        let same_as_written = [
            stored.user_id == new.user_id,
            stored.a_text == new.a_text,
            stored.a_varchar == new.a_varchar,
            stored.a_boolean == new.a_boolean,
            stored.a_smallint == new.a_smallint,
            stored.an_integer == new.an_integer,
            stored.a_bigint == new.a_bigint,
            stored.a_real == new.a_real,
            stored.a_double == new.a_double,
            stored.a_numeric == new.a_numeric,
            stored.a_date == new.a_date,
            stored.a_time == new.a_time,
            stored.a_timestamptz == new.a_timestamptz,
            stored.a_timestamp == new.a_timestamp,
            stored.an_interval == new.an_interval,
            stored.a_jsonb == new.a_jsonb,
            stored.a_json == new.a_json,
            stored.a_bytea == new.a_bytea,
            stored.an_inet == new.an_inet,
            stored.text_array == new.text_array,
            stored.integer_array == new.integer_array,
            stored.uuid_array == new.uuid_array,
            stored.maybe_text == new.maybe_text,
            stored.maybe_numeric == new.maybe_numeric,
            stored.maybe_date == new.maybe_date,
            stored.maybe_interval == new.maybe_interval,
            stored.maybe_jsonb == new.maybe_jsonb,
            stored.maybe_bytea == new.maybe_bytea,
            stored.maybe_inet == new.maybe_inet,
            stored.maybe_array == new.maybe_array,
        ];
        assert!(same_as_written.iter().all(|same| *same), "{same_as_written:?}");
        assert_eq!(Sample::find(tx, &stored.id)?.as_ref(), Some(&stored));
        let patch = SamplePatch {
            maybe_text: Some(None),
            an_interval: Some(Interval::default()),
            text_array: Some(Vec::new()),
            ..SamplePatch::default()
        };
        let changed = patch.update(tx, &stored.id)?.expect("the row is there");
        assert_eq!((changed.maybe_text, changed.an_interval), (None, Interval::default()));
        assert!(changed.text_array.is_empty() && changed.a_text == stored.a_text);
        println!("round trip of {} columns", Sample::COLUMNS.len());
        Ok(())
    })
}
