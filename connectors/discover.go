package connectors

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Discovery is what Discover found in one source's landing folder.
type Discovery struct {
	Files []File
	// Waiting are files changed within the settle interval: probably still
	// being written, so they wait for the next run. A file has changed
	// when its modification time or its change time (ctime, which every
	// write moves, so any change of size, even by a copy tool that sets
	// the modification time back to the original's) is that recent.
	Waiting []File
	// Unsafe are links that lead outside the landing folder, never read.
	Unsafe []*FileError
}

// ignored tells files that are never data: hidden files, Excel's lock files
// and partial downloads.
func ignored(name string) bool {
	lower := strings.ToLower(name)
	for _, suf := range []string{".tmp", ".part", ".crdownload", ".partial", ".swp"} {
		if strings.HasSuffix(lower, suf) {
			return true
		}
	}
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$")
}

// Discover lists the files under landing/<source>, in the order they should
// load: oldest first, then by name, so that a re-issued extract loads after
// the one it corrects. Sub-folders are read too (performance tables files
// are often kept in a folder per year). Files modified less than settle ago
// (or whose size changed less than settle ago, as the change time shows)
// are set aside; now is the caller's clock (the scheduler's, in scheduled
// runs). Links are followed only while they stay inside landing.
func Discover(landing, source string, settle time.Duration, now time.Time) (*Discovery, error) {
	root, err := filepath.Abs(landing)
	if err != nil {
		return nil, err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("landing folder %s: %w", landing, err)
	}
	dir := filepath.Join(root, source)
	d := &Discovery{}
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if p != dir && ignored(e.Name()) {
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if e.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		target := p
		if e.Type()&fs.ModeSymlink != 0 {
			real, err := filepath.EvalSymlinks(p)
			if err != nil || !within(realRoot, real) {
				d.Unsafe = append(d.Unsafe, &FileError{Path: rel, Err: ErrUnsafePath,
					Hint: "a link to a file outside the landing folder is never read; copy the file in instead"})
				return nil
			}
			target = real
		}
		st, err := os.Stat(target)
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			return nil
		}
		f := File{Path: target, Rel: rel, Size: st.Size(), ModTime: st.ModTime()}
		if settle > 0 && now.Sub(lastChange(st)) < settle {
			d.Waiting = append(d.Waiting, f)
			return nil
		}
		d.Files = append(d.Files, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(d.Files, func(i, j int) bool {
		a, b := d.Files[i], d.Files[j]
		if !a.ModTime.Equal(b.ModTime) {
			return a.ModTime.Before(b.ModTime)
		}
		return a.Rel < b.Rel
	})
	return d, nil
}

// lastChange is the later of the file's modification and change times.
func lastChange(st fs.FileInfo) time.Time {
	t := st.ModTime()
	if c := changeTime(st); c.After(t) {
		t = c
	}
	return t
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}
