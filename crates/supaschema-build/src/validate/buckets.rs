//! `[buckets.<name>]`: Supabase Storage buckets, and the owner rule expanded into policies on
//! `storage.objects`. A bucket holding PHI must be private and have an owner rule.

use super::access::NOT_ANONYMOUS;
use super::{Result, Validator};
use crate::error::Problem;
use crate::ident::quote_literal;
use crate::model::{Bucket, BucketOwner, Command, Policy, Role, bucket_policy_name};
use crate::read::{Name, RawBucket};
use toml::Spanned;

impl Validator<'_> {
    pub(super) fn bucket(&self, name: &Name, raw: &Spanned<RawBucket>) -> Result<Bucket> {
        let bucket = self.identifier(name, "bucket")?;
        let raw = raw.get_ref();
        let public = raw.public.as_ref().is_some_and(|p| *p.get_ref());
        let phi = raw.phi.as_ref().is_some_and(|p| *p.get_ref());
        let file_size_limit = match &raw.file_size_limit {
            Some(limit) if *limit.get_ref() <= 0 => {
                return Err(self.error(
                    limit.span(),
                    Problem::BadFileSizeLimit {
                        bucket,
                        value: *limit.get_ref(),
                    },
                ));
            }
            limit => limit.as_ref().map(|l| *l.get_ref()),
        };
        let mut allowed_mime_types = Vec::new();
        for mime in raw.allowed_mime_types.iter().flat_map(|list| list.get_ref()) {
            if !is_mime_type(mime.get_ref()) {
                return Err(self.error(
                    mime.span(),
                    Problem::BadMimeType {
                        bucket,
                        value: mime.get_ref().clone(),
                    },
                ));
            }
            if !allowed_mime_types.contains(mime.get_ref()) {
                allowed_mime_types.push(mime.get_ref().clone());
            }
        }
        let owner = match &raw.owner {
            Some(value) if value.get_ref() == BucketOwner::FirstFolder.name() => Some(BucketOwner::FirstFolder),
            Some(value) => {
                return Err(self.error(
                    value.span(),
                    Problem::UnknownBucketOwner {
                        bucket,
                        value: value.get_ref().clone(),
                    },
                ));
            }
            None => None,
        };
        if let Some(flag) = raw.phi.as_ref().filter(|p| *p.get_ref()) {
            if let Some(public) = raw.public.as_ref().filter(|p| *p.get_ref()) {
                return Err(self.error(public.span(), Problem::PhiBucketPublic { bucket }));
            }
            if owner.is_none() {
                return Err(self.error(flag.span(), Problem::PhiBucketWithoutOwner { bucket }));
            }
        }
        let mut policies = Vec::new();
        if let Some(owner) = owner {
            let span = raw.owner.as_ref().map_or(name.span(), |o| o.span());
            let read = format!("bucket_id = {} and {}", quote_literal(&bucket), owner_expression(owner));
            let write = format!("{read} and {NOT_ANONYMOUS}");
            for command in [Command::Select, Command::Insert, Command::Update, Command::Delete] {
                let (using, with_check) = match command {
                    Command::Select => (Some(read.clone()), None),
                    Command::Insert => (None, Some(write.clone())),
                    Command::Update => (Some(write.clone()), Some(write.clone())),
                    _ => (Some(write.clone()), None),
                };
                policies.push(Policy {
                    name: self.generated_name(bucket_policy_name(&bucket, command), span.clone())?,
                    renamed_from: None,
                    command,
                    roles: vec![Role::Authenticated],
                    permissive: true,
                    using,
                    with_check,
                });
            }
        }
        Ok(Bucket {
            name: bucket,
            public,
            file_size_limit,
            allowed_mime_types,
            owner,
            phi,
            policies,
        })
    }
}

/// Which files of the bucket the signed-in user owns.
fn owner_expression(owner: BucketOwner) -> &'static str {
    match owner {
        BucketOwner::FirstFolder => "(storage.foldername(name))[1] = (select auth.uid())::text",
    }
}

/// `type/subtype` as Storage compares it, or `type/*`: lower-case letters, digits and the
/// punctuation MIME types use.
fn is_mime_type(value: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-' | b'_'))
    };
    match value.split_once('/') {
        Some((kind, sub)) => part(kind) && (sub == "*" || part(sub)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{MINIMAL, accepts, rejects};
    use crate::error::Problem;
    use crate::model::{BucketOwner, Command};

    /// [`MINIMAL`] with a bucket `photos` of the given keys (from line 4).
    fn bucket(keys: &str) -> String {
        format!("{MINIMAL}\n[buckets.photos]\n{keys}\n")
    }

    #[test]
    fn reads_a_bucket_and_expands_its_owner_rule() {
        let schema = accepts(&bucket(
            "phi = true\nowner = \"first_folder\"\nfile_size_limit = 5242880\nallowed_mime_types = [\"image/png\", \"audio/*\"]",
        ));
        let photos = &schema.buckets[0];
        assert_eq!(
            (
                photos.name.as_str(),
                photos.public,
                photos.phi,
                photos.owner,
                photos.file_size_limit
            ),
            ("photos", false, true, Some(BucketOwner::FirstFolder), Some(5_242_880))
        );
        assert_eq!(photos.allowed_mime_types, ["image/png", "audio/*"]);
        let names: Vec<&str> = photos.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "photos_owner_select",
                "photos_owner_insert",
                "photos_owner_update",
                "photos_owner_delete"
            ]
        );
        let select = &photos.policies[0];
        assert_eq!(select.command, Command::Select);
        assert_eq!(
            select.using.as_deref(),
            Some("bucket_id = 'photos' and (storage.foldername(name))[1] = (select auth.uid())::text")
        );
        assert!(
            photos.policies[1]
                .with_check
                .as_deref()
                .is_some_and(|c| c.contains("is_anonymous"))
        );
        let plain = accepts(&bucket("public = true"));
        assert!(plain.buckets[0].public && plain.buckets[0].policies.is_empty());
        assert!(accepts(MINIMAL).buckets.is_empty());
    }

    #[test]
    fn a_phi_bucket_is_private_and_owned() {
        rejects(
            &bucket("phi = true\nowner = \"first_folder\"\npublic = true"),
            7,
            Problem::PhiBucketPublic {
                bucket: "photos".into(),
            },
        );
        rejects(
            &bucket("\nphi = true"),
            6,
            Problem::PhiBucketWithoutOwner {
                bucket: "photos".into(),
            },
        );
    }

    #[test]
    fn refuses_an_unknown_owner_rule_a_bad_limit_and_a_bad_mime_type() {
        rejects(
            &bucket("owner = \"column\""),
            5,
            Problem::UnknownBucketOwner {
                bucket: "photos".into(),
                value: "column".into(),
            },
        );
        rejects(
            &bucket("file_size_limit = 0"),
            5,
            Problem::BadFileSizeLimit {
                bucket: "photos".into(),
                value: 0,
            },
        );
        rejects(
            &bucket("allowed_mime_types = [\"image/png\",\n  \"Image/PNG\"]"),
            6,
            Problem::BadMimeType {
                bucket: "photos".into(),
                value: "Image/PNG".into(),
            },
        );
        rejects(
            &format!("{MINIMAL}\n[buckets.Photos]\n"),
            4,
            Problem::UnsafeIdentifier {
                what: "bucket",
                name: "Photos".into(),
            },
        );
    }
}
