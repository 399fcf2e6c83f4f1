package mail

import (
	"context"
	"crypto/tls"
	"log/slog"
	netmail "net/mail"
	"time"

	"fundus/commit"
	"fundus/db"
)

// Sender sends the outbox's mails. Run it beside the server; it stops when
// its context ends, after the mails it is sending.
type Sender struct {
	DB     *db.DB
	Writer *commit.Writer
	// SMTP is the server; nil: mails are written to the log and kept in
	// the outbox, to be sent once a server is configured.
	SMTP *SMTP
	From *netmail.Address // FUNDUS_MAIL_FROM
	Log  *slog.Logger

	// The zero values are the defaults.
	Poll      time.Duration // how often the outbox is looked at (1 s)
	MaxPause  time.Duration // the longest pause before trying a mail again (30 s)
	Lease     time.Duration // how long a claimed mail is this sender's alone (5 min)
	Timeout   time.Duration // for the SMTP connection and each command (30 s)
	Batch     int           // mails claimed at a time (20)
	TLSConfig *tls.Config   // checks the server's certificate (nil: the system's roots)
	// GiveUpAfter is how many times a mail the server refuses for good
	// (5xx) is tried before it is marked failed (5).
	GiveUpAfter int

	id string // the sender's name in claimed_by
}

func (s *Sender) defaults() {
	if s.Poll <= 0 {
		s.Poll = time.Second
	}
	if s.MaxPause <= 0 {
		s.MaxPause = 30 * time.Second
	}
	if s.Lease <= 0 {
		s.Lease = 5 * time.Minute
	}
	if s.Timeout <= 0 {
		s.Timeout = 30 * time.Second
	}
	if s.Batch <= 0 {
		s.Batch = 20
	}
	if s.GiveUpAfter <= 0 {
		s.GiveUpAfter = 5
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	s.id = db.NewID()
}

// Pause is how long a mail waits after its nth failed attempt: 1 s, 2 s,
// 4 s, … doubling up to max.
func Pause(n int, max time.Duration) time.Duration {
	p := time.Second
	for i := 1; i < n && p < max; i++ {
		p *= 2
	}
	return min(p, max)
}

// Run sends mails until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	s.defaults()
	if s.SMTP != nil && s.From == nil {
		s.Log.Error("mail: an SMTP server but no sender's address (FUNDUS_MAIL_FROM): nothing is sent")
		s.SMTP = nil
	}
	if s.SMTP == nil {
		s.logOnly(ctx)
		return
	}
	s.Log.Info("mail: sending through the SMTP server", "server", s.SMTP.String(), "from", s.From.String())
	tick := time.NewTicker(s.Poll)
	defer tick.Stop()
	for {
		n, err := s.SendDue(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("mail: the outbox could not be read or updated", "err", err)
		}
		if n == s.Batch && err == nil {
			continue // there may be more
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// SendDue claims the mails due now and sends them, and returns how many it
// claimed.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	if s.id == "" {
		s.defaults()
	}
	if due, err := anyDue(ctx, s.DB, db.Now()); err != nil || !due {
		return 0, err
	}
	rows, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) ([]row, error) {
		return claim(tx, s.id, db.Time(tx.Now()), s.Lease, s.Batch)
	})
	if err != nil || len(rows.Value) == 0 {
		return 0, err
	}
	results := s.send(rows.Value)
	// Marking goes on after ctx ends: what was sent must be recorded.
	_, err = commit.Do(context.WithoutCancel(ctx), s.Writer, func(tx *commit.Tx) (int, error) {
		return 0, mark(tx, s.id, results)
	})
	return len(rows.Value), err
}

// result is what became of one attempt to send a mail.
type result struct {
	ID       string
	Attempts int // counting this one
	Sent     bool
	Link     bool // it carries a one-time link, removed from the outbox once sent
	Failed   bool // given up
	Err      string
	Pause    time.Duration // how long to wait before trying again
}

// send sends rows over one connection, each on its own, and says what
// became of each.
func (s *Sender) send(rows []row) []result {
	out := make([]result, len(rows))
	fail := func(i int, err error) {
		r := rows[i]
		res := result{ID: r.ID, Attempts: r.Attempts + 1, Err: err.Error()}
		if permanent(err) && res.Attempts >= s.GiveUpAfter {
			res.Failed = true
			s.Log.Error("mail: given up, the server refuses it", "id", r.ID, "kind", r.Kind, "attempts", res.Attempts, "err", err)
		} else {
			res.Pause = Pause(res.Attempts, s.MaxPause)
			s.Log.Warn("mail: not sent, will try again", "id", r.ID, "kind", r.Kind, "attempts", res.Attempts, "retry_in", res.Pause, "err", err)
		}
		out[i] = res
	}
	c, err := s.SMTP.client(s.Timeout, s.TLSConfig)
	if err == nil {
		dialCtx, cancel := context.WithTimeout(context.Background(), s.Timeout)
		err = c.DialWithContext(dialCtx)
		cancel()
	}
	if err != nil {
		for i := range rows {
			fail(i, err)
		}
		return out
	}
	defer c.Close()
	for i, r := range rows {
		m, err := message(r, s.From)
		if err == nil {
			err = c.Send(m)
		}
		if err != nil {
			fail(i, err)
			continue
		}
		out[i] = result{ID: r.ID, Attempts: r.Attempts + 1, Sent: true, Link: carriesLink(r.Kind)}
		s.Log.Info("mail: sent", "id", r.ID, "kind", r.Kind, "lang", r.Lang)
	}
	return out
}

// logOnly writes each mail queued to the log, and keeps it in the outbox,
// until ctx ends: with no SMTP server, the log is where a developer reads
// the mails (the link of a password reset, say).
func (s *Sender) logOnly(ctx context.Context) {
	after, kept, err := lastSeq(ctx, s.DB)
	if err != nil {
		s.Log.Warn("mail: the outbox could not be read", "err", err)
	}
	s.Log.Info("mail: no FUNDUS_SMTP_URL; mails are written to the log and kept in the outbox", "unsent", kept)
	tick := time.NewTicker(s.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		rows, err := rowsAfter(ctx, s.DB, after, s.Batch)
		if err != nil {
			s.Log.Warn("mail: the outbox could not be read", "err", err)
			continue
		}
		for _, r := range rows {
			s.Log.Info("mail: kept, not sent (no FUNDUS_SMTP_URL)", "id", r.ID, "kind", r.Kind, "lang", r.Lang,
				"to", r.To, "subject", r.Subject, "text", r.Text)
			after = r.Seq
		}
	}
}
