package connectors

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// XLSXLimits bound what opening a workbook may unpack, so that a zip bomb
// named .xlsx is refused rather than filling memory.
type XLSXLimits struct {
	// UnzipSize is the most bytes the whole workbook may unpack to
	// (default 1 GiB).
	UnzipSize int64
	// UnzipXMLSize is the most one worksheet may unpack to before it is
	// streamed from a temporary file rather than memory (default 64 MiB).
	UnzipXMLSize int64
}

func (l XLSXLimits) withDefaults() XLSXLimits {
	if l.UnzipSize <= 0 {
		l.UnzipSize = 1 << 30
	}
	if l.UnzipXMLSize <= 0 {
		l.UnzipXMLSize = 64 << 20
	}
	return l
}

// xlsxResult describes a workbook converted to CSV.
type xlsxResult struct {
	Sheet      string
	HeaderLine int // the header's row number in the sheet
	Mapping    *Mapping
	Rows       int64 // data rows written
	Blank      int64 // empty rows skipped
}

// xlsxToCSV streams one sheet of a workbook into a UTF-8 CSV at dst, from
// the header row on: the first column, __line, is the sheet row number, so
// every loaded or quarantined row names the row an analyst sees in Excel.
// Cell values are read raw (dates as serial day numbers, which edwh_date
// understands) and formulas as their cached values. Empty rows are skipped
// and counted.
func xlsxToCSV(path, dst, sheet string, lim XLSXLimits, hs *headerSearch) (*xlsxResult, error) {
	lim = lim.withDefaults()
	f, err := excelize.OpenFile(path, excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    lim.UnzipSize,
		UnzipXMLSizeLimit: lim.UnzipXMLSize,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWorkbook, err)
	}
	defer f.Close()
	if sheet == "" {
		list := f.GetSheetList()
		if len(list) == 0 {
			return nil, fmt.Errorf("%w: no worksheets", ErrWorkbook)
		}
		sheet = list[0]
	} else if idx, _ := f.GetSheetIndex(sheet); idx < 0 {
		return nil, fmt.Errorf("%w: no sheet named %q (sheets: %v)", ErrWorkbook, sheet, f.GetSheetList())
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWorkbook, err)
	}
	defer rows.Close()

	out, err := os.Create(dst)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	w := csv.NewWriter(bw)
	res := &xlsxResult{Sheet: sheet}
	var width int
	rowNum := 0
	record := []string{}
	for rows.Next() {
		rowNum++
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			out.Close()
			return nil, fmt.Errorf("%w: row %d: %v", ErrWorkbook, rowNum, err)
		}
		if res.Mapping == nil {
			if rowNum > headerSearchRows {
				break
			}
			if m, ok := hs.try(cols, rowNum); ok {
				res.Mapping, res.HeaderLine, width = m, rowNum, len(cols)
			}
			continue
		}
		empty := true
		for _, c := range cols {
			if c != "" {
				empty = false
				break
			}
		}
		if empty {
			res.Blank++
			continue
		}
		record = append(record[:0], strconv.Itoa(rowNum))
		for i := 0; i < width; i++ {
			v := ""
			if i < len(cols) {
				v = cols[i]
			}
			record = append(record, v)
		}
		if err := w.Write(record); err != nil {
			out.Close()
			return nil, err
		}
		res.Rows++
	}
	if err := rows.Error(); err != nil {
		out.Close()
		return nil, fmt.Errorf("%w: %v", ErrWorkbook, err)
	}
	w.Flush()
	if err := errors.Join(w.Error(), bw.Flush(), out.Close()); err != nil {
		return nil, err
	}
	if res.Mapping == nil {
		return nil, hs.err()
	}
	return res, nil
}
