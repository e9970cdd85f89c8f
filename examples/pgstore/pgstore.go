package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock is the advisory lock key that serialises migrations
// (any constant shared by every process; this one spells "oms-migr").
const migrationLock int64 = 0x6f6d732d6d696772

// Options configures Open. Nil means the defaults.
type Options struct {
	// Schema holds every table; it is created when missing. Default
	// "public".
	Schema string
	// MaxConns caps the pool; 0 keeps pgx's default (the larger of 4 and
	// the number of CPUs).
	MaxConns int32
	// ReserveInTransaction makes the inventory store reserve through the
	// locking transaction every time, never the one-statement write: for a
	// PostgreSQL-compatible database that does not run the statement (see
	// the package doc).
	ReserveInTransaction bool
	// InFlightWait caps how long ChangedSKUs and Ledger wait for the
	// transactions in flight in the database to end, so that no change
	// number below the ones they return can still commit (see the package
	// doc, "Numbers that commit out of order"). Past it they answer with
	// what is settled. Zero means DefaultInFlightWait.
	InFlightWait time.Duration
}

// DefaultInFlightWait is Options.InFlightWait's default.
const DefaultInFlightWait = 5 * time.Second

// DB is the adapter: one pgx pool and the stores built on it. It is safe
// for concurrent use by many goroutines, and many processes may share one
// database.
type DB struct {
	pool   *pgxpool.Pool
	schema string
	opts   Options
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Open connects to the database at dsn (a PostgreSQL URL or key=value
// string) and applies the migrations.
func Open(ctx context.Context, dsn string, opts *Options) (*DB, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Schema == "" {
		o.Schema = "public"
	}
	if !schemaName.MatchString(o.Schema) {
		return nil, fmt.Errorf("pgstore: schema %q: want lower-case letters, digits and _ (at most 63)", o.Schema)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgstore: parse DSN: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = o.Schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	db := &DB{pool: pool, schema: o.Schema, opts: o}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Pool returns the connection pool, for the host's own queries.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Schema returns the schema that holds the tables.
func (db *DB) Schema() string { return db.schema }

// Close closes the pool.
func (db *DB) Close() { db.pool.Close() }

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range files {
		base := strings.TrimPrefix(f, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("pgstore: migration %s: name must be NNNN_name.sql", base)
		}
		b, err := migrationFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("pgstore: migrations %s and %s share a version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// migrate applies the missing migrations under a session advisory lock.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("pgstore: migrate: lock: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock) }()
	ident := pgx.Identifier{db.schema}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+ident); err != nil {
		return fmt.Errorf("pgstore: create schema: %w", err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	for _, m := range ms {
		var done bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)", m.version).Scan(&done); err != nil {
			return fmt.Errorf("pgstore: migrate: %w", err)
		}
		if done {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("pgstore: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// DropSchema drops the adapter's schema and everything in it. Tests call it
// on their own schema; it refuses "public".
func (db *DB) DropSchema(ctx context.Context) error {
	if db.schema == "public" {
		return errors.New("pgstore: refusing to drop schema public")
	}
	_, err := db.pool.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{db.schema}.Sanitize()+" CASCADE")
	return err
}
