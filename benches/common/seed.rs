//! Fills the receptionist schema with realistic data through `COPY … from stdin (format csv)`.
//! Shared by `benches/database.rs` and `examples/seed.rs`.
//!
//! Every row respects the schema: references include the doctor, a doctor's appointments never
//! overlap (each takes its own 30-minute slot), every range ends after it starts, and every value
//! fits its check. User triggers (audit, `updated_at`) are disabled while copying, as the table
//! owner, and enabled again afterwards: the seed writes no audit rows. Foreign keys, checks and
//! the exclusion constraint are still enforced. The seed ends with `VACUUM (ANALYZE)`.

use chrono::{DateTime, Datelike, Duration, NaiveTime, SecondsFormat, Utc, Weekday};
use postgres::{Client, CopyInWriter};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;
use uuid::Uuid;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// How many rows of each kind.
#[derive(Clone, Copy, Debug)]
pub struct Volume {
    pub doctors: usize,
    pub patients: usize,
    pub appointments: usize,
    pub conversations: usize,
    pub messages: usize,
    pub webhooks: usize,
}

impl Volume {
    /// 50 doctors, 100 000 patients, 1 000 000 appointments, 200 000 conversations,
    /// 5 000 000 messages and 200 000 webhook receipts, times `scale` (at least one doctor and
    /// one row of each kind per doctor).
    pub fn scaled(scale: f64) -> Volume {
        let n = |full: f64, min: usize| ((full * scale).round() as usize).max(min);
        let doctors = n(50.0, 1);
        Volume {
            doctors,
            patients: n(100_000.0, doctors),
            appointments: n(1_000_000.0, doctors),
            conversations: n(200_000.0, doctors),
            messages: n(5_000_000.0, doctors),
            webhooks: n(200_000.0, 1),
        }
    }
}

/// What the seed wrote.
pub struct Seeded {
    pub doctors: Vec<Uuid>,
    /// The moment the data is centred on: appointments before it are past, after it upcoming.
    pub now: DateTime<Utc>,
    /// The first doctor's conversation with the most messages.
    pub busiest_conversation: Uuid,
    /// (table, rows, seconds)
    pub tables: Vec<(&'static str, usize, f64)>,
}

/// The tables whose user triggers are off while seeding.
const SEEDED_TABLES: [&str; 7] = [
    "patients",
    "appointments",
    "conversations",
    "messages",
    "availability",
    "blocked_times",
    "webhook_idempotency",
];

const FIRST_NAMES: [&str; 16] = [
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannah", "Ivan", "Jonas", "Lea", "Mia", "Noah", "Olga",
    "Paul", "Sara",
];
const LAST_NAMES: [&str; 16] = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Yılmaz",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
];
const WORDS: [&str; 24] = [
    "hello",
    "appointment",
    "tomorrow",
    "morning",
    "please",
    "thanks",
    "pain",
    "back",
    "prescription",
    "refill",
    "available",
    "next",
    "week",
    "doctor",
    "cancel",
    "reschedule",
    "confirm",
    "insurance",
    "card",
    "results",
    "blood",
    "test",
    "time",
    "friday",
];
const CHANNELS: [&str; 4] = ["whatsapp", "instagram", "sms", "web"];
const PROVIDERS: [&str; 5] = ["whatsapp", "instagram", "sms", "web", "stripe"];
const REASONS: [&str; 6] = [
    "Back pain",
    "Check-up",
    "Prescription refill",
    "Blood test results",
    "Vaccination",
    "Follow-up",
];

/// Appointments take 30-minute slots between 08:00 and 16:00 UTC on weekdays; this share of
/// the slots is booked.
const SLOTS_PER_DAY: u32 = 16;
const BOOKED_SHARE: f64 = 0.7;

/// Seeds a freshly migrated receptionist database; `log` receives a line per table.
pub fn seed(client: &mut Client, volume: Volume, log: &mut dyn FnMut(&str)) -> Result<Seeded> {
    for table in SEEDED_TABLES {
        client.batch_execute(&format!("alter table public.{table} disable trigger user"))?;
    }
    let seeded = Seeder {
        client: &mut *client,
        rng: StdRng::seed_from_u64(2026),
        now: Utc::now(),
        volume,
        tables: Vec::new(),
        log,
    }
    .run();
    for table in SEEDED_TABLES {
        client.batch_execute(&format!("alter table public.{table} enable trigger user"))?;
    }
    let seeded = seeded?;
    let start = Instant::now();
    client.batch_execute("vacuum (analyze)")?;
    log(&format!("vacuum (analyze): {:.1} s", start.elapsed().as_secs_f64()));
    Ok(seeded)
}

/// One `COPY` in progress: rows are written into `line` and flushed in large chunks.
struct Copy<'a> {
    table: &'static str,
    writer: CopyInWriter<'a>,
    buffer: String,
    rows: usize,
    start: Instant,
}

/// Starts a `COPY` into a public table.
fn start_copy<'c>(client: &'c mut Client, table: &'static str, columns: &str) -> Result<Copy<'c>> {
    let writer = client.copy_in(&format!("copy public.{table} ({columns}) from stdin (format csv)"))?;
    Ok(Copy {
        table,
        writer,
        buffer: String::with_capacity(1 << 21),
        rows: 0,
        start: Instant::now(),
    })
}

impl Copy<'_> {
    /// Adds one CSV line.
    fn row(&mut self, fields: std::fmt::Arguments<'_>) -> Result<()> {
        self.buffer.write_fmt(fields)?;
        self.buffer.push('\n');
        self.rows += 1;
        if self.buffer.len() >= 1 << 20 {
            self.writer.write_all(self.buffer.as_bytes())?;
            self.buffer.clear();
        }
        Ok(())
    }

    /// Ends the `COPY`: (table, rows, seconds).
    fn finish(mut self) -> Result<(&'static str, usize, f64)> {
        self.writer.write_all(self.buffer.as_bytes())?;
        self.writer.finish()?;
        Ok((self.table, self.rows, self.start.elapsed().as_secs_f64()))
    }
}

struct Seeder<'a> {
    client: &'a mut Client,
    rng: StdRng,
    now: DateTime<Utc>,
    volume: Volume,
    tables: Vec<(&'static str, usize, f64)>,
    log: &'a mut dyn FnMut(&str),
}

/// A conversation as its messages need it.
struct Conversation {
    id: Uuid,
    doctor: usize,
    started: DateTime<Utc>,
    gap: Duration,
    messages: usize,
}

impl Seeder<'_> {
    fn record(&mut self, (table, rows, seconds): (&'static str, usize, f64)) {
        (self.log)(&format!("{table}: {rows} rows in {seconds:.1} s"));
        self.tables.push((table, rows, seconds));
    }

    fn run(mut self) -> Result<Seeded> {
        let doctors: Vec<Uuid> = (0..self.volume.doctors).map(|_| uuid(&mut self.rng)).collect();
        let mut copy = self
            .client
            .copy_in("copy auth.users (id, email) from stdin (format csv)")?;
        for (i, doctor) in doctors.iter().enumerate() {
            writeln!(copy, "{doctor},doctor{i}@practice.example")?;
        }
        copy.finish()?;
        let patients = self.patients(&doctors)?;
        self.appointments(&doctors, &patients)?;
        self.availability(&doctors)?;
        self.blocked_times(&doctors)?;
        let busiest_conversation = self.conversations_and_messages(&doctors, &patients)?;
        self.webhooks()?;
        Ok(Seeded {
            doctors,
            now: self.now,
            busiest_conversation,
            tables: self.tables,
        })
    }

    /// Patients, dealt round-robin to the doctors; returns each doctor's patients.
    fn patients(&mut self, doctors: &[Uuid]) -> Result<Vec<Vec<Uuid>>> {
        let mut of_doctor = vec![Vec::new(); doctors.len()];
        let now = self.now;
        let total = self.volume.patients;
        let mut rows = Vec::with_capacity(total);
        for i in 0..total {
            let id = uuid(&mut self.rng);
            of_doctor[i % doctors.len()].push(id);
            rows.push((id, i, self.rng.random::<u64>()));
        }
        let mut copy = start_copy(
            self.client,
            "patients",
            "id, doctor_id, full_name, phone, email, date_of_birth, social_handle, preferred_channel, \
             created_at, updated_at",
        )?;
        for (id, i, r) in rows {
            let first = FIRST_NAMES[(r % 16) as usize];
            let last = LAST_NAMES[((r >> 4) % 16) as usize];
            let handle = if (r >> 8) % 10 < 3 {
                format!("@{}{i}", first.to_lowercase())
            } else {
                String::new()
            };
            let channel = if (r >> 12) % 5 == 4 {
                ""
            } else {
                CHANNELS[((r >> 12) % 4) as usize]
            };
            let born = format!(
                "{}-{:02}-{:02}",
                1940 + (r >> 16) % 80,
                1 + (r >> 24) % 12,
                1 + (r >> 28) % 28
            );
            let created = ts(now - Duration::minutes(((r >> 32) % (3 * 365 * 24 * 60)) as i64));
            copy.row(format_args!(
                "{id},{},\"{first} {last}\",+49151{:08},patient{i}@mail.example,{born},{handle},{channel},{created},{created}",
                doctors[i % doctors.len()],
                (r >> 40) % 100_000_000,
            ))?;
        }
        let done = copy.finish()?;
        self.record(done);
        Ok(of_doctor)
    }

    /// Each doctor's share of the appointments, one per booked 30-minute slot, about three
    /// quarters of them in the past.
    fn appointments(&mut self, doctors: &[Uuid], patients: &[Vec<Uuid>]) -> Result<()> {
        let now = self.now;
        let total = self.volume.appointments;
        let mut copy = start_copy(
            self.client,
            "appointments",
            "id, doctor_id, patient_id, starts_at, ends_at, status, reason, created_at, updated_at",
        )?;
        let mut rng = StdRng::seed_from_u64(7);
        for (d, doctor) in doctors.iter().enumerate() {
            let count = total / doctors.len() + usize::from(d < total % doctors.len());
            let weekdays = count as f64 / (f64::from(SLOTS_PER_DAY) * BOOKED_SHARE);
            let mut day = (now - Duration::days((weekdays * 0.75 * 7.0 / 5.0) as i64)).date_naive();
            let mut written = 0;
            while written < count {
                if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                    for slot in 0..SLOTS_PER_DAY {
                        if written == count || !rng.random_bool(BOOKED_SHARE) {
                            continue;
                        }
                        let time = NaiveTime::from_hms_opt(8 + slot / 2, 30 * (slot % 2), 0).unwrap_or_default();
                        let starts = day.and_time(time).and_utc();
                        let ends = starts + Duration::minutes(30);
                        let roll: usize = rng.random_range(0..100);
                        let status = match (starts < now, roll) {
                            (true, 0..88) => "completed",
                            (true, _) => "cancelled",
                            (false, 0..60) => "confirmed",
                            (false, 60..90) => "pending",
                            (false, _) => "cancelled",
                        };
                        let reason = if roll % 10 < 7 { REASONS[roll % 6] } else { "" };
                        let created = ts(starts - Duration::hours(rng.random_range(1..24 * 30)));
                        let patient = &patients[d][rng.random_range(0..patients[d].len())];
                        copy.row(format_args!(
                            "{},{doctor},{patient},{},{},{status},{reason},{created},{created}",
                            uuid(&mut rng),
                            ts(starts),
                            ts(ends),
                        ))?;
                        written += 1;
                    }
                }
                day = day.succ_opt().unwrap_or(day);
            }
        }
        let done = copy.finish()?;
        self.record(done);
        Ok(())
    }

    /// Monday to Friday, 08:00–12:00 and 13:00–17:00, Berlin time.
    fn availability(&mut self, doctors: &[Uuid]) -> Result<()> {
        let now = ts(self.now);
        let mut copy = start_copy(
            self.client,
            "availability",
            "id, doctor_id, day_of_week, start_time, end_time, time_zone, created_at, updated_at",
        )?;
        let mut rng = StdRng::seed_from_u64(11);
        for doctor in doctors {
            for day in 1..=5 {
                for (from, to) in [("08:00", "12:00"), ("13:00", "17:00")] {
                    copy.row(format_args!(
                        "{},{doctor},{day},{from},{to},Europe/Berlin,{now},{now}",
                        uuid(&mut rng)
                    ))?;
                }
            }
        }
        let done = copy.finish()?;
        self.record(done);
        Ok(())
    }

    /// A dozen holidays and trainings per doctor, in the past year and the next.
    fn blocked_times(&mut self, doctors: &[Uuid]) -> Result<()> {
        let now = self.now;
        let mut copy = start_copy(
            self.client,
            "blocked_times",
            "id, doctor_id, starts_at, ends_at, label, created_at, updated_at",
        )?;
        let mut rng = StdRng::seed_from_u64(13);
        for doctor in doctors {
            for _ in 0..12 {
                let day = (now + Duration::days(rng.random_range(-365..365))).date_naive();
                let starts = day.and_time(NaiveTime::MIN).and_utc();
                let ends = starts + Duration::days(rng.random_range(1..8));
                let label = if rng.random_bool(0.7) { "holiday" } else { "training" };
                let created = ts(now - Duration::days(400));
                copy.row(format_args!(
                    "{},{doctor},{},{},{label},{created},{created}",
                    uuid(&mut rng),
                    ts(starts),
                    ts(ends)
                ))?;
            }
        }
        let done = copy.finish()?;
        self.record(done);
        Ok(())
    }

    /// Conversations dealt round-robin to the doctors, then their messages; returns the first
    /// doctor's conversation with the most messages.
    fn conversations_and_messages(&mut self, doctors: &[Uuid], patients: &[Vec<Uuid>]) -> Result<Uuid> {
        let now = self.now;
        let total = self.volume.conversations;
        let mean = (self.volume.messages / total).max(1);
        let mut rng = StdRng::seed_from_u64(17);
        let mut conversations = Vec::with_capacity(total);
        let mut copy = start_copy(
            self.client,
            "conversations",
            "id, doctor_id, patient_id, channel, status, last_message_at, created_at, updated_at",
        )?;
        for i in 0..total {
            let doctor = i % doctors.len();
            let messages = rng.random_range(1..=2 * mean - 1);
            let gap = Duration::seconds(rng.random_range(30..1200));
            let roll: usize = rng.random_range(0..100);
            let (status, age) = match roll {
                0..10 => ("open", Duration::minutes(rng.random_range(1..3 * 24 * 60))),
                10..18 => ("handed_off", Duration::hours(rng.random_range(1..30 * 24))),
                _ => ("closed", Duration::hours(rng.random_range(72..2 * 365 * 24))),
            };
            let last = now - age;
            let started = last - gap * (messages as i32 - 1);
            let conversation = Conversation {
                id: uuid(&mut rng),
                doctor,
                started,
                gap,
                messages,
            };
            copy.row(format_args!(
                "{},{},{},{},{status},{},{},{}",
                conversation.id,
                doctors[doctor],
                patients[doctor][rng.random_range(0..patients[doctor].len())],
                CHANNELS[roll % 4],
                ts(last),
                ts(started),
                ts(last),
            ))?;
            conversations.push(conversation);
        }
        let done = copy.finish()?;
        self.record(done);
        let mut copy = start_copy(
            self.client,
            "messages",
            "id, conversation_id, doctor_id, sender, content, provider_message_id, sent_at",
        )?;
        let mut content = String::new();
        for conversation in &conversations {
            for k in 0..conversation.messages {
                let sender = match (k % 2, rng.random_range(0..100)) {
                    (0, _) => "patient",
                    (_, 0..85) => "bot",
                    _ => "doctor",
                };
                content.clear();
                for w in 0..rng.random_range(3..25) {
                    if w > 0 {
                        content.push(' ');
                    }
                    content.push_str(WORDS[rng.random_range(0..WORDS.len())]);
                }
                let provider_id = if sender == "patient" {
                    format!("wamid.{:016x}", rng.random::<u64>())
                } else {
                    String::new()
                };
                copy.row(format_args!(
                    "{},{},{},{sender},\"{content}\",{provider_id},{}",
                    uuid(&mut rng),
                    conversation.id,
                    doctors[conversation.doctor],
                    ts(conversation.started + conversation.gap * k as i32),
                ))?;
            }
        }
        let done = copy.finish()?;
        self.record(done);
        Ok(conversations
            .iter()
            .filter(|c| c.doctor == 0)
            .max_by_key(|c| c.messages)
            .map(|c| c.id)
            .unwrap_or_default())
    }

    /// Webhook receipts of the last 30 days, kept 30 days each.
    fn webhooks(&mut self) -> Result<()> {
        let now = self.now;
        let total = self.volume.webhooks;
        let mut copy = start_copy(
            self.client,
            "webhook_idempotency",
            "id, provider, event_id, payload_sha256, status, attempts, received_at, processed_at, keep_until, \
             updated_at",
        )?;
        let mut rng = StdRng::seed_from_u64(19);
        for i in 0..total {
            let received = now - Duration::seconds(rng.random_range(0..30 * 24 * 3600));
            let (status, processed) = match rng.random_range(0..100u32) {
                0..95 => ("processed", ts(received + Duration::seconds(1))),
                95..98 => ("failed", String::new()),
                _ => ("received", String::new()),
            };
            copy.row(format_args!(
                "{},{},evt_{i:09},{:032x}{:032x},{status},{},{},{processed},{},{}",
                uuid(&mut rng),
                PROVIDERS[i % PROVIDERS.len()],
                rng.random::<u128>(),
                rng.random::<u128>(),
                rng.random_range(1..4),
                ts(received),
                ts(received + Duration::days(30)),
                ts(received),
            ))?;
        }
        let done = copy.finish()?;
        self.record(done);
        Ok(())
    }
}

fn uuid(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// A timestamp as COPY reads it.
fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}
