// Package census is the school census connector: one row per pupil on roll
// at a census date (autumn, spring or summer), as exported by school MIS
// software or collected by the LA.
package census

import "github.com/edwh/edwh/connectors"

// Source is the school census. An extract is identified by school and
// census date: a re-issued extract for the same school and date supersedes
// the earlier one, which stays in raw.census as history.
var Source = &connectors.Source{
	Name:        "census",
	Table:       "raw.census",
	Description: "school census, one row per pupil on roll",
	SchoolKey:   true,
	Version:     1,
	Fields: []connectors.Field{
		{Name: "upn", Header: "UPN", Aliases: []string{"Unique Pupil Number", "PupilUPN", "Pupil UPN"},
			Kind: connectors.UPN, Required: true, Identifying: true},
		{Name: "census_date", Header: "CensusDate", Aliases: []string{"Census date", "CensusReferenceDate", "Reference date"},
			Kind: connectors.Date, Required: true},
		{Name: "nc_year", Header: "NCyearActual", Aliases: []string{"NC year", "NCYear", "National curriculum year", "Year group", "YearGroup"},
			Kind: connectors.Code, Required: true,
			Codes: []string{"E1", "E2", "N1", "N2", "R", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "X"},
			Map:   map[string]string{"0": "R", "REC": "R", "RECEPTION": "R", "01": "1", "02": "2", "03": "3", "04": "4", "05": "5", "06": "6", "07": "7", "08": "8", "09": "9"}},
		{Name: "gender", Header: "Gender", Aliases: []string{"Sex"}, Kind: connectors.Code,
			Codes: []string{"M", "F", "U"}, Map: map[string]string{"MALE": "M", "FEMALE": "F", "UNKNOWN": "U", "BOY": "M", "GIRL": "F"}},
		{Name: "dob", Header: "DOB", Aliases: []string{"Date of birth", "DateOfBirth", "BirthDate"}, Kind: connectors.Date},
		{Name: "ethnicity", Header: "Ethnicity", Aliases: []string{"Ethnic code", "EthnicCode", "Ethnicity code"},
			Kind: connectors.Code, KeepUnknown: true, Codes: EthnicityCodes},
		{Name: "first_language", Header: "FirstLanguage", Aliases: []string{"Language", "First language code", "Home language"},
			Kind: connectors.Text},
		{Name: "sen_provision", Header: "SENprovision", Aliases: []string{"SEN status", "SENstatus", "SEN", "SEN provision type"},
			Kind: connectors.Code, Required: true, Codes: []string{"E", "K", "N"},
			// Legacy codes, before the 2014 reforms: statement counts with
			// EHC plans; School Action (Plus) with SEN support.
			Map: map[string]string{"S": "E", "A": "K", "P": "K", "Q": "K", "EHC": "E", "EHCP": "E", "EHC PLAN": "E",
				"SEN SUPPORT": "K", "NONE": "N", "NO SEN": "N"}},
		{Name: "sen_primary_need", Header: "SENPrimaryNeed", Aliases: []string{"Primary need", "SEN need", "SEN type", "SENType1"},
			Kind: connectors.Code, Codes: []string{"SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH", "NSA", "DS"},
			Map: map[string]string{"BESD": "SEMH", "DYNA": "DS"}},
		{Name: "fsm_eligible", Header: "FSMeligible", Aliases: []string{"FSM", "FSM eligible", "FreeSchoolMeals", "FSMEligibility"},
			Kind: connectors.Bool, Required: true},
		{Name: "ever_fsm6", Header: "EverFSM6", Aliases: []string{"Ever FSM 6", "FSM6", "EVERFSM_6", "EverFSM"}, Kind: connectors.Bool},
		{Name: "looked_after", Header: "LookedAfter", Aliases: []string{"CLA", "Looked after", "In care", "LAC"}, Kind: connectors.Bool},
		{Name: "adopted_from_care", Header: "AdoptedFromCare", Aliases: []string{"Adopted from care", "PostLAC", "Adopted"}, Kind: connectors.Bool},
	},
	Drop: []string{"Surname", "Forename", "Forenames", "First name", "FirstName", "Legal surname", "Preferred surname",
		"Middle names", "Name", "Full name", "Address", "Address1", "Address2", "Address3", "Street", "Town",
		"Postcode", "Post code", "Telephone", "Email", "Parent", "Contact"},
	RowRules: []connectors.RowRule{
		{Bad: `census_date IS NOT NULL AND (census_date < DATE '1990-01-01' OR census_date > current_date + INTERVAL 366 DAY)`,
			Column: "census_date", Reason: "census date out of range: before 1990 or more than a year ahead"},
	},
	Supersede: []string{`coalesce(CAST({laestab} AS VARCHAR), 'urn' || CAST({urn} AS VARCHAR))`, `{census_date}`},
}

// EthnicityCodes are the DfE main ethnicity codes. Extended codes are kept
// and flagged as unknown rather than lost.
var EthnicityCodes = []string{"WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH",
	"AIND", "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT"}
