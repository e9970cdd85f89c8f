package order

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/omskit/oms"
)

func TestFieldString(t *testing.T) {
	p := field{base: "lines", i: 12}
	d := p
	d.sub, d.j = "discounts", 3
	got := []string{plain("customer.email").String(), p.at("sku").String(), d.at("amount").String(), p.String(), field{base: "add", i: 0}.at("tax").String()}
	want := []string{"customer.email", "lines[12].sku", "lines[12].discounts[3].amount", "lines[12]", "add[0].tax"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestDiscountsExceed(t *testing.T) {
	m := oms.MustParseMoney
	huge := m("92233720368547758.07 USD")
	for _, tt := range []struct {
		price oms.Money
		qty   int64
		disc  []string
		want  bool
	}{
		{m("5.00 USD"), 2, []string{"10.00 USD"}, false},
		{m("5.00 USD"), 2, []string{"6.00 USD", "4.01 USD"}, true},
		{m("5.00 USD"), 2, []string{"9.999 USD"}, false},
		{m("5.00 USD"), 2, []string{"10.001 USD"}, true},
		{huge, 3, []string{"1.00 USD"}, false},
		{m("1.00 USD"), 1, []string{"92233720368547758.07 USD", "92233720368547758.07 USD"}, true},
	} {
		var ds []Discount
		for _, s := range tt.disc {
			ds = append(ds, Discount{Amount: m(s)})
		}
		if got := discountsExceed(tt.price, tt.qty, ds); got != tt.want {
			t.Errorf("%s × %d, discounts %v: %v, want %v", tt.price, tt.qty, tt.disc, got, tt.want)
		}
	}
}
