package db

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"fundus/errs"
)

// Migrations holds the migrations, one directory per engine. Both hold the same versions with
// the same meaning; they differ only where SQL dialects do (types, triggers).
// TestMigrationsMatch keeps the two lists equal, TestSchemasMatch the schemas
// they build (its allowedSchemaDiffs names the differences that are meant).
//
//go:embed migrations
var Migrations embed.FS

func (d *DB) provider(ctx context.Context) (*goose.Provider, error) {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	var opts []goose.ProviderOption
	if d.Engine == Postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
		// Several instances may start at once: one migrates, the others
		// wait. The lock is per schema, so schemas of one database (as in
		// the tests) do not wait for each other.
		var schema string
		if err := d.writer.GetContext(ctx, &schema, `SELECT current_schema()`); err != nil {
			return nil, err
		}
		h := fnv.New64a()
		h.Write([]byte("fundus-migrate:" + schema))
		locker, err := lock.NewPostgresSessionLocker(
			lock.WithLockID(int64(h.Sum64()>>1)),
			lock.WithLockTimeout(1, 300),
		)
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(Migrations, dir)
	if err != nil {
		return nil, err
	}
	opts = append(opts, goose.WithDisableGlobalRegistry(true))
	// The provider's Close would close d.writer: never call it.
	return goose.NewProvider(dialect, d.writer.DB, sub, opts...)
}

// Migrate applies every migration not yet applied. It is safe to run from
// several processes at once. A database migrated further than this binary
// knows is ErrAhead: not this version's to read or write.
func (d *DB) Migrate(ctx context.Context) error {
	const op errs.Op = "db.Migrate"
	p, err := d.provider(ctx)
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return errs.E(op, errs.Internal, err)
	}
	if _, err := migrated(ctx, p); errors.Is(err, ErrAhead) {
		return err
	}
	return nil
}

// ErrAhead is Migrated's error for a database migrated further than this
// binary knows: an older version of Fundus, still running beside a newer
// one that migrated, whose statements may no longer fit the schema.
var ErrAhead = errors.New("the database is migrated further than this version of Fundus knows")

// Migrated reports whether the database answers and every migration this
// binary knows is applied, and no other: a database migrated further is
// ErrAhead.
func (d *DB) Migrated(ctx context.Context) (bool, error) {
	p, err := d.provider(ctx)
	if err != nil {
		return false, errs.E(errs.Op("db.Migrated"), errs.Internal, err)
	}
	return migrated(ctx, p)
}

// migrated is Migrated through p.
func migrated(ctx context.Context, p *goose.Provider) (bool, error) {
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return false, errs.E(errs.Op("db.Migrated"), errs.Internal, err)
	}
	if current > target {
		return false, fmt.Errorf("%w (it is at migration %d, this version knows up to %d): run the newer version", ErrAhead, current, target)
	}
	return current == target, nil
}

// MigrateTo applies the migrations up to version and no further (tests of
// a migration use it to write rows as they were before it).
func (d *DB) MigrateTo(ctx context.Context, version int64) error {
	const op errs.Op = "db.MigrateTo"
	p, err := d.provider(ctx)
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return errs.E(op, errs.Internal, err)
	}
	return nil
}

// MigrateDownTo undoes the migrations after version (tests of a
// migration's Down use it).
func (d *DB) MigrateDownTo(ctx context.Context, version int64) error {
	const op errs.Op = "db.MigrateDownTo"
	p, err := d.provider(ctx)
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	if _, err := p.DownTo(ctx, version); err != nil {
		return errs.E(op, errs.Internal, err)
	}
	return nil
}
