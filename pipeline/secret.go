package pipeline

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// SecretEnv names the environment variable that, when set, holds the
// pseudonymisation key instead of the secret file.
const SecretEnv = "EDWH_SECRET"

// ErrSecret wraps problems with the pseudonymisation key.
var ErrSecret = errors.New("secret")

// minSecret is the shortest key accepted: a guessable key would let anyone
// with a list of UPNs re-identify pupils.
const minSecret = 16

// Secret is the per-deployment key behind pupil_key. It is never logged,
// never written to any output and never stored in a database.
type Secret struct{ key []byte }

// String hides the key from logs and error messages.
func (Secret) String() string { return "[secret]" }

// LoadSecret reads the key from EDWH_SECRET or the config's secret file,
// which must not be readable by group or others.
func LoadSecret(c *Config) (Secret, error) {
	if v := strings.TrimSpace(os.Getenv(SecretEnv)); v != "" {
		if len(v) < minSecret {
			return Secret{}, fmt.Errorf("%w: %s is shorter than %d characters", ErrSecret, SecretEnv, minSecret)
		}
		return Secret{key: []byte(v)}, nil
	}
	p := c.Path(c.SecretFile)
	st, err := os.Stat(p)
	if err != nil {
		return Secret{}, fmt.Errorf("%w: no key in %s or in the file %s (edwh init creates one): %v", ErrSecret, SecretEnv, c.SecretFile, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return Secret{}, fmt.Errorf("%w: the key file %s can be read by others (mode %o); run: chmod 600 %s",
			ErrSecret, c.SecretFile, st.Mode().Perm(), c.SecretFile)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return Secret{}, fmt.Errorf("%w: %v", ErrSecret, err)
	}
	v := strings.TrimSpace(string(b))
	if len(v) < minSecret {
		return Secret{}, fmt.Errorf("%w: the key in %s is shorter than %d characters", ErrSecret, c.SecretFile, minSecret)
	}
	return Secret{key: []byte(v)}, nil
}

// NewSecretFile writes a new random key to path with mode 0600. It never
// overwrites an existing key: that would change every pupil_key.
func NewSecretFile(path string) error {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(hex.EncodeToString(b) + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Fingerprint identifies the key without revealing it, so a run can tell
// that the key changed (and every pupil_key with it).
func (s Secret) Fingerprint() string {
	h := sha256.Sum256(append([]byte("edwh-fingerprint:"), s.key...))
	return hex.EncodeToString(h[:8])
}

// pads returns the HMAC-SHA256 inner and outer padded keys (RFC 2104).
func (s Secret) pads() (ipad, opad []byte) {
	k := s.key
	if len(k) > 64 {
		h := sha256.Sum256(k)
		k = h[:]
	}
	ipad, opad = make([]byte, 64), make([]byte, 64)
	copy(ipad, k)
	copy(opad, k)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	return ipad, opad
}

// initConn defines edwh_pupil_key(upn) on a connection: HMAC-SHA256 of the
// UPN under the key, as 64 hex characters, computed by DuckDB itself so
// that it runs in parallel over millions of rows. The padded keys live in
// session variables and a TEMP macro: nothing reaches the database file.
func (s Secret) initConn(ctx context.Context, ex driver.ExecerContext) error {
	if len(s.key) == 0 {
		return fmt.Errorf("%w: no key loaded", ErrSecret)
	}
	ipad, opad := s.pads()
	for _, q := range []string{
		fmt.Sprintf("SET VARIABLE edwh_kipad = unhex('%s')", hex.EncodeToString(ipad)),
		fmt.Sprintf("SET VARIABLE edwh_kopad = unhex('%s')", hex.EncodeToString(opad)),
		`CREATE OR REPLACE TEMP MACRO edwh_pupil_key(u) AS
			sha256(getvariable('edwh_kopad') || unhex(sha256(getvariable('edwh_kipad') || encode(u))))`,
	} {
		if _, err := ex.ExecContext(ctx, q, nil); err != nil {
			// The statement holds key material: never include it in the error.
			return fmt.Errorf("%w: defining edwh_pupil_key failed", ErrSecret)
		}
	}
	return nil
}
