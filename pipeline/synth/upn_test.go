package synth

import "testing"

func TestUPNCheckLetter(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    byte
		wantErr bool
	}{
		{name: "DfE test vector", body: "801200005001", want: 'B'},
		{name: "all zeros", body: "000000000000", want: 'A'},
		{name: "temporary UPN ends in a letter", body: "85120221401A", want: makeUPN("85120221401A")[0]},
		{name: "too short", body: "80120000500", wantErr: true},
		{name: "too long", body: "8012000050011", wantErr: true},
		{name: "letter I is not in the alphabet", body: "80120000500I", wantErr: true},
		{name: "letter inside the body", body: "8012A0005001", wantErr: true},
		{name: "lower case", body: "80120000500a", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UPNCheckLetter(tt.body)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("UPNCheckLetter(%q) = %q, want an error", tt.body, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("UPNCheckLetter(%q) = %q, %v; want %q", tt.body, got, err, tt.want)
			}
		})
	}
}

// TestUPNCheckLetterByHand recomputes a temporary UPN's check letter from
// the rule in dfe-methods 6.1, independently of the implementation.
func TestUPNCheckLetterByHand(t *testing.T) {
	body := "85120221401A" // A is letter 0 of the alphabet
	sum := 0
	for i, c := range body[:11] {
		sum += int(c-'0') * (i + 2)
	}
	want := "ABCDEFGHJKLMNPQRTUVWXYZ"[sum%23]
	if got, err := UPNCheckLetter(body); err != nil || got != want {
		t.Fatalf("UPNCheckLetter(%q) = %q, %v; want %q", body, got, err, want)
	}
}

func TestValidUPN(t *testing.T) {
	tests := []struct {
		name string
		upn  string
		want bool
	}{
		{"DfE valid vector", "B801200005001", true},
		{"DfE invalid vector", "A801200005001", false},
		{"generated temporary", makeUPN("85120221401A"), true},
		{"wrong length", "B80120000500", false},
		{"empty", "", false},
		{"check letter I never valid", "I801200005001", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validUPN(tt.upn); got != tt.want {
				t.Fatalf("validUPN(%q) = %v, want %v", tt.upn, got, tt.want)
			}
		})
	}
}
