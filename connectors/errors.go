package connectors

import (
	"errors"
	"fmt"
)

// Sentinel errors a refused file wraps, so callers can tell kinds apart with
// errors.Is.
var (
	// ErrEmptyFile: the file has no bytes, or no header row.
	ErrEmptyFile = errors.New("empty file")
	// ErrBinary: the file is not text (NUL bytes) and not a workbook.
	ErrBinary = errors.New("not a text file")
	// ErrNoHeader: no row within the first lines carries the mandatory columns.
	ErrNoHeader = errors.New("mandatory columns not found")
	// ErrDuplicateColumn: two columns of the header map to the same field.
	ErrDuplicateColumn = errors.New("duplicate column")
	// ErrWrongSource: the file belongs in another landing folder.
	ErrWrongSource = errors.New("file belongs to another source")
	// ErrUnsafePath: a link or name that leads outside the landing folder.
	ErrUnsafePath = errors.New("path leads outside the landing folder")
	// ErrWorkbook: the workbook cannot be opened (corrupt, encrypted, too large).
	ErrWorkbook = errors.New("unreadable workbook")
	// ErrNoYear: the academic year of a file cannot be known from its folder,
	// name or config.
	ErrNoYear = errors.New("academic year unknown")
	// ErrRecordsLost: DuckDB's CSV reader returned and rejected fewer
	// records than the file has, and the missing ones cannot be named.
	ErrRecordsLost = errors.New("records not read")
)

// FileError is why a whole file was refused. Line and Column are set when the
// problem has a position (1-based; 0 when not applicable).
type FileError struct {
	Path   string // relative to the landing folder
	Line   int
	Column string
	Err    error  // a sentinel above, or an I/O error
	Hint   string // what to do about it
}

func (e *FileError) Error() string {
	pos := e.Path
	if e.Line > 0 {
		pos = fmt.Sprintf("%s:%d", pos, e.Line)
	}
	if e.Column != "" {
		pos = fmt.Sprintf("%s column %q", pos, e.Column)
	}
	msg := fmt.Sprintf("%s: %v", pos, e.Err)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

func (e *FileError) Unwrap() error { return e.Err }
