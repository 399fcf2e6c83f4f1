package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"fundus/errs"
	"fundus/retention"
)

// retentionService is package retention on cfg's database.
func retentionService(ctx context.Context, cfg *config) (*retention.Service, func(), error) {
	d, w, closeDB, err := openWritePath(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return &retention.Service{DB: d, Writer: w, Years: cfg.RetentionYears}, closeDB, nil
}

// yearAdopted records that a year's accounts were adopted:
// fundus year adopted YEAR --on DATE. Audited as "cli".
func yearAdopted(ctx context.Context, cfg *config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "adopted" {
		return usageError("fundus year: the only subcommand is adopted\n" + usage)
	}
	fs := flag.NewFlagSet("fundus year adopted", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	on := fs.String("on", "", "the day the accounts were adopted (YYYY-MM-DD)")
	// The year comes first, the flag after it: parse around it.
	rest := args[1:]
	var yearArg string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		yearArg, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return usageError(fmt.Sprintf("%v\n%s", err, usage))
	}
	if yearArg == "" && fs.NArg() > 0 {
		yearArg = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("unexpected argument %q\n%s", fs.Arg(0), usage))
	}
	year, err := strconv.Atoi(yearArg)
	if err != nil || *on == "" {
		return usageError("fundus year adopted: give the year and --on DATE (fundus year adopted 2026 --on 2027-06-30)\n" + usage)
	}
	s, closeDB, err := retentionService(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	fy, err := s.AdoptYear(ctx, cliActor{}.ActorID(), year, *on)
	if err != nil {
		if msg := errs.Message(err); msg != "" {
			return fmt.Errorf("not recorded: %s", msg)
		}
		return err
	}
	fmt.Fprintf(stdout, "the accounts of %d were adopted on %s; their personal data may be erased from %s\n", fy.Year, fy.AdoptedOn, fy.ErasableFrom)
	return nil
}

// eraseDue erases the personal data whose retention period ended:
// fundus erase --due [--dry-run]. Prints what it erased by kind and count.
func eraseDue(ctx context.Context, cfg *config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("fundus erase", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	due := fs.Bool("due", false, "erase what is due")
	dry := fs.Bool("dry-run", false, "only count")
	if err := fs.Parse(args); err != nil {
		return usageError(fmt.Sprintf("%v\n%s", err, usage))
	}
	if !*due || fs.NArg() > 0 {
		return usageError("fundus erase: give --due (and --dry-run to only count)\n" + usage)
	}
	s, closeDB, err := retentionService(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	r, err := s.EraseDue(ctx, cliActor{}.ActorID(), *dry)
	if err != nil {
		return err
	}
	verb := "erased"
	if *dry {
		verb = "would erase (dry run)"
	}
	if len(r.Years) == 0 {
		fmt.Fprintln(stdout, "no year's retention period has ended (fundus year adopted records the adoption of a year's accounts)")
	} else {
		years := make([]string, len(r.Years))
		for i, y := range r.Years {
			years[i] = strconv.Itoa(y)
		}
		fmt.Fprintf(stdout, "years whose retention period ended: %s\n", strings.Join(years, ", "))
	}
	for _, c := range r.Counts {
		fmt.Fprintf(stdout, "%s %s: %d\n", verb, c.Kind, c.N)
	}
	return nil
}
