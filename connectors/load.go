package connectors

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Loader loads the files of one source into the working database. The zero
// value is not usable: set Source. Other fields have sensible defaults.
type Loader struct {
	// Source is what the files are.
	Source *Source
	// Aliases adds headers per field name, from the deployment's config.
	Aliases map[string][]string
	// Sheet is the worksheet read from XLSX files (default: the first).
	Sheet string
	// Others are the other sources, so that a file dropped into the wrong
	// folder is recognised and the right folder named.
	Others []*Source
	// TempDir holds transcoded and converted copies while a file loads
	// (default: os.TempDir()).
	TempDir string
	// XLSX bounds what a workbook may unpack to.
	XLSX XLSXLimits
	// Year is the academic year (201819) of every file, for sources whose
	// year comes from the path, when the path does not say it.
	Year int
	// MaxLineSize is the longest CSV line read; a longer one is quarantined
	// (default 8 MiB).
	MaxLineSize int
}

// configHash fingerprints the mapping a file is read with: the source's
// fields and the deployment's aliases, year and sheet. A file refused under
// one mapping is tried again once the config changes any of them (a year
// or sheet added to edwh.yaml is as much a fix as an alias). The year and
// sheet count only when set, so that deployments without them keep the
// hashes of their earlier refusals.
func (l *Loader) configHash() string {
	h := l.Source.ConfigHash(l.Aliases)
	if l.Year == 0 && l.Sheet == "" {
		return h
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|year:%d|sheet:%s", h, l.Year, l.Sheet)))
	return hex.EncodeToString(sum[:])[:16]
}

// File is a file found in a landing folder.
type File struct {
	Path    string // absolute
	Rel     string // relative to the landing folder, as recorded
	Size    int64
	ModTime time.Time
}

// Result says what happened to one file.
type Result struct {
	File   File
	LoadID int64 // 0 when nothing was recorded
	Status string
	SHA256 string
	// FileStat is the file's stat when it was read (see statKey); a rerun
	// finding the same stat at the same path does not read it again.
	FileStat        string
	Format          string
	HeaderLine      int
	RowsRead        int64
	RowsLoaded      int64
	RowsQuarantined int64
	// Flagged is how many of the quarantined rows the load left in the
	// source's store table, flagged _quarantined and hidden by its raw
	// view, for DeleteQuarantined: a load of a row group or more leaves
	// them (see loadRows).
	Flagged      int64
	ValuesNulled int64
	Blank        int64
	TimePeriod   int // for sources whose year comes from the path
	Supersedes   []int64
	Unknown      []string
	Dropped      []string
	// Refused is why the whole file was refused, when Status is "refused".
	Refused error
	// Notes are warnings worth a line in the run summary.
	Notes []string
	// SchemaChange is set when a Wide source's file has columns that differ
	// from the previous file of its kind (also in ops.schema_changes).
	SchemaChange *SchemaChange
}

// Load statuses.
const (
	StatusLoaded    = "loaded"
	StatusDuplicate = "duplicate" // same bytes as a file already loaded, under another name
	StatusSeen      = "seen"      // already loaded or refused: nothing recorded
	StatusRefused   = "refused"
)

// Load reads one file and, in one transaction, loads its good rows into the
// source's raw table, records its bad rows in ops.quarantine and the file in
// ops.loads. A file whose bytes were loaded before is skipped. A file that
// cannot be read at all is refused: recorded with the reason, nothing loaded.
// The returned error is for failures of the database or the file system,
// which end the run; a refused file is not an error.
func (l *Loader) Load(ctx context.Context, conn *sql.Conn, runID int64, f File) (*Result, error) {
	res := &Result{File: f}
	src := l.Source
	hs := &headerSearch{src: src, aliases: l.Aliases, others: l.Others}
	cfgHash := l.configHash()

	// Unchanged since its bytes were last read? Then skip it without
	// reading it: hashing every landed file again was most of the time of
	// a national run with nothing new. The stat is taken before the file is
	// read, so a write during the read leaves a stale stat behind, and the
	// next run reads the file again.
	if st, err := os.Stat(f.Path); err == nil {
		res.FileStat = statKey(st)
	}
	if res.FileStat != "" {
		seen, sha, err := seenByStat(ctx, conn, src.Name, f.Rel, res.FileStat, cfgHash)
		if err != nil {
			return nil, err
		}
		if seen {
			res.Status, res.SHA256 = StatusSeen, sha
			return res, nil
		}
	}

	prefix, err := readPrefix(f.Path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.Rel, err)
	}
	kind := fileKind(f.Path, prefix)

	// Find the header first, so that one pass over the file can both hash it
	// and map its records to lines.
	var hdr *headerRow
	var hdrErr error
	enc := detectEncoding(prefix)
	var cr bool
	if kind == "csv" && len(prefix) > 0 {
		text := decodePrefix(prefix, enc)
		if cr = crLines(text); cr {
			text = bytes.ReplaceAll(text, []byte{'\r'}, []byte{'\n'})
		}
		hdr, hdrErr = findHeader(text, hs)
	}
	skip := int64(0)
	mapRecords := hdr != nil && enc != UTF16LE && enc != UTF16BE && !cr
	if mapRecords {
		skip = int64(hdr.Line)
	}
	// Short rows are counted for sources that pad them, in whichever pass
	// maps the records (this one, or the one after decoding below).
	var delim byte
	width := 0
	if hdr != nil && src.PadShortRows {
		delim, width = byte(hdr.Delim), len(hdr.Fields)
	}
	scan, err := scanFileWidth(f.Path, skip, '"', mapRecords, delim, width, int64(l.maxLine()))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.Rel, err)
	}
	res.SHA256 = scan.SHA256

	// Same bytes as before?
	prev, err := previousLoad(ctx, conn, src.Name, scan.SHA256, f.Rel, cfgHash)
	if err != nil {
		return nil, err
	}
	switch prev {
	case "loaded-same-path", "refused-same":
		res.Status = StatusSeen
		// Touched, or copied in again, but the same bytes: remember the new
		// stat so that the next run need not hash it again.
		return res, rememberStat(ctx, conn, src.Name, f.Rel, scan.SHA256, res.FileStat)
	case "loaded-other-path":
		res.Status = StatusDuplicate
		return res, l.record(ctx, conn, runID, res, cfgHash, "same content as a file already loaded; skipped")
	}

	refuse := func(e error) (*Result, error) {
		var fe *FileError
		if !errors.As(e, &fe) {
			fe = &FileError{Err: e}
		}
		fe.Path = f.Rel
		res.Status, res.Refused = StatusRefused, fe
		return res, l.record(ctx, conn, runID, res, cfgHash, fe.Error())
	}
	switch {
	case scan.Size == 0:
		return refuse(&FileError{Err: ErrEmptyFile, Hint: "the file has no bytes; was it copied before it was finished?"})
	case kind == "xls":
		return refuse(&FileError{Err: ErrWorkbook, Hint: "this is an old .xls workbook; save it as .xlsx or CSV"})
	case kind == "csv" && scan.HasNUL && enc != UTF16LE && enc != UTF16BE:
		return refuse(&FileError{Err: ErrBinary, Hint: "it contains NUL bytes; export it again as CSV or XLSX"})
	case kind == "csv" && hdrErr != nil:
		return refuse(hdrErr)
	}
	if src.YearFromPath {
		if res.TimePeriod = l.Year; res.TimePeriod == 0 {
			res.TimePeriod = YearFromPath(f.Rel)
		}
	}

	tmp, err := os.MkdirTemp(l.tempDir(), "load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	in := &parseInput{Map: scan.Map, Records: scan.Records, Long: scan.Long}
	res.Blank = scan.Blank
	shortRows := func(n int64) {
		if n > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("%d rows have fewer values than the header (trailing blank values left off); the missing values were read as blank", n))
		}
	}
	shortRows(scan.Short)
	if kind == "xlsx" {
		conv := filepath.Join(tmp, "sheet.csv")
		x, err := xlsxToCSV(f.Path, conv, l.Sheet, l.XLSX, hs)
		if err != nil {
			return refuse(err)
		}
		in.Path, in.Delim, in.Skip, in.LineColumn = conv, ',', 0, true
		in.Mapping, in.Records, res.Blank = x.Mapping, x.Rows, x.Blank
		res.HeaderLine, res.Format = x.HeaderLine, "xlsx sheet "+x.Sheet
	} else {
		if !scan.ValidUTF8 && (enc == UTF8 || enc == UTF8BOM) {
			enc = Windows1252 // valid at the top, not further down: MIS exports mix
		}
		in.Path, in.Delim, in.Skip, in.Mapping = f.Path, hdr.Delim, hdr.Line, hdr.Mapping
		res.HeaderLine = hdr.Line
		res.Format = fmt.Sprintf("csv %s %s", enc, delimName(hdr.Delim))
		if cr {
			res.Format += " (lines end in CR)"
		}
		if enc == UTF16LE || enc == UTF16BE || enc == Windows1252 || cr {
			in.Path = filepath.Join(tmp, "utf8.csv")
			if err := transcode(f.Path, in.Path, enc, cr); err != nil {
				return refuse(&FileError{Err: err, Hint: "the file could not be decoded as " + string(enc)})
			}
			if !mapRecords { // UTF-16 or CR line structure is only known after decoding
				s2, err := scanFileWidth(in.Path, int64(hdr.Line), '"', true, delim, width, int64(l.maxLine()))
				if err != nil {
					return nil, err
				}
				in.Map, in.Records, in.Long, res.Blank = s2.Map, s2.Records, s2.Long, s2.Blank
				shortRows(s2.Short)
			}
		}
	}
	// Refused only now that the header is known: the file may carry the year.
	if src.YearFromPath && res.TimePeriod == 0 && (src.YearField == "" || in.Mapping.Index(src.YearField) < 0) {
		return refuse(noYear(src))
	}
	in.Year = res.TimePeriod
	res.Unknown, res.Dropped = in.Mapping.Unknown, in.Mapping.Dropped
	if err := l.loadRows(ctx, conn, runID, res, in, cfgHash); err != nil {
		var fe *FileError
		if errors.As(err, &fe) { // rolled back
			return refuse(fe)
		}
		return nil, fmt.Errorf("loading %s: %w", f.Rel, err)
	}
	return res, nil
}

// noYear is why a file of a YearFromPath source whose year cannot be
// known is refused.
func noYear(src *Source) *FileError {
	hint := fmt.Sprintf("the year of this file is not in it: put it in a folder named for its year (e.g. %s/2018-19/) or set sources.%s.year in edwh.yaml",
		src.Name, src.Name)
	if f := src.Field(src.YearField); f != nil {
		hint += fmt.Sprintf(", or give each row its year in a %s column (2018/19, 2018-19 or 201819)", f.Header)
	}
	return &FileError{Err: ErrNoYear, Hint: hint}
}

func (l *Loader) tempDir() string {
	if l.TempDir != "" {
		return l.TempDir
	}
	return os.TempDir()
}

func (l *Loader) maxLine() int {
	if l.MaxLineSize > 0 {
		return l.MaxLineSize
	}
	return 8 << 20
}

// bufferSize is the size of DuckDB's CSV read buffer: four times the
// longest line, and at least minCSVBuffer.
//
// DuckDB's default is sixteen times max_line_size: 128 MiB for edwh's
// 8 MiB, which left two threads a national census (583 MB) in five
// buffers: with it the floor's read_csv took 11.2-11.9 s, with 32 MiB
// (DuckDB's default for its own 2 MiB lines) 10.1-10.4 s. Nor can the
// buffer be much smaller: DuckDB 1.4 loses rows without a word when it
// holds less than about two of the longest lines (TestLongLines).
func (l *Loader) bufferSize() int {
	return csvBuffer(l.maxLine())
}

// csvBuffer is bufferSize for a maximum line (a var, so that a test can
// make DuckDB lose rows).
var csvBuffer = func(maxLine int) int { return max(minCSVBuffer, 4*maxLine) }

// minCSVBuffer is DuckDB's default CSV buffer (a var, so that tests can
// cross buffers with small files).
var minCSVBuffer = 32 << 20

func delimName(d rune) string {
	switch d {
	case '\t':
		return "tab"
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	}
	return string(d)
}

// fileKind tells workbooks from text by content, then by name.
func fileKind(path string, prefix []byte) string {
	switch {
	case bytes.HasPrefix(prefix, []byte("PK\x03\x04")):
		return "xlsx"
	case bytes.HasPrefix(prefix, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "xls"
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm":
		return "xlsx" // not a zip: excelize will say it is corrupt
	}
	return "csv"
}

// previousLoad says whether these bytes were seen before for this source.
func previousLoad(ctx context.Context, conn *sql.Conn, source, sha, rel, cfgHash string) (string, error) {
	rows, err := conn.QueryContext(ctx,
		`SELECT status, path, config_hash FROM ops.loads WHERE source = ? AND sha256 = ?`, source, sha)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	loaded, loadedHere, refusedSame, dupHere := false, false, false, false
	for rows.Next() {
		var status, path string
		var h sql.NullString
		if err := rows.Scan(&status, &path, &h); err != nil {
			return "", err
		}
		switch status {
		case StatusLoaded:
			loaded = true
			loadedHere = loadedHere || path == rel
		case StatusDuplicate:
			dupHere = dupHere || path == rel
		case StatusRefused:
			refusedSame = refusedSame || (path == rel && h.String == cfgHash)
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	switch {
	case loadedHere || (loaded && dupHere):
		return "loaded-same-path", nil
	case loaded:
		return "loaded-other-path", nil
	case refusedSame:
		return "refused-same", nil
	}
	return "", nil
}

// seenByStat says whether the latest ledger row for this path was written
// when the file had this stat, and so whether its bytes are known: loaded,
// or refused under the same mapping. It returns their hash.
func seenByStat(ctx context.Context, conn *sql.Conn, source, rel, stat, cfgHash string) (bool, string, error) {
	var status, sha string
	var h sql.NullString
	err := conn.QueryRowContext(ctx, `SELECT status, sha256, config_hash FROM ops.loads
		WHERE source = ? AND path = ? AND file_stat = ? ORDER BY load_id DESC LIMIT 1`, source, rel, stat).Scan(&status, &sha, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return false, "", nil
	}
	if err != nil {
		return false, "", err
	}
	switch {
	case status == StatusLoaded, status == StatusRefused && h.String == cfgHash:
		return true, sha, nil
	}
	return false, "", nil
}

// rememberStat records a new stat for a file whose bytes were read before
// at the same path.
func rememberStat(ctx context.Context, conn *sql.Conn, source, rel, sha, stat string) error {
	if stat == "" {
		return nil
	}
	_, err := conn.ExecContext(ctx, `UPDATE ops.loads SET file_stat = ? WHERE load_id =
		(SELECT max(load_id) FROM ops.loads WHERE source = ? AND path = ? AND sha256 = ? AND status IN ('loaded', 'refused'))`,
		stat, source, rel, sha)
	return err
}

// record writes an ops.loads row for a file that loaded nothing.
func (l *Loader) record(ctx context.Context, conn *sql.Conn, runID int64, res *Result, cfgHash, msg string) error {
	err := conn.QueryRowContext(ctx, `INSERT INTO ops.loads (load_id, run_id, source, path, sha256, size, format,
		status, message, config_hash, file_stat, loaded_at) VALUES (nextval('ops.load_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, ''), now())
		RETURNING load_id`,
		runID, l.Source.Name, res.File.Rel, res.SHA256, res.File.Size, res.Format, res.Status, msg, cfgHash, res.FileStat).Scan(&res.LoadID)
	return err
}

// parseInput is the UTF-8 CSV DuckDB reads for one file.
type parseInput struct {
	Path       string
	Delim      rune
	Skip       int  // lines before the first data record
	LineColumn bool // first column holds each record's line (converted workbooks)
	Mapping    *Mapping
	Map        recordMap
	Records    int64        // records the scanner counted, as a witness
	Long       []longRecord // records longer than the maximum line size
	Year       int          // a YearFromPath source's year from config or path, or 0
}

// unaccounted is how many of the records the scanner counted DuckDB's CSV
// reader neither returned (rows) nor rejected (rej).
func (in *parseInput) unaccounted(rows int64, rej []rejected) int64 {
	return in.Records - rows - int64(len(rej))
}

// rejected is a record DuckDB's CSV reader could not parse.
type rejected struct {
	k      int64 // record number
	line   int64 // physical line
	column string
	reason string
}

var rejectReasons = map[string]string{
	"TOO MANY COLUMNS":       "more values than the header has columns (a stray delimiter or an unquoted comma)",
	"MISSING COLUMNS":        "fewer values than the header has columns",
	"UNQUOTED VALUE":         "a quote inside an unquoted value, or a quoted value never closed",
	"LINE SIZE OVER MAXIMUM": "line longer than the maximum line size",
	"INVALID ENCODING":       "characters that are not valid text",
	"INVALID UNICODE":        "characters that are not valid text",
}
