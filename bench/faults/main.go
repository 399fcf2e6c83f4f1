// Command faults runs the fault checks of internal/faults at full size
// against a freshly built fundus (bench/crash.sh and
// bench/two-instances.sh call it):
//
//	go run ./bench/faults -check crash -db sqlite:///tmp/crash.db -pledges 5000 -kills 5
//	go run ./bench/faults -check instances -db postgres://postgres@127.0.0.1:5432/fundus_two?sslmode=disable
//
// The database must be empty. It prints what it did and checked, and exits
// 1 when a check fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"fundus/internal/faults"
)

func main() {
	check := flag.String("check", "crash", "crash or instances")
	url := flag.String("db", "", "an empty database: sqlite://PATH or postgres://... (instances: PostgreSQL)")
	pledges := flag.Int("pledges", 5000, "crash: pledges to confirm")
	clients := flag.Int("clients", 32, "crash: confirms sent at once")
	kills := flag.Int("kills", 5, "crash: SIGKILLs while confirming")
	apps := flag.Int("applications", 48, "instances: applications decided at once (the money covers 8)")
	donations := flag.Int("donations", 1000, "instances: donations pledged and confirmed across both")
	flag.Parse()
	if err := run(*check, *url, *pledges, *clients, *kills, *apps, *donations); err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
}

func run(check, url string, pledges, clients, kills, apps, donations int) error {
	if url == "" {
		return fmt.Errorf("-db is required")
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "fundus-faults-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := faults.Build(ctx, ".", dir)
	if err != nil {
		return err
	}
	f := faults.Fundus{Binary: bin, DatabaseURL: url}
	switch check {
	case "crash":
		rep, err := faults.Crash(ctx, f, faults.CrashConfig{Pledges: pledges, Clients: clients, Kills: kills, Out: os.Stdout})
		if err != nil {
			return err
		}
		fmt.Printf("checked: %d confirms, %d kills; %d got no answer and were sent again with their key (%d of them had committed: the stored answer came back); %d repeats got their first answer; %d donation entries, none twice; assets:clearing %d cents = pledged %d cents; every balance = its postings\n%s\n",
			rep.Pledges, rep.Kills, rep.NoAnswer, rep.CommittedLost, rep.Replayed, rep.Entries, rep.ClearingCents, rep.PledgedCents, rep.VerifyOutput)
	case "instances":
		rep, err := faults.TwoInstances(ctx, f, faults.InstancesConfig{Applications: apps, Donations: donations, Out: os.Stdout})
		if err != nil {
			return err
		}
		fmt.Printf("checked: %d approved, %d refused, %d cents left; %d donations booked once each; every balance = its postings\n", rep.Approved, rep.Refused, rep.AvailableCents, rep.Donations)
	default:
		return fmt.Errorf("-check: crash or instances")
	}
	return nil
}
