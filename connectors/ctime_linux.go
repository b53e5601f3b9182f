package connectors

import (
	"fmt"
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

// statKey identifies one state of a file without reading it: its size,
// modification and change times, device and inode. A file whose key is the
// one recorded when its bytes were last read has not been written since
// (any write moves the change time, which nothing can set back), so a
// rerun need not hash it again.
func statKey(st fs.FileInfo) string {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("size=%d mtime=%d ctime=%d.%09d dev=%d ino=%d",
		st.Size(), st.ModTime().UnixNano(), s.Ctim.Sec, s.Ctim.Nsec, s.Dev, s.Ino)
}
