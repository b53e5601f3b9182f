package connectors

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

var (
	// 2018-19, 2018_19, 2018/19, 201819, 2018-2019 in a folder or file name.
	yearPair = regexp.MustCompile(`(?:^|[^0-9])((?:19|20)[0-9]{2})[-_]?((?:19|20)?[0-9]{2})(?:[^0-9]|$)`)
	// 2018-850-ks2.csv: a performance tables file named by the year it
	// starts and the LA code.
	yearLA = regexp.MustCompile(`^((?:19|20)[0-9]{2})-[0-9]{3}-`)
)

// YearFromPath finds the academic year (as 201819) in a path relative to a
// landing folder: the file name first, then its folders from the innermost
// out. It refuses to guess: a bare "2019" is ambiguous and yields 0.
func YearFromPath(rel string) int {
	parts := strings.Split(filepath.ToSlash(rel), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		p := parts[i]
		if i == len(parts)-1 {
			if m := yearLA.FindStringSubmatch(p); m != nil {
				y, _ := strconv.Atoi(m[1])
				return y*100 + (y+1)%100
			}
		}
		for _, m := range yearPair.FindAllStringSubmatch(p, -1) {
			y1, _ := strconv.Atoi(m[1])
			y2, _ := strconv.Atoi(m[2])
			if len(m[2]) == 2 && y2 == (y1+1)%100 || len(m[2]) == 4 && y2 == y1+1 {
				return y1*100 + (y1+1)%100
			}
		}
	}
	return 0
}

// FormatYear writes 201819 as "2018/19".
func FormatYear(tp int) string {
	return fmt.Sprintf("%d/%02d", tp/100, tp%100)
}
