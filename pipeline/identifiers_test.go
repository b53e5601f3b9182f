package pipeline_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/edwh/edwh/pipeline"
	"github.com/edwh/edwh/pipeline/warehouse"
)

// censusPupil is what a census row says about a pupil that identifies
// them: the generator writes names, date of birth and postcode in the
// census files only (synth.Truth does not keep them), so the tests read
// them back from the landing folder.
type censusPupil struct {
	upn, surname, forename, dob, postcode string // dob as YYYY-MM-DD, "" when unreadable
}

// readCensus reads every census file of a landing folder, whatever its
// encoding (UTF-8, with a BOM, or Windows-1252) and header spelling, and
// returns one entry per distinct row identity.
func readCensus(t *testing.T, landing string) []censusPupil {
	t.Helper()
	norm := func(s string) string {
		return strings.NewReplacer(" ", "", "_", "", "\ufeff", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	}
	seen := map[censusPupil]bool{}
	var out []censusPupil
	files, _ := filepath.Glob(filepath.Join(landing, "census", "*.csv"))
	if len(files) == 0 {
		t.Fatal("no census files in", landing)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(b) { // Windows-1252: the names' accents are its Latin-1 range
			var sb strings.Builder
			for _, c := range b {
				sb.WriteRune(rune(c))
			}
			b = []byte(sb.String())
		}
		r := csv.NewReader(bytes.NewReader(b))
		r.FieldsPerRecord, r.LazyQuotes = -1, true
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		col := map[string]int{}
		for i, rec := range recs {
			if len(col) == 0 {
				for j, h := range rec {
					col[norm(h)] = j
				}
				if _, ok := col["upn"]; !ok {
					col = map[string]int{} // a title row: the header is further down
				}
				continue
			}
			get := func(k string) string {
				if j, ok := col[k]; ok && j < len(rec) {
					return strings.TrimSpace(rec[j])
				}
				return ""
			}
			p := censusPupil{upn: get("upn"), surname: get("surname"), forename: get("forename"), postcode: get("postcode")}
			for _, layout := range []string{"02/01/2006", "2006-01-02"} {
				if d, err := time.Parse(layout, get("dob")); err == nil {
					p.dob = d.Format("2006-01-02")
					break
				}
			}
			if p.upn == "" || seen[p] {
				continue
			}
			_ = i
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// readKey reads a deployment's key as LoadSecret does (the file's text,
// trimmed).
func readKey(t *testing.T, c *pipeline.Config) []byte {
	t.Helper()
	b, err := os.ReadFile(c.Path(c.SecretFile))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.TrimSpace(string(b)))
}

func hmacKey(key []byte, upn string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(upn))
	return hex.EncodeToString(m.Sum(nil))
}

// checkPupilKeysAreHMACs requires the distinct pupil_key values of the
// snapshot's pupils table to be exactly HMAC-SHA256(key, UPN), computed
// here with crypto/hmac, of the UPNs of the census rows that loaded (read
// from the working database; each of them is a UPN of the landing folder's
// census files that the generator lists as well formed). An unkeyed hash,
// another key or another message would match none of them.
func checkPupilKeysAreHMACs(t *testing.T, c *pipeline.Config, key []byte, wellFormed []string) {
	t.Helper()
	ok := map[string]bool{}
	for _, u := range wellFormed {
		ok[u] = true
	}
	inFiles := map[string]bool{}
	for _, p := range readCensus(t, c.LandingDir()) {
		inFiles[p.upn] = true
	}
	work, err := warehouse.Open(c.DatabasePath(), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := work.Query(`SELECT DISTINCT upn FROM stg.census`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	unkeyed := map[string]bool{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			t.Fatal(err)
		}
		if !inFiles[u] || !ok[u] {
			t.Errorf("stg.census holds a UPN that is not a well-formed UPN of the census files")
		}
		want[hmacKey(key, u)] = true
		h := sha256.Sum256([]byte(u))
		unkeyed[hex.EncodeToString(h[:])] = true
	}
	rows.Close()
	work.Close()
	got := distinctKeys(t, c)
	var extra, missing, plain int
	for k := range got {
		if !want[k] {
			extra++
		}
		if unkeyed[k] {
			plain++
		}
	}
	for k := range want {
		if !got[k] {
			missing++
		}
	}
	t.Logf("pupils: %d distinct pupil_key; UPNs loaded, hashed here: %d (census files: %d UPNs); not their HMAC: %d; UPNs without their key: %d",
		len(got), len(want), len(inFiles), extra, missing)
	if len(want) == 0 || extra > 0 || missing > 0 || plain > 0 {
		t.Errorf("pupil_key is not HMAC-SHA256(key, UPN): %d keys of %d match no UPN loaded, %d UPNs loaded have no key, %d keys are an unkeyed SHA-256",
			extra, len(got), missing, plain)
	}
}

// keyForms are the ways a key could leak: its text, and the text's hex and
// base64 (the file holds hex already, so its raw bytes' forms too), and
// the HMAC pads the working connections are given.
func keyForms(key []byte) map[string]string {
	forms := map[string]string{
		"key text":           string(key),
		"key text as hex":    hex.EncodeToString(key),
		"key text base64":    base64.StdEncoding.EncodeToString(key),
		"key text base64url": base64.RawURLEncoding.EncodeToString(key),
	}
	if raw, err := hex.DecodeString(string(key)); err == nil {
		forms["raw key base64"] = base64.StdEncoding.EncodeToString(raw)
		forms["raw key"] = string(raw)
	}
	ipad, opad := make([]byte, 64), make([]byte, 64)
	copy(ipad, key)
	copy(opad, key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	forms["HMAC inner pad (hex)"] = hex.EncodeToString(ipad)
	forms["HMAC outer pad (hex)"] = hex.EncodeToString(opad)
	// Case-insensitive hex: the pads could be logged upper case.
	forms["HMAC inner pad (HEX)"] = strings.ToUpper(hex.EncodeToString(ipad))
	return forms
}

// scanForKey reads every file under dir (symbolic links not followed)
// except skip, and fails if any holds the key in any form. It returns the
// number of files and bytes read.
func scanForKey(t *testing.T, dir, skip string, key []byte) (files int, size int64) {
	t.Helper()
	forms := keyForms(key)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSymlink != 0 || p == skip {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		size += int64(len(b))
		for name, f := range forms {
			if bytes.Contains(b, []byte(f)) {
				t.Errorf("%s holds the %s", p, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, size
}

// TestPupilKeyIsAnHMACOnTheDemo checks pupil_key on the demo against
// crypto/hmac, and that the key (in any form) is nowhere in publish/ nor
// anywhere else the run wrote: the working database, its temporary files,
// the landing folder's ledger.
func TestPupilKeyIsAnHMACOnTheDemo(t *testing.T) {
	c, truth := demoDeployment(t)
	key := readKey(t, c)
	checkPupilKeysAreHMACs(t, c, key, truth.UPNs)
	files, size := scanForKey(t, c.PublishDir(), "", key)
	t.Logf("publish/: %d files, %d bytes without the key", files, size)
	files, size = scanForKey(t, c.Dir, c.Path(c.SecretFile), key)
	t.Logf("whole deployment but the key file: %d files, %d bytes without the key", files, size)
}

// TestSecretFromTheEnvironment reruns the demo (every model rebuilt and
// republished) with its key in EDWH_SECRET and the key file moved away,
// every log level on: pupil_key is the HMAC under that key, the same keys
// as the file gave, and neither publish/, the deployment folder nor the log
// holds the key. (A small synthetic LA would be quicker, but its runs stop
// at the blocking check gaps_suppression_recoverable: see the report.)
func TestSecretFromTheEnvironment(t *testing.T) {
	c, truth := demoDeployment(t)
	key := readKey(t, c)
	before := distinctKeys(t, c)
	file := c.Path(c.SecretFile)
	if err := os.Rename(file, file+".away"); err != nil {
		t.Fatal(err)
	}
	defer os.Rename(file+".away", file)
	t.Setenv(pipeline.SecretEnv, string(key))
	var logs bytes.Buffer
	r := &pipeline.Runner{Config: c, Rebuild: true, Log: zerolog.New(&logs).Level(zerolog.TraceLevel)}
	sum, err := r.Run(context.Background())
	if err != nil || sum.Published == "" {
		t.Fatalf("run: %v (%+v)", err, sum)
	}
	checkPupilKeysAreHMACs(t, c, key, truth.UPNs)
	after := distinctKeys(t, c)
	same := len(before) == len(after)
	for k := range before {
		same = same && after[k]
	}
	if !same {
		t.Errorf("the key from the environment gave other pupil keys than the same key from the file (%d keys before, %d after)", len(before), len(after))
	}
	scanForKey(t, c.Dir, file+".away", key)
	if logs.Len() == 0 {
		t.Fatal("the run logged nothing: the log check would prove nothing")
	}
	for name, f := range keyForms(key) {
		if strings.Contains(logs.String(), f) {
			t.Errorf("the log holds the %s", name)
		}
	}
	t.Logf("log: %d lines without the key", strings.Count(logs.String(), "\n"))
}

func distinctKeys(t *testing.T, c *pipeline.Config) map[string]bool {
	t.Helper()
	db, err := warehouse.Open(filepath.Join(c.PublishDir(), "edwh.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT DISTINCT pupil_key FROM pupils`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		got[k] = true
	}
	return got
}

// identifierScan looks through relations (snapshot tables, Parquet files)
// with DuckDB for the demo's pupils' identifiers. db holds the tables
// people(pupil_key, upn, forename, surname, full_name, postcode, dob).
type identifierScan struct {
	db       *sql.DB
	rows     int64
	values   int64
	relation int
}

// scan checks one relation; what it finds is returned as messages.
func (s *identifierScan) scan(t *testing.T, name, rel string) []string {
	t.Helper()
	type col struct{ name, typ string }
	var cols []col
	rows, err := s.db.Query("DESCRIBE SELECT * FROM " + rel)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for rows.Next() {
		var c col
		var a, b, d, e any
		if err := rows.Scan(&c.name, &c.typ, &a, &b, &d, &e); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	s.relation++
	var n int64
	s.db.QueryRow("SELECT count(*) FROM " + rel).Scan(&n)
	s.rows += n
	var text []string
	hasKey := false
	for _, c := range cols {
		switch {
		case c.name == "pupil_key":
			hasKey = true
		case c.typ == "VARCHAR":
			text = append(text, fmt.Sprintf(`"%s"`, c.name))
		}
	}
	var found []string
	count := func(what, q string) {
		var n int64
		if err := s.db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %s: %v", name, q, err)
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%s: %d %s", name, n, what))
		}
	}
	if len(text) > 0 {
		vals := fmt.Sprintf(`(SELECT row_number() OVER () AS rid, unnest([%s]) AS v FROM %s)`, strings.Join(text, ", "), rel)
		var nv int64
		s.db.QueryRow("SELECT count(v) FROM " + vals).Scan(&nv)
		s.values += nv
		count("values equal to a UPN", fmt.Sprintf(`SELECT count(*) FROM %s WHERE upper(trim(v)) IN (SELECT upn FROM people)`, vals))
		count("values equal to a pupil's full name", fmt.Sprintf(`SELECT count(*) FROM %s WHERE v IN (SELECT full_name FROM people) OR v IN (SELECT surname || ', ' || forename FROM people)`, vals))
		count("values equal to a pupil's postcode", fmt.Sprintf(`SELECT count(*) FROM %s WHERE upper(replace(v, ' ', '')) IN (SELECT upper(replace(postcode, ' ', '')) FROM people)`, vals))
		count("rows holding a pupil's forename and surname", fmt.Sprintf(`
			WITH u AS (SELECT * FROM %s WHERE v IN (SELECT forename FROM people) OR v IN (SELECT surname FROM people))
			SELECT count(DISTINCT f.rid) FROM u f JOIN u s ON s.rid = f.rid
			JOIN (SELECT DISTINCT forename, surname FROM people) p ON p.forename = f.v AND p.surname = s.v`, vals))
	}
	if hasKey {
		for _, c := range cols {
			var v string
			switch {
			case c.name == "pupil_key":
				continue
			case c.typ == "DATE":
				v = fmt.Sprintf(`x."%s"`, c.name)
			case strings.HasPrefix(c.typ, "TIMESTAMP"):
				v = fmt.Sprintf(`CAST(x."%s" AS DATE)`, c.name)
			case c.typ == "VARCHAR":
				v = fmt.Sprintf(`coalesce(try_cast(x."%[1]s" AS DATE), try_strptime(x."%[1]s", '%%d/%%m/%%Y')::DATE)`, c.name)
			default:
				continue
			}
			count(fmt.Sprintf("rows whose %s is the date of birth of the row's pupil", c.name), fmt.Sprintf(`
				SELECT count(*) FROM %s x JOIN people p ON p.pupil_key = x.pupil_key WHERE %s = p.dob`, rel, v))
		}
	}
	return found
}

// TestPublishedOutputsHoldNoNameOrBirthDateOnTheDemo reads every table of
// the demo's snapshot and every Parquet file through DuckDB (Parquet is
// compressed, so a byte scan would miss a value), and the report's files
// byte by byte, for the census identifiers of the demo's pupils: no value
// is a UPN, a full name ("Forename Surname" or "Surname, Forename"), or a
// postcode; no row holds a pupil's forename and surname together; no row
// carrying a pupil_key holds that pupil's date of birth. The scanner is
// first shown a planted table with each of these, which it must find.
func TestPublishedOutputsHoldNoNameOrBirthDateOnTheDemo(t *testing.T) {
	c, _ := demoDeployment(t)
	key := readKey(t, c)
	census := readCensus(t, c.LandingDir())
	var csvb bytes.Buffer
	w := csv.NewWriter(&csvb)
	w.Write([]string{"pupil_key", "upn", "forename", "surname", "postcode", "dob"})
	full := map[string]bool{}
	postcodes := map[string]bool{}
	for _, p := range census {
		w.Write([]string{hmacKey(key, strings.ToUpper(p.upn)), strings.ToUpper(p.upn), p.forename, p.surname, p.postcode, p.dob})
		if p.forename != "" && p.surname != "" {
			full[p.forename+" "+p.surname] = true
		}
		if p.postcode != "" {
			postcodes[p.postcode] = true
		}
	}
	w.Flush()
	peopleCSV := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(peopleCSV, csvb.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := warehouse.Open("", warehouse.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		fmt.Sprintf(`CREATE TABLE people AS SELECT pupil_key, upn, nullif(forename, '') AS forename, nullif(surname, '') AS surname,
			forename || ' ' || surname AS full_name, nullif(postcode, '') AS postcode, try_cast(dob AS DATE) AS dob
			FROM read_csv('%s', all_varchar = true, header = true)`, peopleCSV),
		fmt.Sprintf(`ATTACH '%s' AS snap (READ_ONLY)`, filepath.Join(c.PublishDir(), "edwh.duckdb")),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	var people, withDOB int64
	db.QueryRow(`SELECT count(DISTINCT pupil_key), count(DISTINCT pupil_key) FILTER (WHERE dob IS NOT NULL) FROM people`).Scan(&people, &withDOB)
	t.Logf("census: %d pupils, %d full names, %d postcodes, %d with a date of birth", people, len(full), len(postcodes), withDOB)

	s := &identifierScan{db: db}
	// The scanner finds what it looks for.
	if _, err := db.Exec(`CREATE TABLE planted AS
		SELECT 'x' AS a, 'y' AS b, NULL AS pupil_key, NULL::DATE AS d UNION ALL
		(SELECT upn, 'ok', NULL, NULL FROM people LIMIT 1) UNION ALL
		(SELECT full_name, 'ok', NULL, NULL FROM people LIMIT 1) UNION ALL
		(SELECT postcode, 'ok', NULL, NULL FROM people WHERE postcode IS NOT NULL LIMIT 1) UNION ALL
		(SELECT forename, surname, NULL, NULL FROM people WHERE surname IS NOT NULL LIMIT 1) UNION ALL
		(SELECT 'ok', 'ok', pupil_key, dob FROM people WHERE dob IS NOT NULL LIMIT 1) UNION ALL
		(SELECT 'ok', strftime(dob, '%d/%m/%Y'), pupil_key, NULL FROM people WHERE dob IS NOT NULL LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	if found := s.scan(t, "planted", "planted"); len(found) != 6 {
		t.Fatalf("the scanner found %d kinds of identifier in the planted table, want 6: %v", len(found), found)
	}
	*s = identifierScan{db: db}

	var tables []string
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_catalog = 'snap' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables in the snapshot", len(tables))
	}
	for _, tb := range tables {
		for _, f := range s.scan(t, "snapshot "+tb, fmt.Sprintf(`snap.main."%s"`, tb)) {
			t.Error(f)
		}
	}
	parquet, _ := filepath.Glob(filepath.Join(c.PublishDir(), "parquet", "*", "*.parquet"))
	more, _ := filepath.Glob(filepath.Join(c.PublishDir(), "parquet", "*", "*", "*.parquet"))
	parquet = append(parquet, more...)
	sort.Strings(parquet)
	if len(parquet) < len(tables)-4 {
		t.Fatalf("only %d Parquet files", len(parquet))
	}
	for _, f := range parquet {
		rel, _ := filepath.Rel(c.PublishDir(), f)
		for _, msg := range s.scan(t, rel, fmt.Sprintf(`read_parquet('%s')`, f)) {
			t.Error(msg)
		}
	}
	t.Logf("%d tables and %d Parquet files read: %d rows, %d text values", len(tables), len(parquet), s.rows, s.values)

	// The report is text: its bytes, for full names and postcodes.
	var reportFiles int
	err = filepath.WalkDir(filepath.Join(c.PublishDir(), "current", "report"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		reportFiles++
		for _, set := range []map[string]bool{full, postcodes} {
			for v := range set {
				if bytes.Contains(b, []byte(v)) {
					t.Errorf("%s holds a pupil's name or postcode", p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report: %d files without a full name or postcode", reportFiles)
}
