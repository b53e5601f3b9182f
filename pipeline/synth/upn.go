package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// upnAlphabet is the DfE's 23-letter alphabet for UPN check letters and for
// the final letter of a temporary UPN. It leaves out I, O and S, which are
// too easily misread as 1, 0 and 5.
const upnAlphabet = "ABCDEFGHJKLMNPQRTUVWXYZ"

// UPNCheckLetter returns the check letter of a unique pupil number (UPN)
// given the 12 characters that follow it: the 3-digit LA code, the 4-digit
// establishment number, the 2-digit year of issue and the 3-character
// serial. The last character is a digit, or for a temporary UPN a letter of
// the check alphabet (which omits I, O and S).
//
// Following the DfE UPN guide, the character in position k of the full
// 13-character UPN (k = 2..13) is weighted by k, a letter counting as its
// index in the alphabet (A=0 ... Z=22); the check letter is the alphabet
// letter at the weighted sum modulo 23. Thus the check letter of
// "801200005001" is 'B' and B801200005001 is a valid UPN.
func UPNCheckLetter(s string) (byte, error) {
	if len(s) != 12 {
		return 0, fmt.Errorf("synth: UPN body %q has %d characters, want 12", s, len(s))
	}
	sum := 0
	for i := 0; i < 12; i++ {
		c, w := s[i], i+2
		switch {
		case c >= '0' && c <= '9':
			sum += int(c-'0') * w
		case i == 11 && strings.IndexByte(upnAlphabet, c) >= 0:
			sum += strings.IndexByte(upnAlphabet, c) * w
		default:
			return 0, fmt.Errorf("synth: UPN body %q: invalid character %q at position %d", s, c, i+2)
		}
	}
	return upnAlphabet[sum%23], nil
}

// validUPN reports whether s is a 13-character UPN whose check letter is
// right.
func validUPN(s string) bool {
	if len(s) != 13 {
		return false
	}
	c, err := UPNCheckLetter(s[1:])
	return err == nil && c == s[0]
}

// temporaryUPN reports whether s is a temporary UPN: its last character is a
// letter.
func temporaryUPN(s string) bool {
	return len(s) == 13 && s[12] >= 'A' && s[12] <= 'Z'
}

// makeUPN prefixes body with its check letter. Bodies are built by the
// generator from digits and alphabet letters, so an error is a bug.
func makeUPN(body string) string {
	c, err := UPNCheckLetter(body)
	if err != nil {
		panic(err)
	}
	return string(c) + body
}

// issueUPN returns a new, unique UPN issued by establishment estab of LA la
// in the academic year starting in year. Serials within one establishment
// and year run from 001 upward, as a school's MIS issues them; if a school
// has issued 999 in a year (it never does at realistic sizes) the serial is
// drawn at random instead. A temporary UPN ends in two serial digits and an
// alphabet letter.
func (g *generator) issueUPN(r *rand.Rand, la, estab, year int, temp bool) string {
	yy := year % 100
	for {
		var body string
		if temp {
			body = fmt.Sprintf("%03d%04d%02d%02d%c", la, estab, yy, r.IntN(100), upnAlphabet[r.IntN(len(upnAlphabet))])
		} else {
			key := [3]int{la, estab, yy}
			n := g.serial[key] + 1
			if n > 999 {
				n = 1 + r.IntN(999)
			} else {
				g.serial[key] = n
			}
			body = fmt.Sprintf("%03d%04d%02d%03d", la, estab, yy, n)
		}
		u := makeUPN(body)
		if !g.upns[u] {
			g.upns[u] = true
			return u
		}
	}
}

// wrongCheckLetter returns upn with its check letter replaced by a different
// letter of the alphabet, so it still looks like a UPN but fails the check.
func wrongCheckLetter(r *rand.Rand, upn string) string {
	for {
		c := upnAlphabet[r.IntN(len(upnAlphabet))]
		if c != upn[0] {
			return string(c) + upn[1:]
		}
	}
}

// wrongLength returns upn with a character dropped or a digit added, as
// happens when UPNs are retyped.
func wrongLength(r *rand.Rand, upn string) string {
	if r.IntN(2) == 0 {
		return upn[:12]
	}
	return upn + fmt.Sprint(r.IntN(10))
}
