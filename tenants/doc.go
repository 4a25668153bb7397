// Package tenants keeps tenants, their SMTP credentials and their sending
// domains as data: a durable store (its own bbolt file, every change one
// fsync'd transaction, with an audit entry in the same transaction), so an
// operator onboards a customer through the admin API without editing
// files or restarting. The TOML [[tenant]] blocks stay as read-only seeds:
// always present, never changed here, but their names and domains count
// when a new tenant or domain is checked.
//
// A credential is a generated username (tenant.id) and secret, shown once;
// only its bcrypt hash is stored. A sending domain is pending until
// [Store.Verify] finds, through DNS, the verification TXT record
// (_sluice-verify.<domain>) and the DKIM keys sluice generated for it
// (RSA-2048 and Ed25519, dated selectors, RFC 6376 §3.6.2.1, RFC 8463);
// the private keys exist only in this store, whose file is mode 0600.
//
// [Directory] turns the store into what mta/submit asks at AUTH: each
// lookup reads the store, so a credential added or revoked counts at the
// next AUTH. Every change bumps a store-wide revision (and the tenant's),
// which is what a fleet will compare to know it must reload.
package tenants
