-- Splinter 0023 sensitive_columns_exposed: a table in a schema the API exposes, with row level
-- security off, that anon or authenticated may select from, and that has a column whose name
-- (lowercased, `-` read as `_`) is one of splinter's sensitive names: credentials, personal
-- and financial identifiers, health records, device ids, keys, biometrics.
-- One row per finding: `schema.table column,column`.
with sensitive(pattern) as (
  select pg_catalog.unnest(array[
    'password', 'passwd', 'pwd', 'passphrase',
    'secret', 'secret_key', 'private_key', 'api_key', 'apikey',
    'auth_key', 'token', 'jwt', 'access_token', 'refresh_token',
    'oauth_token', 'session_token', 'bearer_token', 'auth_code',
    'session_id', 'session_key', 'session_secret',
    'recovery_code', 'backup_code', 'verification_code',
    'otp', 'two_factor', '2fa_secret', '2fa_code',
    'ssn', 'social_security', 'social_security_number',
    'driver_license', 'drivers_license', 'license_number',
    'passport_number', 'passport_id', 'national_id', 'tax_id',
    'credit_card', 'card_number', 'cvv', 'cvc', 'cvn',
    'bank_account', 'account_number', 'routing_number',
    'iban', 'swift_code', 'bic',
    'health_record', 'medical_record', 'patient_id',
    'insurance_number', 'health_insurance', 'medical_insurance',
    'treatment',
    'mac_address', 'macaddr', 'imei', 'device_uuid',
    'pgp_key', 'gpg_key', 'ssh_key', 'certificate',
    'license_key', 'activation_key',
    'facial_recognition'
  ])
)
select format('%s.%s %s', n.nspname, c.relname,
              pg_catalog.string_agg(distinct a.attname::text, ',' order by a.attname::text)) as finding
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on c.relnamespace = n.oid
  join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  join sensitive s on pg_catalog.replace(pg_catalog.lower(a.attname), '-', '_') = s.pattern
 where c.relkind = 'r'
   and (
     pg_catalog.has_table_privilege('anon', c.oid, 'SELECT')
     or pg_catalog.has_table_privilege('authenticated', c.oid, 'SELECT')
   )
   and n.nspname = any(
     array(select pg_catalog.btrim(s) from pg_catalog.unnest(
       pg_catalog.string_to_array(pg_catalog.current_setting('pgrst.db_schemas', true), ',')) as s)
   )
   and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and not c.relrowsecurity
 group by n.nspname, c.relname
 order by 1
