package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"fundus/errs"
)

// Password hashing: argon2id with OWASP's recommended minimum (19 MiB, two
// passes, one lane), stored as a PHC string so the parameters can be raised
// later without breaking existing hashes.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

var b64 = base64.RawStdEncoding

// KDF derives a key from a password, as argon2.IDKey does.
type KDF func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte

// HashWait is how long a password hash waits for a free slot of the
// Hasher before the request is refused.
const HashWait = 2 * time.Second

// Hasher runs every password hash (sign-in, registration, user creation)
// under one bound: at most as many at once as it has slots. Each hash takes
// 19 MiB and a core's worth of time, so a burst of requests waits its turn
// instead of exhausting memory; one that waits longer than the Hasher's
// wait is refused with RateLimited, to be tried again a second later.
type Hasher struct {
	slots chan struct{}
	wait  time.Duration
	// KDF is argon2.IDKey; a test may put a slower one in.
	KDF KDF
}

// NewHasher returns a Hasher that runs at most slots hashes at once (at
// least one) and lets a hash wait up to wait for a slot.
func NewHasher(slots int, wait time.Duration) *Hasher {
	return &Hasher{slots: make(chan struct{}, max(slots, 1)), wait: wait, KDF: argon2.IDKey}
}

// acquire takes a slot, waiting up to h.wait. Returns RateLimited when none
// came free in time, or the context's error.
func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(h.wait)
	defer timer.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-timer.C:
		return errs.E(errs.Op("auth.hash"), errs.RateLimited, errs.RetryAfter(time.Second),
			"the server is busy checking passwords; try again in a moment")
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the PHC string of password with a fresh salt.
// Returns RateLimited when the server is too busy hashing.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return hashPassword(h.KDF, password), nil
}

// Check reports whether password matches the PHC string encoded; a
// malformed string matches nothing. Returns RateLimited when the server is
// too busy hashing.
func (h *Hasher) Check(ctx context.Context, encoded, password string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	return checkPassword(h.KDF, encoded, password), nil
}

// hashPassword returns the PHC string of password with a fresh salt.
func hashPassword(kdf KDF, password string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := kdf([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// checkPassword reports whether password matches the PHC string encoded.
// A malformed string matches nothing.
func checkPassword(kdf KDF, encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := kdf([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when no user has the given email, so that a
// sign-in for an unknown address takes as long as one with a wrong password.
var dummyHash = sync.OnceValue(func() string { return hashPassword(argon2.IDKey, "fundus-no-such-user") })
