package pipeline

import (
	"github.com/edwh/edwh/connectors"
	"github.com/edwh/edwh/connectors/attendance"
	"github.com/edwh/edwh/connectors/audit"
	"github.com/edwh/edwh/connectors/census"
	"github.com/edwh/edwh/connectors/ees"
	"github.com/edwh/edwh/connectors/establishments"
	"github.com/edwh/edwh/connectors/exclusions"
	"github.com/edwh/edwh/connectors/interventions"
	"github.com/edwh/edwh/connectors/ks1"
	"github.com/edwh/edwh/connectors/ks2"
	"github.com/edwh/edwh/connectors/ks4"
	"github.com/edwh/edwh/connectors/lacodes"
	"github.com/edwh/edwh/connectors/neighbours"
	"github.com/edwh/edwh/connectors/p8estimates"
	"github.com/edwh/edwh/connectors/perfabs"
	"github.com/edwh/edwh/connectors/perfcensus"
	"github.com/edwh/edwh/connectors/perfks2"
	"github.com/edwh/edwh/connectors/perfks4"
)

// Sources are every source edwh reads, in the order they load: reference
// data first, so that school keys resolve. The order matters only for
// establishments; DfE's Attainment 8 estimates sit beside the KS4 results
// they are compared with.
func Sources() []*connectors.Source {
	return []*connectors.Source{
		establishments.Source,
		census.Source,
		ks1.Source,
		ks2.Source,
		p8estimates.Source,
		ks4.Source,
		attendance.Source,
		exclusions.Source,
		interventions.Source,
		audit.Source,
		perfcensus.Source,
		perfks2.Source,
		perfks4.Source,
		perfabs.Source,
		ees.Source,
		neighbours.Source,
		lacodes.Source,
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
