// Package money reads an amount the way a region writes it ("Rp1.500.000",
// "1,5 juta", "RM 2k", "₹1,50,000", "1.5万", "NT$3,600", "USD 99.90") and
// formats one back the region's way. CLDR data (currency codes, symbols,
// locale number formats) comes from github.com/bojanz/currency; the words
// for multipliers (k, rb, juta, lakh, crore, 万 …) are this package's own.
//
// A reading whose marks could mean two amounts in the region ("1.500" in
// Malaysia, "1,500" in Indonesia) is Unsure, never guessed.
package money

import (
	"strings"

	"github.com/bojanz/currency"
	xcurrency "golang.org/x/text/currency"
)

// Amount is a sum in minor units of a currency (ISO 4217 code).
type Amount struct {
	Minor    int64
	Currency string
}

// Reading is what Parse made of a written amount.
type Reading struct {
	Amount
	// Typed says the currency was written (a symbol or a code); otherwise
	// it is the region's.
	Typed bool
	// Multiplied says a multiplier word was written ("2jt", "1.5万").
	Multiplied bool
	// Unsure says the marks could mean another amount in this region;
	// Amount is then the likelier reading and Others the rest that the
	// currency can hold.
	Unsure bool
	Others []int64
}

// Max is the largest amount accepted, in major units: larger is a typo.
const Max = 1_000_000_000_000

// Digits is the number of decimals a currency is kept in: its cash
// rounding, so rupiah and NT dollars are whole and ringgit has cents.
// The minor units of every stored sale follow it.
func Digits(code string) int {
	u, err := xcurrency.ParseISO(code)
	if err != nil {
		return 2
	}
	sc, _ := xcurrency.Cash.Rounding(u)
	return sc
}

// Known reports whether code is an ISO 4217 currency code.
func Known(code string) bool {
	return len(code) == 3 && code == strings.ToUpper(code) && currency.IsValid(code)
}

// RegionCurrency is the currency of a region (ISO 3166 country code, any
// case), "USD" for an unknown one.
func RegionCurrency(region string) string {
	if c, ok := currency.ForCountryCode(strings.ToUpper(region)); ok {
		return c
	}
	return "USD"
}

// marks are a region's decimal and grouping marks.
type marks struct {
	decimal, group byte
	indian         bool // groups of two above the thousands: 1,50,000
}

// marksOf: Indonesia writes 1.500.000,50; India 1,50,000.50; Malaysia,
// Singapore, China and Taiwan 1,500,000.50.
func marksOf(region string) marks {
	switch strings.ToUpper(region) {
	case "ID":
		return marks{decimal: ',', group: '.'}
	case "IN":
		return marks{decimal: '.', group: ',', indian: true}
	}
	return marks{decimal: '.', group: ','}
}
