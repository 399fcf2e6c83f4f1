package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"fundus/auth"
	"fundus/errs"
)

// roleList collects repeated --role flags.
type roleList []auth.Role

func (r *roleList) String() string { return fmt.Sprint(*r) }
func (r *roleList) Set(v string) error {
	*r = append(*r, auth.Role(v))
	return nil
}

// userAdd creates a user from the command line. It may create any role,
// including the first admin: whoever runs it already controls the server.
func userAdd(ctx context.Context, cfg *config, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("fundus user add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var nu auth.NewUser
	var roles roleList
	fs.StringVar(&nu.Email, "email", "", "email address (sign-in name)")
	fs.StringVar(&nu.Name, "name", "", "full name")
	fs.StringVar(&nu.Organisation, "organisation", "", "organisation (optional)")
	fs.Var(&roles, "role", "role: admin, committee, treasurer, auditor or applicant (repeatable)")
	if err := fs.Parse(args); err != nil {
		return usageError(fmt.Sprintf("%v\n%s", err, usage))
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("unexpected argument %q\n%s", fs.Arg(0), usage))
	}
	nu.Roles = roles

	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the password from standard input: %w", err)
	}
	nu.Password = strings.TrimRight(line, "\r\n")

	d, w, closeDB, err := openWritePath(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	u, err := auth.NewService(d, w, cfg.SessionTTL).CreateUserFromCommandLine(ctx, nu)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, u.ID)
	return nil
}

var flagOfField = map[string]string{
	"email":        "--email",
	"name":         "--name",
	"organisation": "--organisation",
	"roles":        "--role",
	"password":     "the password (first line of standard input)",
}

// describe spells out the fields of a validation error for a terminal.
func describe(err error) error {
	fields := errs.FieldsOf(err)
	if len(fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString("not created:")
	for _, f := range fields {
		field, _, _ := strings.Cut(f.Field, "[")
		name, ok := flagOfField[field]
		if !ok {
			name = f.Field
		}
		fmt.Fprintf(&b, "\n  %s %s", name, f.Message)
	}
	return errors.New(b.String())
}
