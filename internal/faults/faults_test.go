package faults

import (
	"context"
	"os"
	"sync"
	"testing"

	"fundus/db"
	"fundus/db/dbtest"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// fundusBinary builds the command once for the package's tests.
func fundusBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fundus-faults-")
		if err != nil {
			buildErr = err
			return
		}
		binary, buildErr = Build(context.Background(), "../..", dir)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func TestCrashLosesAndDoublesNothing(t *testing.T) {
	bin := fundusBinary(t)
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		f := Fundus{Binary: bin, DatabaseURL: dbtest.URL(t, e)}
		rep, err := Crash(context.Background(), f, CrashConfig{Pledges: 400, Clients: 16, Kills: 2, Out: logWriter{t}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.NoAnswer == 0 {
			t.Fatal("no confirm lost its answer to a kill: nothing was tested")
		}
		t.Logf("%+v", rep)
	})
}

func TestTwoInstancesShareTheDatabase(t *testing.T) {
	bin := fundusBinary(t)
	f := Fundus{Binary: bin, DatabaseURL: dbtest.URL(t, db.Postgres)} // several instances need PostgreSQL
	rep, err := TwoInstances(context.Background(), f, InstancesConfig{Applications: 24, Donations: 100, Out: logWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
}
