// Package sql holds edwh's SQL, embedded in the binary: the operational schema
// (ops/), the helper macros every connection gets (macros.sql), the models that
// build staging tables and marts (models/), and the data checks (checks/).
//
// Everything here is plain SQL an analyst can read without knowing Go. Models
// start with a comment header that names them and their inputs; see the
// transforms package for the header syntax.
package sql

import "embed"

// FS is the embedded tree: ops/*.sql, macros.sql, models/**/*.sql, checks/*.sql.
//
//go:embed ops/*.sql macros.sql models checks dictionary.csv
var FS embed.FS
