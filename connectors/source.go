// Package connectors reads the files LAs drop into landing folders and loads
// them into the working DuckDB database.
//
// A Source describes one kind of input (the school census, KS2 results, the
// GIAS establishments extract, ...): the columns it may carry, the header
// aliases that different MIS exports use for them, and how each value is
// validated. The Loader does the rest the same way for every source: it finds
// the header row, detects the encoding and delimiter, reads the file with
// DuckDB's read_csv using explicit VARCHAR columns (never type guessing), parses
// and validates every value in SQL, loads the good rows with lineage columns
// (_load_id, _file, _line), and quarantines the rest with file, line, column and
// reason. For every file, rows read = rows loaded + rows quarantined.
//
// Each source lives in its own package (connectors/census,
// connectors/establishments, ...) and declares a *Source value.
package connectors

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Kind says how a field's text is parsed and validated.
type Kind int

const (
	Text         Kind = iota // free text, trimmed
	Code                     // one of Field.Codes (case-insensitive), after Field.Map
	Int                      // whole number; '12.0' and '1.2E+3' accepted
	Number                   // decimal; a '%' suffix and thousands separators accepted
	Date                     // ISO, UK (dd/mm/yyyy) or an Excel serial day number; never US order
	Bool                     // 1/0, Y/N, Yes/No, True/False
	AcademicYear             // '2018/19', '2018-19', '201819' or '2018/2019', stored as 201819
	UPN                      // 13-character unique pupil number with a valid DfE check letter
	LAESTAB                  // 7 digits: LA code and establishment number ('8512001' or '851/2001')
	URN                      // 6-digit unique reference number
	LACode                   // 3-digit LA code
	Estab                    // 4-digit establishment number
	ScoreOrCode              // a number in range, or one of Field.Codes; stored as two columns
	Measure                  // a published figure: a number, or a DfE/EES marker (SUPP, NE, c, x, ...) kept in <name>_status
)

// Markers are the special values DfE performance tables and Explore
// Education Statistics files put where a figure is not given. A Measure
// field stores NULL with the marker in its _status column; they are never
// zero and never a reason to quarantine a row. Markers match case-
// insensitively and are stored upper-cased, so the EES symbols c, x, z and
// low are kept as C, X, Z and LOW (a wide table keeps them as written). A
// blank or single-space cell is trimmed and stored with the marker "blank";
// a column the file does not have at all leaves both the value and the
// _status NULL.
//
// Performance tables: SUPP suppressed, NE no entries, NP not published, NA
// not applicable, NEW new institution, LOWCOV low coverage, SP small
// percentage, RE redacted (DfE abbreviations 2019); DNS, NSE and LOW are
// seen in older files. EES (GSS symbols): c confidential, x not available,
// z not applicable, low rounds to zero, u low reliability, and the legacy ~
// and :. Older EES files write "." for a rate whose denominator is zero.
var Markers = []string{"SUPP", "NE", "NP", "NA", "NEW", "LOWCOV", "SP", "RE", "DNS", "NSE", "LOW",
	"C", "X", "Z", "U", "~", ":", "..", ".", "-", "9999"}

var kindNames = [...]string{"text", "code", "whole number", "number", "date", "yes/no flag",
	"academic year", "UPN", "LAESTAB", "URN", "LA code", "establishment number", "score or code", "published measure"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// sqlType is the DuckDB type a field of this kind is stored as.
func (k Kind) sqlType() string {
	switch k {
	case Int, AcademicYear, LAESTAB, URN, LACode, Estab:
		return "INTEGER"
	case Number, ScoreOrCode, Measure:
		return "DOUBLE"
	case Date:
		return "DATE"
	case Bool:
		return "BOOLEAN"
	default:
		return "VARCHAR"
	}
}

// Field is one column a source may carry.
type Field struct {
	// Name is the column's name in the raw table, in snake_case.
	Name string
	// Header is the header the spec gives, e.g. "SENprovision". Headers match
	// case-insensitively, ignoring spaces and underscores.
	Header string
	// Aliases are other headers seen in the wild for this column.
	Aliases []string
	// Kind says how the text is parsed.
	Kind Kind
	// Required makes the column mandatory: the header must be present and
	// every row must carry a valid value, or the row is quarantined. A bad
	// value in an optional column is set to NULL and recorded; the row loads.
	Required bool
	// Codes lists the accepted values of a Code or ScoreOrCode field, in
	// upper case.
	Codes []string
	// Map renames values before they are checked against Codes, for legacy
	// codes (SEN 'S' = statement becomes 'E') and spelled-out values.
	Map map[string]string
	// KeepUnknown keeps a value that is not in Codes and flags it, rather
	// than setting it to NULL (e.g. extended ethnicity codes).
	KeepUnknown bool
	// Min and Max bound a numeric field when Max > Min.
	Min, Max float64
	// Doc describes the column for the data dictionary.
	Doc string
	// Identifying marks a column whose values identify a pupil (the UPN):
	// its values are masked wherever they are shown or recorded.
	Identifying bool
	// Occurrence maps the n-th column (1-based) carrying Header to this
	// field, for files that repeat a header: the statistical neighbours
	// workbook heads each neighbour's closeness column "SNP", ten times.
	// Zero means the header must be unique in the file.
	Occurrence int
}

func (f *Field) hasRange() bool { return f.Max > f.Min }

// Source describes one kind of input file.
type Source struct {
	// Name is the landing sub-folder and the source's name in ops tables.
	Name string
	// Table is where readers find the rows loaded from the source's files,
	// e.g. "raw.census": a view of StoreTable() that leaves out the rows a
	// load quarantined.
	Table string
	// Description is one line for help texts and the data dictionary.
	Description string
	// Fields are the columns the source may carry.
	Fields []Field
	// SchoolKey adds the school key columns (LAESTAB, or LA + ESTAB, or URN),
	// at least one form of which must be present in the header and valid in
	// every row. They load as the integer columns laestab and urn.
	SchoolKey bool
	// Drop lists headers of direct identifiers (names, addresses) that are
	// recognised and never read, so the load report can say so.
	Drop []string
	// RowRules are checks across fields, as SQL boolean expressions over the
	// parsed columns that are true when the row is bad, with the reason.
	RowRules []RowRule
	// Supersede lists the SQL expressions (over raw columns) that identify
	// one extract: a later file with rows for the same key supersedes an
	// earlier one, which stays in the raw table as history. Empty means rows
	// accumulate.
	Supersede []string
	// YearFromPath takes the academic year of every row from the file's
	// folder or name (public files do not carry it), stored as time_period.
	// A file whose year cannot be known is refused.
	YearFromPath bool
	// YearField names an AcademicYear field that some files of a
	// YearFromPath source carry: in a file with that column, each row's
	// time_period is its value, and the year from config or path is used
	// only for rows where it is blank or not a year (with no such year,
	// those rows are quarantined). A file with neither the column nor a
	// year from config or path is refused, as without YearField.
	YearField string
	// Version changes when the source's mapping changes, so refused files
	// are retried after an upgrade.
	Version int
	// Wide keeps every column of the file, not only the declared fields:
	// each loaded row is also stored as text, column for column, in
	// WideTable() (raw.<name>_wide), under the file's header normalised by
	// WideName, joined to the typed row on (_load_id, _line). Public DfE
	// files carry hundreds of columns that change from year to year; the
	// fields stage the documented ones under readable names, the wide table
	// keeps the rest, and a file whose columns differ from the previous
	// file of its kind is reported in ops.schema_changes.
	Wide bool
	// PadShortRows reads a CSV row with fewer values than the header as if
	// the missing trailing values were blank, rather than quarantining it:
	// DfE's performance tables files leave the trailing blanks off some
	// rows. The load's notes say how many rows were short.
	PadShortRows bool
}

// StoreTable is the table that holds the rows of Table: "raw_rows.census"
// for "raw.census". A load appends every record of its file to it, the
// ones it quarantines flagged _quarantined. A load of less than a row group
// deletes those before it commits; a larger one leaves them for
// DeleteQuarantined, because deleting them in its transaction would make
// DuckDB write the file twice (see loadRows). Table, the view, never shows
// them, whenever a reader looks and however a run ends.
func (s *Source) StoreTable() string {
	schema, table, _ := strings.Cut(s.Table, ".")
	return schema + storeSuffix + "." + table
}

// storeSuffix turns the schema of a source's Table into that of its
// StoreTable.
const storeSuffix = "_rows"

// WideTable is the table holding every column of a Wide source's files, as
// text: Table with the suffix _wide.
func (s *Source) WideTable() string { return s.Table + "_wide" }

// RowRule is a check across the parsed fields of a row.
type RowRule struct {
	// Bad is a SQL boolean expression over parsed columns, true when the row
	// must be quarantined. It is part of edwh's own code, never user input.
	// It may compare a row with the other rows of its file through a window
	// function (bands that overlap): _rec, the record's number in the file,
	// orders rows as the file does, and _time_period is the academic year
	// the row will be stored under (NULL unless YearFromPath).
	Bad string
	// Column names the column reported in quarantine.
	Column string
	// Reason says what is wrong and, where possible, what to do.
	Reason string
}

// schoolKeyFields are the columns added by Source.SchoolKey.
var schoolKeyFields = []Field{
	{Name: "laestab", Header: "LAESTAB", Aliases: []string{"DfE number", "DfENumber", "LA Estab", "DFES", "School DfE number"}, Kind: LAESTAB},
	{Name: "la", Header: "LA", Aliases: []string{"LEA", "LA code", "LA (code)", "LA number"}, Kind: LACode},
	{Name: "estab", Header: "ESTAB", Aliases: []string{"EstablishmentNumber", "Establishment number", "Estab number", "DfE estab"}, Kind: Estab},
	{Name: "urn", Header: "URN", Aliases: []string{"School URN", "SchoolURN", "school_urn"}, Kind: URN},
}

// AllFields returns the source's fields including the school key columns.
func (s *Source) AllFields() []Field {
	if !s.SchoolKey {
		return s.Fields
	}
	out := make([]Field, 0, len(s.Fields)+len(schoolKeyFields))
	out = append(out, schoolKeyFields...)
	return append(out, s.Fields...)
}

// Field returns the field with the given column name, or nil.
func (s *Source) Field(name string) *Field {
	fs := s.AllFields()
	for i := range fs {
		if fs[i].Name == name {
			return &fs[i]
		}
	}
	return nil
}

// ConfigHash fingerprints the source's mapping together with any configured
// aliases, so that a refused file is tried again once the mapping changes.
func (s *Source) ConfigHash(extra map[string][]string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s/%d", s.Name, s.Version)
	if s.Wide {
		fmt.Fprint(h, "|wide")
	}
	if s.YearField != "" {
		fmt.Fprintf(h, "|year:%s", s.YearField)
	}
	for _, f := range s.AllFields() {
		fmt.Fprintf(h, "|%s:%s:%s", f.Name, f.Header, strings.Join(f.Aliases, ","))
		if f.Occurrence > 0 {
			fmt.Fprintf(h, "#%d", f.Occurrence)
		}
		fmt.Fprintf(h, ":%s", strings.Join(extra[f.Name], ","))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// MeasureField declares a published DfE figure: a number, or a marker kept in
// <name>_status. Public sources list dozens of them.
func MeasureField(name, header, doc string) Field {
	return Field{Name: name, Header: header, Kind: Measure, Doc: doc}
}
