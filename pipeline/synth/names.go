package synth

import (
	"fmt"
	"math/rand/v2"
)

// This file holds the fixed tables the generator draws from: names, codes
// and their shares. They are arrays and slices that are only read.

// choice is a value with a relative weight.
type choice struct {
	v string
	w float64
}

// pick draws one value from cs with probability proportional to weight.
func pick(r *rand.Rand, cs []choice) string {
	total := 0.0
	for _, c := range cs {
		total += c.w
	}
	x := r.Float64() * total
	for _, c := range cs {
		x -= c.w
		if x < 0 {
			return c.v
		}
	}
	return cs[len(cs)-1].v
}

// ethnicities holds the DfE main ethnicity codes with shares close to a
// mostly White British English LA.
var ethnicities = []choice{
	{"WBRI", 70.0}, {"WIRI", 0.4}, {"WIRT", 0.1}, {"WOTH", 5.5}, {"WROM", 0.4},
	{"MWBC", 1.5}, {"MWBA", 0.6}, {"MWAS", 1.3}, {"MOTH", 1.8},
	{"AIND", 2.5}, {"APKN", 4.0}, {"ABAN", 1.5}, {"AOTH", 1.8},
	{"BCRB", 1.0}, {"BAFR", 3.2}, {"BOTH", 0.6},
	{"CHNE", 0.4}, {"OOTH", 1.6}, {"REFU", 0.5}, {"NOBT", 0.8},
}

// knownEthnicity reports whether code is one of the DfE main codes.
func knownEthnicity(code string) bool {
	for _, c := range ethnicities {
		if c.v == code {
			return true
		}
	}
	return false
}

// firstLanguage draws a first language code given the ethnicity code. The
// detailed codes are the DfE three-letter language codes.
func firstLanguage(r *rand.Rand, eth string) string {
	var cs []choice
	switch eth {
	case "WBRI", "WIRI", "BCRB":
		cs = []choice{{"ENG", 99.2}, {"ENB", 0.5}, {"NOT", 0.3}}
	case "WOTH":
		cs = []choice{{"ENG", 30}, {"POL", 30}, {"LIT", 8}, {"RUM", 10}, {"POR", 6}, {"OTH", 14}, {"OTB", 2}}
	case "WROM", "WIRT":
		cs = []choice{{"ENG", 40}, {"RMY", 10}, {"SLO", 20}, {"OTH", 30}}
	case "MWBC", "MWBA", "MWAS", "MOTH":
		cs = []choice{{"ENG", 90}, {"OTH", 6}, {"ENB", 2}, {"NOT", 2}}
	case "AIND":
		cs = []choice{{"ENG", 35}, {"GUJ", 25}, {"PNJ", 20}, {"TAM", 8}, {"OTH", 12}}
	case "APKN":
		cs = []choice{{"ENG", 30}, {"URD", 45}, {"PNJ", 18}, {"OTB", 4}, {"OTH", 3}}
	case "ABAN":
		cs = []choice{{"ENG", 25}, {"BNG", 62}, {"SYL", 10}, {"OTH", 3}}
	case "AOTH":
		cs = []choice{{"ENG", 35}, {"TAM", 15}, {"NEP", 10}, {"OTH", 40}}
	case "BAFR":
		cs = []choice{{"ENG", 40}, {"SOM", 22}, {"YOR", 12}, {"ARA", 6}, {"OTH", 20}}
	case "BOTH":
		cs = []choice{{"ENG", 75}, {"OTH", 25}}
	case "CHNE":
		cs = []choice{{"ENG", 35}, {"CHI", 45}, {"OTH", 20}}
	case "OOTH":
		cs = []choice{{"ENG", 30}, {"ARA", 35}, {"KUR", 15}, {"OTH", 20}}
	default: // REFU, NOBT
		cs = []choice{{"ENG", 70}, {"NOT", 20}, {"REF", 10}}
	}
	return pick(r, cs)
}

// nameGroup says which name lists suit an ethnicity.
func nameGroup(eth string) int {
	switch eth {
	case "AIND", "APKN", "ABAN", "AOTH":
		return 1
	case "BAFR", "BOTH":
		return 2
	case "WOTH", "WROM":
		return 3
	}
	return 0
}

var surnames = [4][]string{
	{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
		"Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
		"Patel", "Harris", "Lewis", "Turner", "Hill", "Cooper", "Ward", "Morris", "Moore", "Clark",
		"Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson",
		"Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
		"Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan",
		"Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman",
		"Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews",
		"Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker",
		"Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "O'Brien", "O'Connor", "Atkinson", "Pearson",
		"Fletcher", "Hughes", "Lowe", "Metcalfe", "Sutcliffe", "Haigh", "Brook", "Hirst", "Ackroyd", "Crowther"},
	{"Patel", "Khan", "Ali", "Hussain", "Ahmed", "Begum", "Singh", "Shah", "Akhtar", "Iqbal",
		"Mahmood", "Rahman", "Islam", "Uddin", "Miah", "Kaur", "Sharma", "Kumar", "Chowdhury", "Malik",
		"Butt", "Bibi", "Aziz", "Rashid", "Mistry", "Gill", "Sandhu", "Choudhury", "Hassan", "Anwar"},
	{"Okafor", "Mensah", "Adeyemi", "Mohamed", "Osei", "Abdi", "Nwosu", "Boateng", "Okonkwo", "Asante",
		"Hassan", "Ibrahim", "Adebayo", "Owusu", "Kamara", "Diallo", "Farah", "Ogunleye", "Tesfaye", "Mwangi"},
	{"Kowalski", "Nowak", "Wisniewski", "Kaminski", "Lewandowski", "Popescu", "Ionescu", "Kazlauskas", "Santos", "Silva",
		"Horvath", "Dumitru", "Zielinski", "Petrov", "Ferreira", "Balogh", "Stan", "Jankowski", "Varga", "Oliveira"},
}

// accentedSurnames carry é, which Windows-1252 writes as the single byte
// 0xE9; every census file has some.
var accentedSurnames = []string{"Pérez", "Hébert", "Dubé", "Bédard", "Rodríguez"}

var forenames = [4][2][]string{
	{ // general
		{"Oliver", "Harry", "Jack", "George", "Noah", "Charlie", "Jacob", "Alfie", "Freddie", "Oscar",
			"Leo", "Logan", "Archie", "Theo", "Thomas", "James", "Joshua", "Henry", "William", "Max",
			"Lucas", "Ethan", "Arthur", "Mason", "Isaac", "Harrison", "Teddy", "Finley", "Daniel", "Riley",
			"Edward", "Joseph", "Samuel", "Tyler", "Dylan", "Reuben", "Jayden", "Alexander", "Luca", "Ryan"},
		{"Olivia", "Amelia", "Isla", "Ava", "Emily", "Isabella", "Mia", "Poppy", "Ella", "Lily",
			"Evie", "Grace", "Sophia", "Sophie", "Freya", "Charlotte", "Daisy", "Ruby", "Chloe", "Millie",
			"Jessica", "Phoebe", "Ellie", "Florence", "Matilda", "Scarlett", "Lucy", "Holly", "Erin", "Alice",
			"Rosie", "Evelyn", "Harriet", "Layla", "Imogen", "Maisie", "Hannah", "Zoe", "Amber", "Megan"},
	},
	{ // South Asian
		{"Muhammad", "Mohammed", "Ayaan", "Hamza", "Ibrahim", "Yusuf", "Zayn", "Arjun", "Aarav", "Rayyan",
			"Ali", "Umar", "Zakariya", "Harjot", "Rohan", "Abdullah", "Ishaan", "Bilal", "Idris", "Musa"},
		{"Aisha", "Maryam", "Fatima", "Zara", "Hafsa", "Inaaya", "Amira", "Priya", "Anaya", "Khadija",
			"Sana", "Safa", "Simran", "Aleena", "Zainab", "Eshal", "Hana", "Ruqayyah", "Navneet", "Iqra"},
	},
	{ // Black African
		{"David", "Daniel", "Emmanuel", "Samuel", "Kwame", "Chidi", "Tobi", "Abdirahman", "Joshua", "Kofi",
			"Mohamed", "Ayo", "Tunde", "Isaac", "Jeremiah"},
		{"Amara", "Ama", "Blessing", "Esther", "Favour", "Hodan", "Ifeoma", "Precious", "Ruth", "Sumaya",
			"Temi", "Deborah", "Grace", "Naomi", "Ayan"},
	},
	{ // Eastern European
		{"Jakub", "Szymon", "Filip", "Antoni", "Andrei", "Matei", "Lukas", "Kacper", "Mateusz", "Denis",
			"Adam", "Ionut", "Tomas", "David", "Marek"},
		{"Zofia", "Julia", "Maja", "Hanna", "Alicja", "Ioana", "Maria", "Amelia", "Lena", "Natalia",
			"Emilia", "Elena", "Gabriela", "Oliwia", "Ana"},
	},
}

// pupilName draws a surname and forename suited to the ethnicity and
// gender. About one pupil in 80 gets a surname with an accent.
func pupilName(r *rand.Rand, eth string, gender byte) (surname, forename string) {
	ng := nameGroup(eth)
	if r.IntN(80) == 0 {
		surname = accentedSurnames[r.IntN(len(accentedSurnames))]
	} else {
		surname = surnames[ng][r.IntN(len(surnames[ng]))]
	}
	gi := 0
	if gender == 'F' {
		gi = 1
	}
	// Names cross groups too, as they do.
	fg := ng
	if r.IntN(6) == 0 {
		fg = 0
	}
	list := forenames[fg][gi]
	forename = list[r.IntN(len(list))]
	return surname, forename
}

// needsK and needsE hold primary need types with shares for SEN support
// (K) and EHC plans (E).
var needsK = []choice{
	{"SLCN", 24}, {"MLD", 21}, {"SEMH", 20}, {"SPLD", 13}, {"ASD", 7}, {"OTH", 4},
	{"NSA", 3}, {"PD", 3}, {"HI", 1.5}, {"VI", 1}, {"SLD", 0.5}, {"MSI", 0.2},
}

var needsE = []choice{
	{"ASD", 30}, {"SLCN", 15}, {"SEMH", 14}, {"SLD", 12}, {"MLD", 10}, {"PD", 6},
	{"PMLD", 4}, {"SPLD", 4}, {"HI", 2}, {"OTH", 2}, {"VI", 1}, {"MSI", 0.5},
}

// needFor draws a primary need for SEN provision code sen (K or E).
func needFor(r *rand.Rand, sen byte) string {
	if sen == 'E' {
		return pick(r, needsE)
	}
	return pick(r, needsK)
}

// postcodeAreas are the postcode areas the synthetic LA spans.
var postcodeAreas = []string{"DN", "HU", "LS", "YO", "WF"}

// postcode draws a realistic UK-format postcode such as "LS14 6QT".
func postcode(r *rand.Rand) string {
	const inward = "ABDEFGHJLNPQRSTUWXYZ"
	return fmt.Sprintf("%s%d %d%c%c", postcodeAreas[r.IntN(len(postcodeAreas))], 1+r.IntN(29), r.IntN(10),
		inward[r.IntN(len(inward))], inward[r.IntN(len(inward))])
}

// places are fictional place names for school names.
var places = []string{
	"Northfield", "Westbrook", "Ashby", "Hollins", "Kirkby", "Marsden", "Thornton", "Oakwood", "Elmhurst", "Redhill",
	"Brookside", "Fenwick", "Langley", "Moorside", "Highfield", "Ravensworth", "Bramley", "Carlton", "Denby", "Eastfield",
	"Fairfield", "Greenhill", "Hawthorn", "Ingleby", "Kingsmead", "Lowther", "Meadowbank", "Newlands", "Orchard Park", "Parkside",
	"Queensbury", "Riverside", "Southgate", "Templeton", "Upton", "Woodlands", "Yarborough", "Ashfield", "Beckfield", "Castleton",
	"Dunmore", "Eldon", "Fernhill", "Gorsebrook", "Hartley", "Ivy Bank", "Kelbrook", "Lindley", "Milnthorpe", "Netherton",
	"Overdale", "Pennington", "Rishworth", "Saltaire", "Thorpe Edge", "Underwood", "Victoria Park", "Whitcliffe", "Almondbury", "Birchencliffe",
	"Cawthorne", "Darton", "Emley", "Flockton", "Golcar", "Honley", "Kexborough", "Linthwaite", "Meltham", "Netherfield",
	"Outlane", "Paddock", "Royston", "Skelmanthorpe", "Thurstonland", "Wooldale", "Scissett", "Hepworth", "Marsh Lane", "Crosland Moor",
	"Brackenhall", "Cowlersley", "Deighton", "Fixby", "Grange Moor", "Hade Edge", "Jackson Bridge", "Lepton", "Mirfield", "Newsome",
	"Rastrick", "Shelley", "Slaithwaite", "Stainland", "Thongsbridge", "Walsden", "Brighouse", "Elland", "Sowerby", "Luddenden",
}

var saints = []string{
	"St Mary's", "St John's", "St Peter's", "St Paul's", "St Anne's", "St Joseph's", "St Bede's", "St Cuthbert's",
	"St Michael's", "St Aidan's", "St Hilda's", "St Oswald's", "St Chad's", "St Thomas'", "St Patrick's", "St Andrew's",
	"St Wilfrid's", "St Helen's", "St Margaret's", "St Luke's",
}
