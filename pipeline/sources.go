package pipeline

import (
	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/census"
	"github.com/edwh/edwh/connectors/establishments"
	"github.com/edwh/edwh/connectors/perfcensus"
)

// Sources are every source edwh reads, in the order they load: reference
// data first, so that school keys resolve.
func Sources() []*connectors.Source {
	return []*connectors.Source{
		establishments.Source,
		census.Source,
		perfcensus.Source,
	}
}

// SourceByName returns the named source, or nil.
func SourceByName(name string) *connectors.Source {
	for _, s := range Sources() {
		if s.Name == name {
			return s
		}
	}
	return nil
}
