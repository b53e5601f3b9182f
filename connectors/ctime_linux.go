package connectors

import (
	"io/fs"
	"syscall"
	"time"
)

// changeTime is when the file's inode last changed: every write (so every
// change of size) moves it, and unlike the modification time no copy tool
// can set it back.
func changeTime(st fs.FileInfo) time.Time {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return time.Unix(s.Ctim.Sec, s.Ctim.Nsec)
	}
	return time.Time{}
}
