package oms

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validAddress returns a valid address in country with postal code pc; the
// region is set where one is required.
func validAddress(country, pc string) Address {
	a := Address{
		Name:       "Ada Lovelace",
		Line1:      "1 Main Street",
		City:       "Springfield",
		PostalCode: pc,
		Country:    country,
	}
	if regionRequired[country] {
		a.Region = "XX"
	}
	return a
}

func TestPostalCodeRules(t *testing.T) {
	tests := map[string]struct{ good, bad []string }{
		"US": {[]string{"94105", "94105-1234", "00501"}, []string{"9410", "941051", "94105-12", "94105 1234", "ABCDE", "94105-"}},
		"CA": {[]string{"K1A 0B1", "K1A0B1", "V6B 4Y8", "H0H 0H0"}, []string{"K1A 0B", "D1A 0B1", "K1A 0D1", "W1A 0B1", "123456", "K1A  0B1"}},
		"GB": {[]string{"SW1A 1AA", "SW1A1AA", "EC1A 1BB", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "GIR 0AA"}, []string{"SW1A", "1AA SW1", "SW1A 1A", "SW1A 1AAA", "ABC1 1AA"}},
		"DE": {[]string{"10115", "01067"}, []string{"1011", "101155", "1011A", "D-10115"}},
		"FR": {[]string{"75008", "97400"}, []string{"7500", "750081", "75 008", "2A004"}},
		"NL": {[]string{"1012 AB", "1012AB", "9999 ZZ"}, []string{"0123 AB", "1012 A", "1012-AB", "1012 ABC", "1012"}},
		"AU": {[]string{"2000", "0800"}, []string{"200", "20000", "NSW 2000"}},
		"JP": {[]string{"100-0001", "1000001"}, []string{"100-001", "1000-001", "100 0001", "〒100-0001"}},
		"IN": {[]string{"110001", "110 001", "560034"}, []string{"011001", "11001", "1100011", "110-001"}},
		"BR": {[]string{"01310-100", "01310100"}, []string{"01310-10", "0131-0100", "01310 100", "013101000"}},
		"ES": {[]string{"28013"}, []string{"2801"}},
		"IT": {[]string{"00184"}, []string{"I-00184"}},
		"AT": {[]string{"1010"}, []string{"10100"}},
		"BE": {[]string{"1000"}, []string{"B1000"}},
		"CH": {[]string{"8001"}, []string{"800"}},
		"DK": {[]string{"1050"}, []string{"DK-1050"}},
		"NO": {[]string{"0150"}, []string{"01500"}},
		"SE": {[]string{"114 55", "11455"}, []string{"1145", "114-55"}},
		"PL": {[]string{"00-950"}, []string{"00950", "00-95"}},
		"MX": {[]string{"06600"}, []string{"6600"}},
	}
	var ruled []string
	for c := range postalRules {
		ruled = append(ruled, c)
		if !PostalCodeChecked(c) {
			t.Errorf("PostalCodeChecked(%q) = false", c)
		}
	}
	sort.Strings(ruled)
	var tested []string
	for c := range tests {
		tested = append(tested, c)
	}
	sort.Strings(tested)
	if diff := cmp.Diff(ruled, tested); diff != "" {
		t.Errorf("countries with a rule vs countries tested (-rules +tests):\n%s", diff)
	}
	for country, tc := range tests {
		for _, pc := range tc.good {
			if err := validAddress(country, pc).Validate(); err != nil {
				t.Errorf("%s %q: %v", country, pc, err)
			}
		}
		for _, pc := range tc.bad {
			err := validAddress(country, pc).Validate()
			if diff := cmp.Diff([]string{"postal_code"}, problemFields(err)); diff != "" {
				t.Errorf("%s %q: problem fields (-want +got):\n%s\n%v", country, pc, diff, err)
			}
		}
		// A postal code is required where its format is checked.
		err := validAddress(country, "").Validate()
		if diff := cmp.Diff([]string{"postal_code"}, problemFields(err)); diff != "" {
			t.Errorf("%s without postal code: problem fields (-want +got):\n%s", country, diff)
		}
	}
	for _, c := range []string{"IE", "HK", "XX", ""} {
		if PostalCodeChecked(c) {
			t.Errorf("PostalCodeChecked(%q) = true", c)
		}
	}
	// Countries without a rule take any postal code, or none.
	for _, pc := range []string{"", "D02 X285", "anything"} {
		if err := validAddress("IE", pc).Validate(); err != nil {
			t.Errorf("IE %q: %v", pc, err)
		}
	}
}

func TestAddressValidateBadInput(t *testing.T) {
	us := validAddress("US", "94105")
	us.Region = "CA"
	with := func(f func(a *Address)) Address {
		a := us
		f(&a)
		return a
	}
	tests := []struct {
		name   string
		in     Address
		fields []string
		text   string
	}{
		{name: "valid", in: us},
		{name: "company instead of name", in: with(func(a *Address) { a.Name, a.Company = "", "Acme Inc." })},
		{name: "full", in: with(func(a *Address) {
			a.Company, a.Line2, a.Phone, a.Email, a.Residential = "Acme", "Suite 5", "+1 (415) 555-0100", "ada@example.com", true
		})},
		{name: "empty", in: Address{}, fields: []string{"name", "line1", "city", "country"},
			text: "oms: invalid address: name: a name or a company is required; line1: is required; city: is required; country: is required"},
		{name: "blank fields", in: Address{Name: "  ", Line1: " ", City: "\u00a0", Country: "US"}, fields: []string{"name", "line1", "city", "region", "postal_code"}},
		{name: "unknown country", in: with(func(a *Address) { a.Country = "XX" }), fields: []string{"country"},
			text: `oms: invalid address: country: "XX" is not an ISO 3166-1 alpha-2 code`},
		{name: "three-letter country", in: with(func(a *Address) { a.Country = "USA" }), fields: []string{"country"}},
		{name: "lower-case country", in: with(func(a *Address) { a.Country = "us" }), fields: []string{"country"}},
		{name: "country with spaces", in: with(func(a *Address) { a.Country = " US" }), fields: []string{"country"}},
		{name: "wrong country for postal code", in: with(func(a *Address) { a.Country = "CA" }), fields: []string{"postal_code"}},
		{name: "lower-case postal code", in: validAddress("GB", "sw1a 1aa"), fields: []string{"postal_code"}},
		{name: "name too long", in: with(func(a *Address) { a.Name = strings.Repeat("n", MaxNameLength+1) }), fields: []string{"name"},
			text: "oms: invalid address: name: is longer than 100 characters"},
		{name: "name at limit in runes", in: with(func(a *Address) { a.Name = strings.Repeat("é", MaxNameLength) })},
		{name: "company too long", in: with(func(a *Address) { a.Company = strings.Repeat("c", MaxNameLength+1) }), fields: []string{"company"}},
		{name: "line1 too long", in: with(func(a *Address) { a.Line1 = strings.Repeat("l", MaxAddressLine+1) }), fields: []string{"line1"}},
		{name: "line2 too long", in: with(func(a *Address) { a.Line2 = strings.Repeat("l", MaxAddressLine+1) }), fields: []string{"line2"}},
		{name: "city too long", in: with(func(a *Address) { a.City = strings.Repeat("c", MaxCityLength+1) }), fields: []string{"city"}},
		{name: "region too long", in: with(func(a *Address) { a.Region = strings.Repeat("r", MaxRegionLength+1) }), fields: []string{"region"}},
		{name: "postal code too long", in: with(func(a *Address) { a.PostalCode = strings.Repeat("9", MaxPostalCodeLength+1) }), fields: []string{"postal_code"},
			text: "oms: invalid address: postal_code: is longer than 16 characters"},
		{name: "phone too long", in: with(func(a *Address) { a.Phone = strings.Repeat("1", MaxPhoneLength+1) }), fields: []string{"phone"}},
		{name: "email too long", in: with(func(a *Address) { a.Email = strings.Repeat("e", MaxEmailLength-11) + "@example.com" }), fields: []string{"email"}},
		{name: "invalid UTF-8 name", in: with(func(a *Address) { a.Name = "Ada \xff" }), fields: []string{"name"},
			text: "oms: invalid address: name: is not valid UTF-8"},
		{name: "invalid UTF-8 everywhere", in: Address{Name: "\xc3", Company: "\xc3", Line1: "\xff", Line2: "\xfe", City: "\x80", Region: "\xed\xa0\x80", PostalCode: "\xff", Country: "\xff", Phone: "\xff", Email: "\xff"},
			fields: []string{"name", "company", "line1", "line2", "city", "country", "region", "postal_code", "phone", "email"}},
		{name: "control character", in: with(func(a *Address) { a.Line2 = "Apt 4\nDROP TABLE" }), fields: []string{"line2"},
			text: "oms: invalid address: line2: contains control characters"},
		{name: "NUL in city", in: with(func(a *Address) { a.City = "Spring\x00field" }), fields: []string{"city"}},
		{name: "tab in name", in: with(func(a *Address) { a.Name = "Ada\tLovelace" }), fields: []string{"name"}},
		{name: "C1 control in line1", in: with(func(a *Address) { a.Line1 = "1 Main\u0085Street" }), fields: []string{"line1"}},
		{name: "phone with letters", in: with(func(a *Address) { a.Phone = "call me" }), fields: []string{"phone"},
			text: `oms: invalid address: phone: has 'c', which is not a digit or separator`},
		{name: "phone too short", in: with(func(a *Address) { a.Phone = "123" }), fields: []string{"phone"},
			text: "oms: invalid address: phone: must have 5 to 15 digits, has 3"},
		{name: "phone too many digits", in: with(func(a *Address) { a.Phone = "1234567890123456" }), fields: []string{"phone"}},
		{name: "phone plus inside", in: with(func(a *Address) { a.Phone = "1+4155550100" }), fields: []string{"phone"}},
		{name: "phone separators", in: with(func(a *Address) { a.Phone = "+44 20.7946-0958" })},
		{name: "email without at", in: with(func(a *Address) { a.Email = "ada.example.com" }), fields: []string{"email"}},
		{name: "email without dot in domain", in: with(func(a *Address) { a.Email = "ada@localhost" }), fields: []string{"email"}},
		{name: "email with display name", in: with(func(a *Address) { a.Email = "Ada <ada@example.com>" }), fields: []string{"email"}},
		{name: "email with two ats", in: with(func(a *Address) { a.Email = "ada@@example.com" }), fields: []string{"email"}},
		{name: "email with space", in: with(func(a *Address) { a.Email = "ada lovelace@example.com" }), fields: []string{"email"}},
		{name: "email with plus and subdomain", in: with(func(a *Address) { a.Email = "ada+orders@mail.example.co.uk" })},
		{name: "missing region US", in: with(func(a *Address) { a.Region = "" }), fields: []string{"region"},
			text: "oms: invalid address: region: is required"},
		{name: "region given in CA", in: validAddress("CA", "K1A 0B1")},
		{name: "region not required in DE", in: validAddress("DE", "10115")},
		{name: "several problems", in: Address{Company: "Acme", Line1: "1 Main St", City: "Toronto", Country: "CA", PostalCode: "12345", Phone: "x", Email: "nope"},
			fields: []string{"region", "postal_code", "phone", "email"}},
	}
	for _, country := range []string{"US", "CA", "AU", "BR", "IN", "MX"} {
		a := validAddress(country, map[string]string{"US": "94105", "CA": "K1A 0B1", "AU": "2000", "BR": "01310-100", "IN": "110001", "MX": "06600"}[country])
		a.Region = ""
		tests = append(tests, struct {
			name   string
			in     Address
			fields []string
			text   string
		}{name: "missing region " + country + " required", in: a, fields: []string{"region"}})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.Validate()
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrValidation) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			if ve.Entity != "address" {
				t.Errorf("Entity = %q, want address", ve.Entity)
			}
			if diff := cmp.Diff(tc.fields, problemFields(err)); diff != "" {
				t.Errorf("problem fields (-want +got):\n%s\n%v", diff, err)
			}
			if tc.text != "" && err.Error() != tc.text {
				t.Errorf("Error() = %q, want %q", err.Error(), tc.text)
			}
		})
	}
}

func TestAddressNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   Address
		want Address
	}{
		{
			name: "loose input",
			in: Address{
				Name: "  Ada   Lovelace ", Company: " Acme\t Inc ", Line1: " 1  Main St ", Line2: "  ",
				City: " San  Francisco ", Region: " ca ", PostalCode: " 94105 ", Country: " us ",
				Phone: " +1  415 555 0100 ", Email: "  ada@example.com ", Residential: true,
			},
			want: Address{
				Name: "Ada Lovelace", Company: "Acme Inc", Line1: "1 Main St", Line2: "",
				City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US",
				Phone: "+1 415 555 0100", Email: "ada@example.com", Residential: true,
			},
		},
		{
			name: "postal code upper case and single spaces",
			in:   Address{PostalCode: "sw1a   1aa", Country: "gb"},
			want: Address{PostalCode: "SW1A 1AA", Country: "GB"},
		},
		{
			name: "non-ASCII region upper-cased, country ASCII only",
			in:   Address{Region: "île-de-france", Country: "fſ"},
			want: Address{Region: "ÎLE-DE-FRANCE", Country: "Fſ"},
		},
		{
			name: "invalid UTF-8 kept for Validate",
			in:   Address{Name: " \xffAda  ", Region: " \xffca ", PostalCode: "ab\xff"},
			want: Address{Name: "\xffAda", Region: "\xffca", PostalCode: "ab\xff"},
		},
		{name: "empty", in: Address{}, want: Address{}},
	}
	for _, tc := range tests {
		got := tc.in.Normalize()
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		if again := got.Normalize(); again != got {
			t.Errorf("%s: Normalize is not idempotent: %+v then %+v", tc.name, got, again)
		}
	}
	// Normalize fixes what Validate rejects in loose input.
	loose := Address{Name: " Ada ", Line1: "1 Main St", City: "Toronto", Region: "on", PostalCode: "k1a 0b1", Country: "ca"}
	if err := loose.Validate(); err == nil {
		t.Error("Validate accepted a lower-case country")
	}
	if err := loose.Normalize().Validate(); err != nil {
		t.Errorf("Normalize().Validate(): %v", err)
	}
	// Invalid UTF-8 survives Normalize and is still reported.
	bad := Address{Name: "Ada", Line1: "1 Main St", City: "Toronto", Region: "\xff", PostalCode: "K1A 0B1", Country: "CA"}
	if diff := cmp.Diff([]string{"region"}, problemFields(bad.Normalize().Validate())); diff != "" {
		t.Errorf("Normalize hid invalid UTF-8 (-want +got):\n%s", diff)
	}
}

func TestCountries(t *testing.T) {
	for code, want := range map[string]bool{"US": true, "GB": true, "DE": true, "us": false, "UK": false, "XK": false, "": false, "USA": false} {
		if got := ValidCountry(code); got != want {
			t.Errorf("ValidCountry(%q) = %v, want %v", code, got, want)
		}
	}
	if got := CountryName("DE"); got != "Germany" {
		t.Errorf("CountryName(DE) = %q", got)
	}
	if got := CountryName("ZZ"); got != "" {
		t.Errorf("CountryName(ZZ) = %q", got)
	}
}

// addressFields are the field paths Validate may report.
var addressFields = map[string]bool{
	"name": true, "company": true, "line1": true, "line2": true, "city": true, "region": true,
	"postal_code": true, "country": true, "phone": true, "email": true,
}

func FuzzAddressValidate(f *testing.F) {
	f.Add("Ada Lovelace", "", "1 Main St", "", "San Francisco", "CA", "94105", "US", "+1 415 555 0100", "ada@example.com", false)
	f.Add("", "Acme", "Keizersgracht 1", "", "Amsterdam", "", "1012 ab", "nl", "", "", true)
	f.Add("", "", "", "", "", "", "", "", "", "", false)
	f.Add("\xff", "\x00", "a\nb", strings.Repeat("x", 200), "\u0085", "\xed\xa0\x80", "K1A 0B1", "CA", "((((", "a@b", false)
	f.Add("A", "B", "C", "D", "E", "F", "SW1A 1AA", "GB", "12345", "Name <a@b.co>", false)
	f.Add(" n ", " c ", " l1 ", " l2 ", " city ", " on ", " k1a0b1 ", " ca ", "+1-416-555-0100", " a@b.ca ", true)
	f.Fuzz(func(t *testing.T, name, company, line1, line2, city, region, pc, country, phone, email string, residential bool) {
		a := Address{Name: name, Company: company, Line1: line1, Line2: line2, City: city, Region: region,
			PostalCode: pc, Country: country, Phone: phone, Email: email, Residential: residential}
		for _, in := range []Address{a, a.Normalize()} {
			err := in.Validate()
			if err == nil {
				continue
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrValidation) {
				t.Fatalf("Validate(%+v) = %v, not a *ValidationError", in, err)
			}
			if len(ve.Problems) == 0 {
				t.Fatalf("Validate(%+v) returned a ValidationError with no problems", in)
			}
			for _, p := range ve.Problems {
				if !addressFields[p.Field] || p.Message == "" {
					t.Fatalf("Validate(%+v): problem %+v", in, p)
				}
			}
		}
		n := a.Normalize()
		if again := n.Normalize(); again != n {
			t.Fatalf("Normalize not idempotent: %+v then %+v", n, again)
		}
	})
}
